"""A provider user only ever sees their own provider's data, on every page of the portal."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import select

from app.kundval.models import Placement
from app.notifications.models import Notification
from app.offerings.models import Offering
from app.providers.models import ApiToken, Provider, ProviderDocument
from tests.providers.factories import ORG_A, ORG_B, PDF, seed


@pytest.fixture
def two_providers(client, auth, session, app):
    """Provider B has a document, a token, a message, attendance and a result; A is signed in."""
    from app.auth.models import User
    from app.providers import service
    from app.providers.documents import Upload

    seed(session)
    auth.user("provider", email="b@test.example", provider_org_nr=ORG_B)
    user_b = session.exec(select(User).where(User.email == "b@test.example")).one()
    service.add_document(session, user_b, Upload("insurance", "b-forsakring.pdf", PDF, date(2027, 1, 1)),
                         app.config["UPLOAD_DIR"])
    service.create_token(session, user_b, "B-systemet")
    session.add(Notification(provider_id=user_b.provider_id, subject="Hemligt för B", body="x"))
    session.commit()
    ids = {
        "offering": session.exec(select(Offering.id).where(Offering.title == "Praktik i café")).one(),
        "doc": session.exec(select(ProviderDocument.id)).one(),
        "token": session.exec(select(ApiToken.id)).one(),
        "note": session.exec(select(Notification.id).where(Notification.subject == "Hemligt för B")).one(),
        "placement": session.exec(select(Placement.id).where(Placement.ref == "PL2")).one(),
        "user_b": user_b.id,
        "provider_b": session.exec(select(Provider.id).where(Provider.org_nr == ORG_B)).one(),
    }
    session.commit()
    auth.login("provider", email="a@test.example", provider_org_nr=ORG_A)
    return ids


PAGES = ["/anordnare/", "/anordnare/dokument", "/anordnare/api-nycklar", "/tjanster/",
         "/rapportering/2026-03", "/rapportering/resultat", "/meddelanden/"]
SECRETS = ["Bashir", "Praktik i café", "b-forsakring", "B-systemet", "Hemligt för B", "b@test.example",
           "PL2"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_show_nothing_of_the_other_provider(client, two_providers, url):
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in text, (url, secret)


def test_other_providers_objects_are_not_found_or_refused(client, session, two_providers):
    ids = two_providers
    assert client.get(f"/tjanster/{ids['offering']}").status_code == 404
    assert client.post(f"/tjanster/{ids['offering']}/publicera").status_code == 404
    assert client.get(f"/anordnare/dokument/{ids['doc']}").status_code == 404
    assert client.post(f"/meddelanden/{ids['note']}/last").status_code == 404
    client.post(f"/anordnare/api-nycklar/{ids['token']}/aterkalla", data={"confirm": "yes"})
    client.post(f"/anordnare/kollegor/{ids['user_b']}/ta-bort")
    client.post("/rapportering/2026-03", data={f"c-{ids['placement']}-2026-03-10": "4"})
    session.expire_all()
    from app.auth.models import User
    from app.kundval.models import Attendance

    assert session.get(ApiToken, ids["token"]).revoked_at is None
    assert session.get(User, ids["user_b"]).active is True
    assert session.exec(select(Attendance)).first() is None


def test_admin_pages_are_closed_to_providers(client, two_providers):
    assert client.get("/admin/anordnare/").status_code == 403
    assert client.get(f"/admin/anordnare/{two_providers['provider_b']}").status_code == 403
    assert client.get(f"/admin/anordnare/{two_providers['provider_b']}/dokument/"
                      f"{two_providers['doc']}").status_code == 403


def test_upload_of_a_renewed_document(client, session, two_providers):
    response = client.post("/anordnare/dokument", data={
        "kind": "f_skatt", "expires_on": "2027-12-31", "file": (io.BytesIO(PDF), "fskatt.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    doc = session.exec(select(ProviderDocument).where(ProviderDocument.filename == "fskatt.pdf")).one()
    session.commit()
    download = client.get(f"/anordnare/dokument/{doc.id}")
    assert download.status_code == 200 and download.data == PDF
    bad = client.post("/anordnare/dokument", data={
        "kind": "f_skatt", "expires_on": "2027-12-31", "file": (io.BytesIO(b"<html>"), "x.png")},
        content_type="multipart/form-data")
    assert bad.status_code == 400
