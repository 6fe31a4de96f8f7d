"""Imports every table model so SQLModel.metadata is complete (Alembic and tests read it)."""
from sqlmodel import SQLModel

from app.auth.models import User
from app.common.models import AccessLog, AuditLog, Notification
from app.followup.models import BudgetFrame, ExternalFigure, FigureTarget
from app.kundval.models import (
    Client,
    ClientLoginCode,
    DefaultChoiceSetting,
    FollowUp,
    Placement,
    Referral,
)
from app.offerings.models import Offering
from app.providers.models import (
    ApiToken,
    IdempotencyRecord,
    Provider,
    ProviderDocument,
    ProviderInvitation,
)
from app.reporting.models import Attendance, MonthReport, Outcome
from app.settlement.models import (
    BonusRule,
    JobLock,
    NumberSeries,
    Period,
    Settlement,
    SettlementLine,
    SettlementWarning,
)

metadata = SQLModel.metadata

__all__ = [
    "ApiToken", "BudgetFrame", "ClientLoginCode", "DefaultChoiceSetting", "ExternalFigure",
    "FigureTarget", "FollowUp", "IdempotencyRecord", "MonthReport", "ProviderInvitation",
    "AccessLog", "Attendance", "AuditLog", "Notification", "BonusRule", "Client", "JobLock", "NumberSeries",
    "Offering", "Outcome", "Period", "Placement", "Provider", "ProviderDocument", "Referral",
    "Settlement", "SettlementLine", "SettlementWarning", "User", "metadata",
]
