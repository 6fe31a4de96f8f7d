"""The message a provider gets when its settlement is approved (by approve or by closing the month)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from app.notifications.messages import Amount
from app.notifications.service import notify
from app.settlement.models import Settlement

PROVIDER_SETTLEMENTS_PATH = "/anordnare/avrakningar"


def tell_providers_approved(session: Session, settlements: list[Settlement]) -> None:
    """One message per approved settlement, to its provider; repeating an approval sends nothing new."""
    for s in settlements:
        names = {"period": s.period, "number": s.number, "amount": Amount(s.total_incl_vat)}
        amount = (_l("Belopp att kreditera: %(amount)s inklusive moms.", **names) if s.credit_note
                  else _l("Belopp att fakturera: %(amount)s inklusive moms.", **names))
        notify(session, provider_id=s.provider_id, key=f"settlement-approved:{s.id}",
               subject=_l("Avräkningen för %(period)s är godkänd (%(number)s)", **names),
               body=[_l("Kommunen har godkänt avräkningen för %(period)s med nummer %(number)s.", **names), " ",
                     amount, " ", _l("Ange numret %(number)s på fakturan.", **names), "\n\n",
                     _l("Raderna, PDF och e-faktura finns under Avräkningar i anordnarportalen: %(link)s",
                        link=f"{PROVIDER_SETTLEMENTS_PATH}/{s.id}")])
