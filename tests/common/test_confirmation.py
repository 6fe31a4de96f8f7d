"""Approve, close, revoke and withdraw ask for a confirmation that works without JavaScript."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.offerings.models import Offering
from app.providers.models import ApiToken
from app.providers.service import create_token
from app.settlement import service
from app.settlement.models import Period, Settlement
from tests.providers.factories import ORG_A, seed
from tests.settlement.helpers import attendance


def has_required_confirm_box(page: str, action: str) -> bool:
    """The form posting to `action` holds a required checkbox confirm=yes, and no script."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    return bool(form) and bool(re.search(r'<input type="checkbox" name="confirm" value="yes" required>',
                                         form.group(1))) and "onclick" not in form.group(0)


@pytest.fixture
def march_draft(session):
    seed(session)
    from app.exchange.importer import import_document

    import_document(session, {"attendance": attendance("PL1", "2026-03-10", 3)})
    service.run_period(session, "2026-03")
    session.commit()
    draft_id = session.exec(select(Settlement.id).where(Settlement.period == "2026-03")).first()
    session.rollback()
    return draft_id


def status_of(session, settlement_id: int) -> str:
    session.expire_all()
    status = session.get(Settlement, settlement_id).status
    session.rollback()
    return status


def test_approving_a_settlement_needs_the_confirmation(client, auth, session, march_draft):
    auth.login("finance")
    page = client.get(f"/avrakning/visa/{march_draft}").text
    assert has_required_confirm_box(page, "/avrakning/2026-03/godkann")
    assert has_required_confirm_box(client.get("/avrakning/2026-03").text, "/avrakning/2026-03/godkann")

    refused = client.post("/avrakning/2026-03/godkann", data={"settlement_id": str(march_draft)})
    assert refused.status_code == 302 and status_of(session, march_draft) == "draft"
    assert "Bekräfta att avräkningen ska godkännas" in client.get(refused.location).text

    client.post("/avrakning/2026-03/godkann", data={"settlement_id": str(march_draft), "confirm": "yes"})
    assert status_of(session, march_draft) == "approved"


def test_closing_a_month_needs_the_confirmation(client, auth, session, march_draft):
    auth.login("finance")
    client.post("/avrakning/2026-03/stang")
    assert session.exec(select(Period).where(Period.closed_at.is_not(None))).first() is None
    session.rollback()
    client.post("/avrakning/2026-03/stang", data={"confirm": "yes"})
    assert session.exec(select(Period).where(Period.closed_at.is_not(None))).first() is not None


def test_revoking_an_api_token_needs_the_confirmation(client, auth, session):
    seed(session)
    user = auth.login("provider", provider_org_nr=ORG_A)
    token, _plain = create_token(session, user, "Lönesystemet")
    session.commit()
    token_id = token.id
    action = f"/anordnare/api-nycklar/{token_id}/aterkalla"
    assert has_required_confirm_box(client.get("/anordnare/api-nycklar").text, action)

    client.post(action)
    session.expire_all()
    assert session.get(ApiToken, token_id).revoked_at is None
    session.rollback()
    client.post(action, data={"confirm": "yes"})
    session.expire_all()
    assert session.get(ApiToken, token_id).revoked_at is not None


def test_withdrawing_an_offering_needs_the_confirmation(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    offering_id = session.exec(select(Offering.id).where(Offering.ref == "O1")).one()
    session.rollback()
    action = f"/tjanster/{offering_id}/dra-tillbaka"
    assert has_required_confirm_box(client.get(f"/tjanster/{offering_id}").text, action)

    client.post(action)
    assert session.get(Offering, offering_id).status == "published"
    session.rollback()
    client.post(action, data={"confirm": "yes"})
    session.expire_all()
    assert session.get(Offering, offering_id).status == "withdrawn"
