"""An organisation applies, the admin decides, the first user invites and removes colleagues."""
from __future__ import annotations

import io
from pathlib import Path

from sqlmodel import select

from app.auth.models import User
from app.common.models import AuditLog
from app.notifications.models import Notification
from app.providers.models import Provider, ProviderDocument, ProviderInvitation
from tests.conftest import PASSWORD
from tests.providers.factories import PDF, png_bytes, switch_user

ORG = "556036-0793"


def application_form(**overrides) -> dict:
    data = {
        "org_nr": ORG, "name": "Språngbrädan ek. för.", "contact_name": "Maja Berg",
        "email": "maja@sprangbradan.example", "phone": "08-123 45", "address": "Storgatan 2",
        "postal_code": "123 45", "city": "Exempelby", "bankgiro": "5050-1055", "plusgiro": "",
        "f_skatt": "y", "vat_number": "SE556036079301", "insurance": "Folksam 123-456",
        "service_types": ["praktik", "arbetstraning"], "description": "Café och second hand.",
    }
    for kind in ("f_skatt", "registration", "insurance", "credit_check"):
        content = png_bytes() if kind == "insurance" else PDF
        name = "intyg.png" if kind == "insurance" else f"{kind}.pdf"
        data[f"{kind}_file"] = (io.BytesIO(content), name)
        data[f"{kind}_expires"] = "2027-06-30"
    data.update(overrides)
    return data


def apply(client, **overrides):
    return client.post("/anordnare/ansok", data=application_form(**overrides),
                       content_type="multipart/form-data")


def test_application_is_stored_with_documents_outside_static(client, session, app):
    assert client.get("/anordnare/ansok").status_code == 200
    response = apply(client)
    assert response.status_code == 302
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    assert provider.status == "applied"
    assert provider.bankgiro == "5050-1055" and provider.service_types == ["praktik", "arbetstraning"]
    docs = session.exec(select(ProviderDocument).where(ProviderDocument.provider_id == provider.id)).all()
    assert {d.kind for d in docs} == {"f_skatt", "registration", "insurance", "credit_check"}
    upload_dir = Path(app.config["UPLOAD_DIR"])
    for doc in docs:
        path = upload_dir / "providers" / str(provider.id) / doc.stored_name
        assert path.is_file() and "static" not in path.parts
    assert session.exec(select(Notification).where(Notification.role == "admin")).first()


def test_invalid_org_nr_is_refused_beside_the_field(client, session):
    response = apply(client, org_nr="556677-8890")
    assert response.status_code == 400
    assert "ogiltigt organisationsnummer" in response.get_data(as_text=True)
    assert session.exec(select(Provider)).first() is None


def test_a_file_whose_content_is_not_pdf_is_refused(client, session):
    response = apply(client, registration_file=(io.BytesIO(b"MZ not a pdf"), "utdrag.pdf"))
    assert response.status_code == 400
    assert "inte en giltig PDF" in response.get_data(as_text=True)
    assert session.exec(select(Provider)).first() is None


def test_a_document_is_required(client):
    data = application_form()
    del data["credit_check_file"]
    response = client.post("/anordnare/ansok", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "bifoga dokumentet" in response.get_data(as_text=True)


def test_without_f_skatt_the_application_is_refused(client):
    response = apply(client, f_skatt="")
    assert response.status_code == 400
    assert "F-skatt" in response.get_data(as_text=True)


def _approve(client, auth, session) -> Provider:
    apply(client)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    session.commit()  # SQLite: end the read so the app's request can write
    auth.login("admin")
    page = client.get("/admin/anordnare/")
    assert provider.name in page.get_data(as_text=True)
    response = client.post(f"/admin/anordnare/{provider.id}", data={"action": "approve", "reason": ""})
    assert response.status_code == 302
    session.expire_all()
    switch_user(auth)
    return session.get(Provider, provider.id)


def _link_token(session, provider_id: int, email: str | None = None) -> str:
    stmt = select(Notification).where(Notification.provider_id == provider_id) if email is None \
        else select(Notification).where(Notification.email == email)
    note = session.exec(stmt.order_by(Notification.id.desc())).first()
    session.commit()
    return note.body.rsplit("/anordnare/inbjudan/", 1)[1].split()[0]


def test_approval_is_audited_notified_and_invites_the_first_user(client, auth, session):
    provider = _approve(client, auth, session)
    assert provider.status == "approved"
    assert session.exec(select(AuditLog).where(AuditLog.entity == "provider",
                                               AuditLog.action == "approve")).first()
    token = _link_token(session, provider.id)
    assert client.get(f"/anordnare/inbjudan/{token}").status_code == 200
    response = client.post(f"/anordnare/inbjudan/{token}", data={"name": "Maja", "password": PASSWORD})
    assert response.status_code == 302
    user = session.exec(select(User).where(User.email == "maja@sprangbradan.example")).one()
    assert user.provider_id == provider.id and user.role == "provider"
    # The link works once.
    assert client.get(f"/anordnare/inbjudan/{token}").status_code == 404


def test_first_user_invites_and_removes_a_colleague(client, auth, session):
    provider = _approve(client, auth, session)
    client.post(f"/anordnare/inbjudan/{_link_token(session, provider.id)}",
                data={"name": "Maja", "password": PASSWORD})
    first = session.exec(select(User).where(User.email == "maja@sprangbradan.example")).one()
    session.commit()
    switch_user(auth, first)
    response = client.post("/anordnare/kollegor", data={"email": "olle@sprangbradan.example"})
    assert response.status_code == 302
    token = _link_token(session, provider.id, email="olle@sprangbradan.example")
    switch_user(auth)
    client.post(f"/anordnare/inbjudan/{token}", data={"name": "Olle", "password": PASSWORD})
    colleague = session.exec(select(User).where(User.email == "olle@sprangbradan.example")).one()
    session.commit()
    # The colleague may not invite or remove others.
    switch_user(auth, colleague)
    client.post("/anordnare/kollegor", data={"email": "x@sprangbradan.example"})
    assert session.exec(select(ProviderInvitation).where(
        ProviderInvitation.email == "x@sprangbradan.example")).first() is None
    session.commit()
    switch_user(auth, first)
    assert "olle@sprangbradan.example" in client.get("/anordnare/").get_data(as_text=True)
    client.post(f"/anordnare/kollegor/{colleague.id}/ta-bort")
    session.expire_all()
    assert session.get(User, colleague.id).active is False


def test_an_expired_invitation_does_not_work(client, auth, session):
    from datetime import timedelta

    provider = _approve(client, auth, session)
    token = _link_token(session, provider.id)
    invitation = session.exec(select(ProviderInvitation)).one()
    invitation.expires_at = invitation.expires_at - timedelta(days=8)
    session.commit()
    assert client.get(f"/anordnare/inbjudan/{token}").status_code == 404


def test_rejection_needs_a_reason_and_is_notified(client, auth, session):
    apply(client)
    provider = session.exec(select(Provider)).one()
    session.commit()
    auth.login("admin")
    response = client.post(f"/admin/anordnare/{provider.id}", data={"action": "reject", "reason": ""})
    assert response.status_code == 400
    assert "ange ett skäl" in response.get_data(as_text=True)
    client.post(f"/admin/anordnare/{provider.id}", data={"action": "reject", "reason": "Saknar försäkring"})
    session.expire_all()
    assert session.get(Provider, provider.id).status == "rejected"
    note = session.exec(select(Notification).where(Notification.provider_id == provider.id)
                        .order_by(Notification.id.desc())).first()
    assert "Saknar försäkring" in note.body
    entry = session.exec(select(AuditLog).where(AuditLog.action == "reject")).one()
    assert entry.reason == "Saknar försäkring"


def test_suspend_and_terminate_withdraw_offerings(client, auth, session):
    from app.offerings.models import Offering
    from tests.providers.factories import ORG_A, seed

    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    session.commit()
    auth.login("admin")
    client.post(f"/admin/anordnare/{provider.id}", data={"action": "suspend", "reason": "Utredning"})
    session.expire_all()
    assert session.get(Provider, provider.id).status == "suspended"
    assert session.exec(select(Offering.status).where(Offering.provider_id == provider.id)).all() == ["withdrawn"]
    session.commit()
    client.post(f"/admin/anordnare/{provider.id}", data={"action": "terminate", "reason": "Avtalsbrott"})
    session.expire_all()
    assert session.get(Provider, provider.id).status == "terminated"
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "provider")).all()
    assert {"suspend", "terminate"} <= set(actions)


def test_review_queue_is_for_admins_only(client, auth):
    auth.login("case_worker")
    assert client.get("/admin/anordnare/").status_code == 403
