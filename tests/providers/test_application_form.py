"""The application shows every error at once, keeps chosen files, marks and checks certificates."""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlmodel import select

from app.common.models import AuditLog
from app.providers.models import Provider, ProviderDocument
from app.providers.service import expiring_documents_job
from tests.providers.factories import ORG_A, PDF, seed
from tests.providers.test_application import ORG, application_form

TODAY = date.today()


def post(client, data):
    return client.post("/anordnare/ansok", data=data, content_type="multipart/form-data")


def test_every_error_is_shown_at_once(client, session):
    data = application_form(org_nr="556677-8890", name="", bankgiro="", f_skatt="", service_types=[])
    del data["credit_check_file"]

    page = post(client, data)

    assert page.status_code == 400
    text = page.text
    for message in ("ogiltigt organisationsnummer", "Fyll i fältet.", "ange bankgiro eller plusgiro",
                    "F-skatt", "välj minst en insatstyp", "bifoga dokumentet"):
        assert message in text, message
    assert session.exec(select(Provider)).first() is None


def test_chosen_files_are_kept_across_a_failed_submit(client, session):
    first = post(client, application_form(org_nr="556677-8890"))
    assert first.status_code == 400
    assert "Redan bifogad: f_skatt.pdf" in first.text and "Redan bifogad: intyg.png" in first.text

    again = application_form()
    for kind in ("f_skatt", "registration", "insurance", "credit_check"):
        del again[f"{kind}_file"]
    assert post(client, again).status_code == 302

    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    docs = session.exec(select(ProviderDocument).where(ProviderDocument.provider_id == provider.id)).all()
    assert sorted(d.filename for d in docs) == ["credit_check.pdf", "f_skatt.pdf", "intyg.png", "registration.pdf"]


def test_a_file_with_a_bad_content_is_not_kept(client):
    page = post(client, application_form(org_nr="556677-8890",
                                          registration_file=(io.BytesIO(b"MZ"), "utdrag.pdf")))
    assert "Redan bifogad: utdrag.pdf" not in page.text and "Redan bifogad: f_skatt.pdf" in page.text


def test_required_documents_are_marked(client):
    page = client.get("/anordnare/ansok").text
    assert page.count('<span class="required-mark">(krävs)</span>') == 4
    assert page.count('aria-required="true"') >= 4


def test_an_expired_certificate_is_refused_at_upload(client, session):
    page = post(client, application_form(f_skatt_expires="2020-05-01"))

    assert page.status_code == 400
    assert "dokumentet gick ut 2020-05-01" in page.text
    assert session.exec(select(Provider)).first() is None


def test_a_provider_cannot_upload_an_expired_certificate(client, auth, session):
    seed(session)
    auth.login("provider", provider_org_nr=ORG_A)
    page = client.post("/anordnare/dokument", data={"kind": "f_skatt", "file": (io.BytesIO(PDF), "f.pdf"),
                                                    "expires_on": "2020-05-01"},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "dokumentet gick ut 2020-05-01" in page.text
    assert session.exec(select(ProviderDocument)).first() is None


def applied_with_expired_f_skatt(client, session) -> int:
    assert post(client, application_form()).status_code == 302
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG)).one()
    doc = session.exec(select(ProviderDocument).where(ProviderDocument.provider_id == provider.id,
                                                      ProviderDocument.kind == "f_skatt")).one()
    doc.expires_on = date(2020, 5, 1)  # it lapsed while the application waited
    session.commit()
    return provider.id


def test_approval_is_blocked_while_a_required_certificate_is_expired(client, auth, session):
    provider_id = applied_with_expired_f_skatt(client, session)
    auth.login("admin")
    review = client.get(f"/admin/anordnare/{provider_id}").text
    assert "F-skattebevis gick ut 2020-05-01" in review

    refused = client.post(f"/admin/anordnare/{provider_id}", data={"action": "approve", "reason": ""})

    assert refused.status_code == 400 and "Ange ett skäl" in refused.text
    session.expire_all()
    assert session.get(Provider, provider_id).status == "applied"


def test_the_admin_may_approve_anyway_with_a_reason_that_is_audited(client, auth, session):
    provider_id = applied_with_expired_f_skatt(client, session)
    auth.login("admin")

    response = client.post(f"/admin/anordnare/{provider_id}",
                           data={"action": "approve", "reason": "Nytt bevis begärt från Skatteverket"})

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Provider, provider_id).status == "approved"
    entry = session.exec(select(AuditLog).where(AuditLog.entity == "provider", AuditLog.action == "approve")).one()
    assert entry.reason == "Nytt bevis begärt från Skatteverket"
    assert entry.after["documents_missing_or_expired"] == ["F-skattebevis gick ut 2020-05-01"]


def test_a_missing_certificate_blocks_approval_too(client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    provider.status = "applied"
    session.commit()
    auth.login("admin")
    refused = client.post(f"/admin/anordnare/{provider.id}", data={"action": "approve", "reason": ""})
    assert refused.status_code == 400 and "F-skattebevis saknas" in refused.text


def _soon_expiring(session) -> None:
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    session.add(ProviderDocument(provider_id=provider.id, kind="insurance", filename="f.pdf", stored_name="x.pdf",
                                 content_type="application/pdf", size=3, expires_on=TODAY + timedelta(days=20)))
    session.add(ProviderDocument(provider_id=provider.id, kind="f_skatt", filename="g.pdf", stored_name="y.pdf",
                                 content_type="application/pdf", size=3, expires_on=TODAY + timedelta(days=200)))
    session.commit()


def test_documents_expiring_within_30_days_are_listed_on_the_admin_and_provider_start_pages(client, auth, session):
    _soon_expiring(session)
    expiry = (TODAY + timedelta(days=20)).isoformat()
    auth.login("admin")
    admin = client.get("/").text
    assert "Intyg som går ut inom 30 dagar" in admin and "Arbetsvägen AB" in admin and expiry in admin
    assert "F-skattebevis" not in admin.split('id="expiring-documents"')[1].split("</section>")[0]
    session.rollback()  # SQLite: end the page's read before another user is made

    auth.login("provider", provider_org_nr=ORG_A)
    provider = client.get("/").text
    assert "Försäkringsbevis" in provider and expiry in provider


def test_the_daily_job_tells_the_provider_and_the_admin(session):
    from app.notifications.models import Notification

    _soon_expiring(session)
    expiring_documents_job(session, TODAY)
    session.commit()
    notes = session.exec(select(Notification).where(Notification.key.startswith("doc-expiry"))).all()
    assert {("admin" if n.role == "admin" else "provider") for n in notes} == {"admin", "provider"}
