"""Offerings: create, edit, publish, withdraw, and a new price once the old one is frozen."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.base import new_ref
from app.common.errors import ValidationError
from app.common.hooks import Hook
from app.common.money import OutOfBounds, parse_money
from app.offerings.models import RATE_UNITS, SERVICE_TYPES, VAT_RATES, Offering
from app.procurement.service import check_price, require_accepted_contract
from app.providers.models import Provider

FROZEN_FIELDS = ("rate_unit", "rate", "vat_rate", "start_share", "level_rates")
LEVELS = ("A", "B", "C")


@dataclass
class OfferingData:
    """What a provider fills in for an offering (plain values, not yet checked)."""

    service_type: str
    title: str
    rate_unit: str
    rate: str | Decimal
    vat_rate: int | str = 0
    start_share: int | str = 50
    description: str = ""
    capacity: int | str = 0
    area: str = ""
    address: str = ""
    languages: list[str] = field(default_factory=list)
    target_groups: str = ""
    available_from: date | None = None
    available_to: date | None = None
    # Level -> amount as typed ("175,00"); an empty amount means the level is paid `rate`.
    level_rates: dict = field(default_factory=dict)
    # Page language code -> the description in that language (app.common.languages).
    descriptions: dict = field(default_factory=dict)


def _amount(value, name: str) -> Decimal:
    try:
        amount = parse_money(str(value).strip().replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (OutOfBounds, ValueError, TypeError):
        raise ValidationError(name, _l("ange beloppet i kronor med högst två decimaler")) from None
    if amount <= 0 or amount > Decimal("1000000"):
        raise ValidationError(name, _l("beloppet måste vara större än 0 och högst 1 000 000 kr"))
    return amount


def check_level_rates(raw: dict) -> dict:
    """{"B": "140,00"} -> {"B": "140.00"}: the stored form (settlement.md, "Levels"); names rate_b."""
    rates = {}
    for level, value in (raw or {}).items():
        if level not in LEVELS:
            raise ValidationError("level_rates", _l("okänd nivå %(level)s", level=level))
        if value is not None and str(value).strip():
            rates[level] = str(_amount(value, f"rate_{level.lower()}"))
    return dict(sorted(rates.items()))


def _int(value, name: str, low: int, high: int, message: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(name, message) from None
    if not low <= number <= high:
        raise ValidationError(name, message)
    return number


def check(data: OfferingData, provider: Provider) -> dict:
    """The offering's values, checked; raises ValidationError naming the field."""
    if data.service_type not in SERVICE_TYPES:
        raise ValidationError("service_type", _l("välj en insatstyp"))
    if provider.service_types and data.service_type not in provider.service_types:
        raise ValidationError("service_type", _l("er organisation är inte godkänd för den insatstypen"))
    title = (data.title or "").strip()
    if not title:
        raise ValidationError("title", _l("ge tjänsten en rubrik"))
    if data.rate_unit not in RATE_UNITS:
        raise ValidationError("rate_unit", _l("välj en ersättningsform"))
    rate = _amount(data.rate, "rate")
    level_rates = check_level_rates(data.level_rates)
    vat_rate = _int(data.vat_rate, "vat_rate", 0, 25, _l("momssatsen är 0, 6, 12 eller 25 procent"))
    if vat_rate not in VAT_RATES:
        raise ValidationError("vat_rate", _l("momssatsen är 0, 6, 12 eller 25 procent"))
    start_share = 50
    if data.rate_unit == "package":
        start_share = _int(data.start_share, "start_share", 0, 100,
                           _l("startdelen är en andel i procent, 0–100"))
    capacity = _int(data.capacity or 0, "capacity", 0, 10000, _l("ange antal platser, 0–10 000"))
    if data.available_from and data.available_to and data.available_to < data.available_from:
        raise ValidationError("available_to", _l("slutdatum måste vara samma dag eller senare än startdatum"))
    languages = sorted({(lang or "").strip().lower()[:10] for lang in data.languages if (lang or "").strip()})
    descriptions = check_descriptions(data.descriptions)
    return {"service_type": data.service_type, "title": title[:200],
            "description": (data.description or "").strip(), "rate_unit": data.rate_unit,
            "rate": rate, "level_rates": level_rates, "vat_rate": vat_rate, "start_share": start_share,
            "capacity": capacity,
            "area": (data.area or "").strip()[:100], "address": (data.address or "").strip()[:200],
            "languages": languages, "target_groups": (data.target_groups or "").strip(),
            "available_from": data.available_from, "available_to": data.available_to,
            "descriptions": descriptions}


def check_descriptions(raw: dict) -> dict:
    """{"ar": " ... "} -> {"ar": "..."}: only the client languages, empty ones left out."""
    from app.common.languages import DESCRIPTION_LANGUAGES

    known = {lang.code for lang in DESCRIPTION_LANGUAGES}
    descriptions = {}
    for code, text in (raw or {}).items():
        if code not in known:
            raise ValidationError(f"description_{code}", _l("okänt språk för beskrivningen"))
        text = (text or "").strip()
        if len(text) > 5000:
            raise ValidationError(f"description_{code}", _l("högst 5 000 tecken"))
        if text:
            descriptions[code] = text
    return dict(sorted(descriptions.items()))


def _check_price(session: Session, provider: Provider, values: dict, level_rates: dict | None) -> None:
    """The rate (and level rates) against the price rule of the conditions the offering falls under."""
    check_price(session, provider.id, values["service_type"], values["rate_unit"], values["rate"],
                level_rates)


def _snapshot(offering: Offering) -> dict:
    return {k: (str(v) if isinstance(v, Decimal | date) else v)
            for k, v in offering.model_dump(exclude={"created_at", "updated_at"}).items()}


def _term(offering: Offering, name: str):
    """A price term as check() gives it, so that stored and typed values compare equal."""
    return check_level_rates(offering.level_rates) if name == "level_rates" else getattr(offering, name)


# Placements are kundval's, an area above offerings: (session, offering id) -> whether a
# placement uses it, provided in create_app().
offering_in_use: Hook[Callable[[Session, int], bool]] = Hook("offerings.offering_in_use")


def stop_offerings(session: Session, provider_id: int, provider_status: str) -> None:
    """A suspended provider's published offerings are withdrawn, a terminated provider's closed."""
    for offering in session.exec(select(Offering).where(Offering.provider_id == provider_id,
                                                        Offering.status == "published")).all():
        offering.status = "withdrawn" if provider_status == "suspended" else "closed"


def is_frozen(session: Session, offering: Offering) -> bool:
    """True once a placement uses the offering: its price terms can no longer change."""
    return bool(offering_in_use(session, offering.id))


def own_offering(session: Session, provider_id: int, offering_id: int) -> Offering | None:
    offering = session.get(Offering, offering_id)
    return offering if offering is not None and offering.provider_id == provider_id else None


def list_offerings(session: Session, provider_id: int) -> list[Offering]:
    return list(session.exec(select(Offering).where(Offering.provider_id == provider_id)
                             .order_by(Offering.status, Offering.service_type, Offering.title)).all())


def create_offering(session: Session, provider: Provider, data: OfferingData, actor_id: int | None
                    ) -> Offering:
    """A new offering as a draft; publishing is a separate step."""
    values = check(data, provider)
    _check_price(session, provider, values, values.get("level_rates"))
    offering = Offering(ref=new_ref("TJ"), provider_id=provider.id, status="draft", **values)
    session.add(offering)
    session.flush()
    record_change(session, actor_id, "create", "offering", offering.id, after=_snapshot(offering))
    return offering


def update_offering(session: Session, offering: Offering, data: OfferingData, actor_id: int | None
                    ) -> Offering:
    provider = session.get(Provider, offering.provider_id)
    values = check(data, provider)
    if offering.status == "closed":
        raise ValidationError("title", _l("tjänsten är stängd och kan inte ändras"))
    if is_frozen(session, offering):
        for name in FROZEN_FIELDS + ("service_type",):
            if values[name] != _term(offering, name) and not (
                    name == "start_share" and offering.rate_unit != "package"):
                raise ValidationError(name, _l("priset är låst eftersom tjänsten används av en placering; "
                                            "använd ”nytt pris från datum”"))
            values[name] = getattr(offering, name)
    else:
        _check_price(session, provider, values, values.get("level_rates", offering.level_rates))
    before = _snapshot(offering)
    for name, value in values.items():
        setattr(offering, name, value)
    record_change(session, actor_id, "update", "offering", offering.id, before=before,
                  after=_snapshot(offering))
    return offering


def publish(session: Session, offering: Offering, actor_id: int | None) -> Offering:
    provider = session.get(Provider, offering.provider_id)
    if provider.status != "approved":
        raise ValidationError("status", _l("bara godkända anordnare kan publicera tjänster"))
    if offering.status not in ("draft", "withdrawn"):
        raise ValidationError("status", _l("tjänsten kan inte publiceras i sin nuvarande status"))
    require_accepted_contract(session, provider.id)
    if not is_frozen(session, offering):
        _check_price(session, provider, {k: getattr(offering, k) for k in (
            "service_type", "rate_unit", "rate")}, offering.level_rates)
    record_change(session, actor_id, "publish", "offering", offering.id,
                  before={"status": offering.status}, after={"status": "published"})
    offering.status = "published"
    return offering


def withdraw(session: Session, offering: Offering, actor_id: int | None) -> Offering:
    """No new choices; placements that already use it go on."""
    if offering.status != "published":
        raise ValidationError("status", _l("bara publicerade tjänster kan dras tillbaka"))
    record_change(session, actor_id, "withdraw", "offering", offering.id,
                  before={"status": "published"}, after={"status": "withdrawn"})
    offering.status = "withdrawn"
    return offering


def new_price(session: Session, offering: Offering, from_date: date | None, rate, vat_rate,
              start_share, actor_id: int | None, today: date, level_rates: dict | None = None) -> Offering:
    """A copy with the new price from `from_date`; the old one closes for new choices the day before.

    `level_rates` None keeps the old offering's level rates."""
    if offering.status == "closed":
        raise ValidationError("from_date", _l("tjänsten är redan stängd"))
    if from_date is None:
        raise ValidationError("from_date", _l("ange från vilket datum det nya priset gäller"))
    if from_date < today:
        raise ValidationError("from_date", _l("det nya priset kan inte gälla bakåt i tiden"))
    if offering.available_to and from_date > offering.available_to:
        raise ValidationError("from_date", _l("datumet ligger efter tjänstens sista dag"))
    provider = session.get(Provider, offering.provider_id)
    data = OfferingData(**{**{k: getattr(offering, k) for k in (
        "service_type", "title", "rate_unit", "description", "capacity", "area", "address",
        "languages", "target_groups", "available_to", "descriptions")}, "rate": rate, "vat_rate": vat_rate,
        "start_share": start_share, "available_from": from_date,
        "level_rates": offering.level_rates if level_rates is None else level_rates})
    values = check(data, provider)
    if all(values[k] == _term(offering, k) for k in FROZEN_FIELDS):
        raise ValidationError("rate", _l("det nya priset är detsamma som det gamla"))
    _check_price(session, provider, values, values.get("level_rates", offering.level_rates))
    new = Offering(ref=new_ref("TJ"), provider_id=provider.id, replaces_id=offering.id,
                   default_choice=offering.default_choice,
                   status="published" if provider.status == "approved" else "draft", **values)
    session.add(new)
    before = _snapshot(offering)
    offering.available_to = from_date - timedelta(days=1)
    offering.default_choice = False
    if from_date <= today:
        offering.status = "closed"
    session.flush()
    record_change(session, actor_id, "update", "offering", offering.id, before=before,
                  after=_snapshot(offering), reason=f"nytt pris från {from_date} i {new.ref}")
    record_change(session, actor_id, "create", "offering", new.id, after=_snapshot(new),
                  reason=f"ersätter {offering.ref}")
    return new


