"""The message a provider gets when its settlement is approved (by approve or by closing the month)."""
from __future__ import annotations

from sqlmodel import Session

from app.common.i18n import fmt_money
from app.notifications.service import notify
from app.settlement.models import Settlement

PROVIDER_SETTLEMENTS_PATH = "/anordnare/avrakningar"


def tell_providers_approved(session: Session, settlements: list[Settlement]) -> None:
    """One message per approved settlement, to its provider; repeating an approval sends nothing new."""
    for s in settlements:
        amount = fmt_money(s.total_incl_vat, "sv")
        what = "att kreditera" if s.credit_note else "att fakturera"
        notify(session, provider_id=s.provider_id, key=f"settlement-approved:{s.id}",
               subject=f"Avräkningen för {s.period} är godkänd ({s.number})",
               body=(f"Kommunen har godkänt avräkningen för {s.period} med nummer {s.number}. "
                     f"Belopp {what}: {amount} inklusive moms. Ange numret {s.number} på fakturan.\n\n"
                     f"Raderna, PDF och e-faktura finns under Avräkningar i anordnarportalen: "
                     f"{PROVIDER_SETTLEMENTS_PATH}/{s.id}"))
