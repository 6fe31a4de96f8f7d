"""The plain records every settlement document is built from, and their loader.

The loader reads what a batch of documents needs in three queries (settlements with their
providers, lines with placement and client initials, the numbers adjustments correct); the
builders in pdf.py, peppol.py and sie.py then work on these records alone. Clients appear
only as placement ref and initials: the personnummer is never read.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from app.common.money import from_db
from app.kundval.models import Client, Placement, Referral
from app.offerings.models import Offering
from app.providers.models import Provider
from app.settlement import rules
from app.settlement.models import Settlement, SettlementLine
from app.settlement.overview import initials

ZERO = Decimal("0.00")

# Documents are always Swedish, whatever language the person downloading them has chosen;
# the names are those of the UI (app/common/labels.py).
KIND_NAMES = {"hours": "Timmar", "days": "Dagar", "weeks": "Veckor", "package_start": "Paket, startdel",
              "package_completion": "Paket, slutdel", "bonus_result": "Resultatbonus",
              "bonus_sustained": "Bonus, varaktigt resultat", "adjustment": "Justering"}
SERVICE_TYPE_NAMES = {"arbetsprovning": "Arbetsprövning", "arbetstraning": "Arbetsträning",
                      "praktik": "Praktik", "utredning": "Utredning av arbetsförmåga"}
# What one unit of a line is, in words for the PDF and as a UN/ECE Rec. 20 code for UBL.
UNIT_NAMES = {"hours": "tim", "days": "dagar", "weeks": "veckor"}
UNIT_CODES = {"hours": "HUR", "days": "DAY", "weeks": "WEE"}


@dataclass(frozen=True)
class Party:
    """Seller (the provider) or buyer (the municipality) as documents show them."""

    name: str
    org_nr: str  # NNNNNN-NNNN
    vat_number: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    f_skatt: bool = False
    bankgiro: str = ""
    plusgiro: str = ""
    email: str = ""

    @property
    def org_digits(self) -> str:
        return self.org_nr.replace("-", "")


@dataclass(frozen=True)
class DocumentLine:
    placement_ref: str
    client_initials: str
    service_type: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: int
    vat: Decimal
    ref_period: str | None = None
    ref_kind: str | None = None
    explanation: str = ""

    @property
    def kind_name(self) -> str:
        if self.kind == "adjustment" and self.ref_kind:
            corrected = KIND_NAMES.get(self.ref_kind, self.ref_kind).lower()
            return f"Justering {corrected} {self.ref_period}"
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def service_name(self) -> str:
        return SERVICE_TYPE_NAMES.get(self.service_type, self.service_type)

    @property
    def service_short_name(self) -> str:
        return self.service_name.split(" ")[0]

    @property
    def unit_name(self) -> str:
        return UNIT_NAMES.get(self.kind, "st")

    @property
    def unit_code(self) -> str:
        return UNIT_CODES.get(self.kind, "C62")

    @property
    def title(self) -> str:
        """The line's name on every document: kind, placement and initials, nothing more."""
        return f"{self.kind_name}, placering {self.placement_ref}, {self.client_initials}"


@dataclass(frozen=True)
class Correction:
    """An earlier period an adjustment line corrects, with the approved number(s) it had."""

    period: str
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class VatGroup:
    rate: int
    taxable: Decimal
    vat: Decimal

    @property
    def exempt(self) -> bool:
        return self.rate == 0


@dataclass(frozen=True)
class SettlementDocument:
    settlement_id: int
    number: str | None
    period: str
    status: str
    credit_note: bool
    self_billing: bool
    issue_date: date
    due_date: date
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    corrections: tuple[Correction, ...] = ()
    exemption_reason: str = ""
    exemption_reason_code: str = ""
    payment_days: int = 30
    # The municipality's own unit (egen regi): an internal settlement, never an invoice.
    internal: bool = False

    @property
    def period_start(self) -> date:
        return rules.period_bounds(self.period)[0]

    @property
    def period_end(self) -> date:
        return rules.period_bounds(self.period)[1]

    @property
    def corrected_numbers(self) -> tuple[str, ...]:
        return tuple(n for c in self.corrections for n in c.numbers)

    @property
    def vat_groups(self) -> tuple[VatGroup, ...]:
        """Taxable amount and VAT per rate, each the sum of its rounded lines (highest rate first)."""
        taxable: dict[int, Decimal] = defaultdict(lambda: ZERO)
        vat: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in self.lines:
            taxable[line.vat_rate] += line.amount
            vat[line.vat_rate] += line.vat
        return tuple(VatGroup(rate, taxable[rate], vat[rate]) for rate in sorted(taxable, reverse=True))

    @property
    def reference(self) -> str:
        """What payments and the provider's own invoice quote: the settlement number."""
        return self.number or f"utkast-{self.settlement_id}"

    @property
    def file_stem(self) -> str:
        return f"{self.reference}-{self.seller.org_digits}"


@dataclass(frozen=True)
class DocumentSettings:
    """The parts of the app's configuration documents need, read once (picklable for workers)."""

    buyer: Party
    exemption_reason: str
    exemption_reason_code: str
    payment_days: int = 30
    cost_accounts: Mapping[str, str] = field(default_factory=dict)
    default_cost_account: str = "4610"
    vat_account: str = "2641"
    supplier_debt_account: str = "2440"
    voucher_series: str = "A"
    # The own unit's settlements move money between the municipality's own accounts.
    internal_cost_account: str = "4619"
    internal_income_account: str = "3619"


def settings_from_config(config: Mapping[str, Any]) -> DocumentSettings:
    buyer = Party(
        name=config["MUNICIPALITY_NAME"], org_nr=config["MUNICIPALITY_ORG_NR"],
        vat_number=config.get("MUNICIPALITY_VAT_NUMBER", ""),
        address=config.get("MUNICIPALITY_ADDRESS", ""),
        postal_code=config.get("MUNICIPALITY_POSTAL_CODE", ""),
        city=config.get("MUNICIPALITY_CITY", ""))
    return DocumentSettings(
        buyer=buyer,
        exemption_reason=config.get("VAT_EXEMPTION_REASON", ""),
        exemption_reason_code=config.get("VAT_EXEMPTION_REASON_CODE", ""),
        payment_days=int(config.get("SETTLEMENT_PAYMENT_DAYS", 30)),
        cost_accounts=dict(config.get("SIE_COST_ACCOUNTS", {})),
        default_cost_account=config.get("SIE_DEFAULT_COST_ACCOUNT", "4610"),
        vat_account=config.get("SIE_VAT_ACCOUNT", "2641"),
        supplier_debt_account=config.get("SIE_SUPPLIER_DEBT_ACCOUNT", "2440"),
        voucher_series=config.get("SIE_VOUCHER_SERIES", "A"),
        internal_cost_account=config.get("SIE_INTERNAL_COST_ACCOUNT", "4619"),
        internal_income_account=config.get("SIE_INTERNAL_INCOME_ACCOUNT", "3619"))


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_date(moment: datetime | None) -> date:
    """The Swedish calendar date of a stored UTC timestamp (SQLite gives it back naive)."""
    if moment is None:
        return datetime.now(STOCKHOLM).date()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()


def load_documents(session: Session, settings: DocumentSettings, *, period: str | None = None,
                   settlement_ids: list[int] | None = None, approved_only: bool = True
                   ) -> list[SettlementDocument]:
    """The documents of a period's settlements or of the given ids, in provider org_nr order."""
    stmt = (select(Settlement, Provider).join(Provider, col(Provider.id) == col(Settlement.provider_id))
            .order_by(col(Settlement.period), col(Provider.org_nr)))
    if period is not None:
        stmt = stmt.where(col(Settlement.period) == period)
    if settlement_ids is not None:
        stmt = stmt.where(col(Settlement.id).in_(settlement_ids))
    if approved_only:
        stmt = stmt.where(col(Settlement.status) == "approved")
    rows = session.execute(stmt).all()
    if not rows:
        return []

    lines_by: dict[int, list[DocumentLine]] = defaultdict(list)
    for (settlement_id, p_ref, client_name, service_type, kind, qty, price, amount, vat_rate, vat,
         ref_period, ref_kind, explanation) in session.execute(
        select(col(SettlementLine.settlement_id), col(Placement.ref), col(Client.name), col(Offering.service_type),
               col(SettlementLine.kind), col(SettlementLine.quantity), col(SettlementLine.unit_price),
               col(SettlementLine.amount), col(SettlementLine.vat_rate), col(SettlementLine.vat),
               col(SettlementLine.ref_period), col(SettlementLine.ref_kind), col(SettlementLine.explanation))
        .join(Placement, col(Placement.id) == col(SettlementLine.placement_id))
        .join(Referral, col(Referral.id) == col(Placement.referral_id))
        .join(Client, col(Client.id) == col(Referral.client_id))
        .join(Offering, col(Offering.id) == col(Placement.offering_id))
        .where(col(SettlementLine.settlement_id).in_([s.id for s, _ in rows]))):
        lines_by[settlement_id].append(DocumentLine(
            p_ref, initials(client_name), service_type, kind, from_db(qty), from_db(price), from_db(amount),
            vat_rate, from_db(vat), ref_period, ref_kind, explanation or ""))

    numbers = _approved_numbers(session, {
        (s.provider_id, line.ref_period) for s, _ in rows for line in lines_by[s.id] if line.ref_period})

    documents = []
    for settlement, provider in rows:
        lines = sorted(lines_by[settlement.id],
                       key=lambda d: (d.placement_ref, d.kind, d.ref_period or "", d.ref_kind or ""))
        ref_periods = sorted({line.ref_period for line in lines if line.ref_period})
        corrections = tuple(Correction(q, tuple(numbers.get((settlement.provider_id, q), ())))
                            for q in ref_periods)
        issue = local_date(settlement.approved_at)
        documents.append(SettlementDocument(
            settlement_id=settlement.id, number=settlement.number, period=settlement.period,
            status=settlement.status, credit_note=bool(settlement.credit_note),
            self_billing=bool(provider.self_billing), issue_date=issue,
            due_date=issue + timedelta(days=settings.payment_days),
            seller=_party(provider), buyer=settings.buyer, lines=tuple(lines),
            total_excl_vat=from_db(settlement.total_excl_vat), total_vat=from_db(settlement.total_vat),
            total_incl_vat=from_db(settlement.total_incl_vat), corrections=corrections,
            exemption_reason=settings.exemption_reason,
            exemption_reason_code=settings.exemption_reason_code,
            payment_days=settings.payment_days, internal=provider.kind == "own_unit"))
    return documents


def _approved_numbers(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    """Approved settlement numbers per (provider id, period) for the periods adjustments name."""
    if not keys:
        return {}
    result: dict[tuple[int, str], list[str]] = defaultdict(list)
    for provider_id, period, number in session.execute(
            select(col(Settlement.provider_id), col(Settlement.period), col(Settlement.number))
            .where(col(Settlement.status) == "approved",
                   col(Settlement.provider_id).in_({pid for pid, _ in keys}),
                   col(Settlement.period).in_({q for _, q in keys}))
            .order_by(col(Settlement.number))):
        if (provider_id, period) in keys and number:
            result[(provider_id, period)].append(number)
    return result


def _party(provider: Provider) -> Party:
    return Party(name=provider.name, org_nr=provider.org_nr, vat_number=provider.vat_number or "",
                 address=provider.address or "", postal_code=provider.postal_code or "",
                 city=provider.city or "", f_skatt=bool(provider.f_skatt),
                 bankgiro=provider.bankgiro or "", plusgiro=provider.plusgiro or "",
                 email=provider.email or "")


def draft_org_numbers(session: Session, period: str) -> list[str]:
    """Providers whose settlement for the period is still a draft (drafts get no documents)."""
    return list(session.execute(
        select(col(Provider.org_nr)).join(Settlement, col(Settlement.provider_id) == col(Provider.id))
        .where(col(Settlement.period) == period, col(Settlement.status) == "draft")
        .order_by(col(Provider.org_nr))).scalars())
