"""Imports every table model so SQLModel.metadata is complete (Alembic and tests read it)."""
from sqlmodel import SQLModel

from app.auth.models import RecoveryCode, TotpFactor, User, WebAuthnCredential
from app.common.jobs import JobLock
from app.common.models import AccessLog, AuditLog
from app.followup.models import (
    BudgetFrame,
    ExternalFigure,
    FigureTarget,
    KeptBudget,
    KeptFigure,
    KeptYear,
)
from app.kundval.models import (
    Attendance,
    AttendanceDispute,
    Client,
    ClientLoginCode,
    DefaultChoiceSetting,
    FollowUp,
    LevelAssessment,
    Outcome,
    PayrollEntry,
    Placement,
    Referral,
)
from app.notifications.models import Notification
from app.offerings.models import Offering
from app.privacy.models import RetentionRun
from app.procurement.models import Conditions, Contract, ContractChange
from app.providers.models import (
    ApiToken,
    IdempotencyRecord,
    Provider,
    ProviderDocument,
    ProviderInvitation,
)
from app.reporting.models import MonthReport
from app.settlement.models import (
    BonusRule,
    NumberSeries,
    Period,
    Settlement,
    SettlementLine,
    SettlementWarning,
)
from app.tasks.models import Task

metadata = SQLModel.metadata

__all__ = [
    "ApiToken", "AttendanceDispute", "BudgetFrame", "Conditions", "Contract", "ContractChange",
    "ClientLoginCode", "DefaultChoiceSetting", "ExternalFigure",
    "FigureTarget", "FollowUp", "KeptBudget", "KeptFigure", "KeptYear", "IdempotencyRecord", "LevelAssessment", "MonthReport", "PayrollEntry",
    "ProviderInvitation",
    "AccessLog", "Attendance", "AuditLog", "Notification", "BonusRule", "Client", "JobLock", "NumberSeries",
    "Offering", "Outcome", "Period", "Placement", "Provider", "ProviderDocument", "Referral",
    "RecoveryCode", "RetentionRun", "Settlement", "SettlementLine", "SettlementWarning", "Task", "TotpFactor", "User", "WebAuthnCredential", "metadata",
]
