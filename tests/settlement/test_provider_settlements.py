"""The provider's settlements in the portal, the message on approval, and where the export writes."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass

import pytest
from sqlmodel import select

from app.exchange.importer import import_document
from app.notifications.models import Notification
from app.providers.models import Provider
from app.settlement import service
from app.settlement.models import Settlement
from tests.settlement.helpers import ORG_A, ORG_B, attendance, base_document


def load(session, doc: dict) -> None:
    import_document(session, doc)
    session.commit()


@pytest.fixture
def march_approved_april_draft(session):
    """March approved for both providers; late March hours make April's draft an adjustment."""
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 5) + attendance("PL2", "2026-03-02", 5)
    load(session, doc)
    service.run_period(session, "2026-03")
    service.approve_period(session, "2026-03")
    session.commit()
    load(session, {"attendance": attendance("PL1", "2026-03-09", 1) + attendance("PL1", "2026-04-01", 2)})
    service.run_period(session, "2026-04")
    session.commit()


@dataclass
class Found:
    id: int
    number: str | None


def settlement_of(session, org_nr: str, period: str) -> Found:
    """The settlement's id and number; the read transaction ends (SQLite would lock the app out)."""
    s = session.exec(select(Settlement).join(Provider, Provider.id == Settlement.provider_id)
                     .where(Provider.org_nr == org_nr, Settlement.period == period)).one()
    found = Found(s.id, s.number)
    session.rollback()
    return found


def test_provider_lists_its_approved_settlements_and_drafts_marked_preliminary(client, auth, session,
                                                                               march_approved_april_draft):
    march = settlement_of(session, ORG_A, "2026-03")
    auth.login("provider", provider_org_nr=ORG_A)

    page = client.get("/anordnare/avrakningar/").text

    assert "2026-03" in page and march.number in page and "2026-04" in page
    assert "Preliminär" in page
    assert "1 rad rättar tidigare månader" in page
    assert settlement_of(session, ORG_B, "2026-03").number not in page


def test_provider_reads_lines_with_their_computation_and_the_month_an_adjustment_corrects(
        client, auth, session, march_approved_april_draft):
    april = settlement_of(session, ORG_A, "2026-04")
    march = settlement_of(session, ORG_A, "2026-03")
    auth.login("provider", provider_org_nr=ORG_A)

    draft = client.get(f"/anordnare/avrakningar/{april.id}").text
    approved = client.get(f"/anordnare/avrakningar/{march.id}").text

    assert "Preliminär" in draft and "avrakning.pdf" not in draft
    assert "rättar 2026-03, Timmar" in draft
    assert "×" in draft  # the computation text of each line (quantity × price)
    assert "Godkänd" in approved and march.number in approved
    assert f"/anordnare/avrakningar/{march.id}/avrakning.pdf" in approved
    assert f"/anordnare/avrakningar/{march.id}/peppol.xml" in approved


def test_provider_downloads_pdf_and_peppol_of_an_approved_settlement_but_none_of_a_draft(
        client, auth, session, march_approved_april_draft):
    march = settlement_of(session, ORG_A, "2026-03")
    april = settlement_of(session, ORG_A, "2026-04")
    auth.login("provider", provider_org_nr=ORG_A)

    pdf = client.get(f"/anordnare/avrakningar/{march.id}/avrakning.pdf")
    xml = client.get(f"/anordnare/avrakningar/{march.id}/peppol.xml")

    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert xml.status_code == 200 and march.number.encode() in xml.data
    assert client.get(f"/anordnare/avrakningar/{april.id}/avrakning.pdf").status_code == 409
    assert client.get(f"/anordnare/avrakningar/{april.id}/peppol.xml").status_code == 409


def test_provider_never_sees_another_providers_settlement(client, auth, session, march_approved_april_draft):
    other = settlement_of(session, ORG_B, "2026-03")
    auth.login("provider", provider_org_nr=ORG_A)

    for path in (f"/anordnare/avrakningar/{other.id}", f"/anordnare/avrakningar/{other.id}/avrakning.pdf",
                 f"/anordnare/avrakningar/{other.id}/peppol.xml", "/anordnare/avrakningar/999999"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("role", ["finance", "admin", "case_worker", "management"])
def test_only_provider_users_reach_the_provider_settlement_pages(role, client, auth):
    auth.login(role)
    assert client.get("/anordnare/avrakningar/").status_code == 403


# --- The message on approval ---------------------------------------------------------------------


def provider_messages(session, org_nr: str) -> list[Notification]:
    provider = session.exec(select(Provider).where(Provider.org_nr == org_nr)).one()
    found = list(session.exec(select(Notification).where(Notification.provider_id == provider.id)
                              .order_by(Notification.id)).all())
    session.rollback()
    return found


@pytest.fixture
def march_drafts(session):
    doc = base_document()
    doc["attendance"] = attendance("PL1", "2026-03-02", 5) + attendance("PL2", "2026-03-02", 5)
    load(session, doc)
    service.run_period(session, "2026-03")
    session.commit()


def assert_told(session, org_nr: str) -> None:
    settlement = settlement_of(session, org_nr, "2026-03")
    messages = [n for n in provider_messages(session, org_nr) if n.key.startswith("settlement-approved")]
    assert len(messages) == 1
    assert settlement.number in messages[0].subject and "2026-03" in messages[0].subject
    assert f"/anordnare/avrakningar/{settlement.id}" in messages[0].body
    assert "3 750,00" in messages[0].body.replace("\u00a0", " ")


def test_cli_approve_tells_each_provider(runner, session, march_drafts):
    assert runner.invoke(args=["settlement", "approve", "--period", "2026-03"]).exit_code == 0
    assert_told(session, ORG_A)
    assert len([n for n in provider_messages(session, ORG_B) if n.key.startswith("settlement-approved")]) == 1


def test_cli_close_tells_each_provider(runner, session, march_drafts):
    assert runner.invoke(args=["period", "close", "2026-03"]).exit_code == 0
    assert_told(session, ORG_A)


def test_approving_on_screen_tells_the_provider_once(client, auth, session, march_drafts):
    draft = settlement_of(session, ORG_A, "2026-03")
    auth.login("finance")
    client.post("/avrakning/2026-03/godkann", data={"settlement_id": str(draft.id), "confirm": "yes"})
    client.post("/avrakning/2026-03/godkann", data={"settlement_id": str(draft.id), "confirm": "yes"})
    session.expire_all()
    assert_told(session, ORG_A)
    assert [n for n in provider_messages(session, ORG_B) if n.key.startswith("settlement-approved")] == []


def test_closing_on_screen_tells_the_provider(client, auth, session, march_drafts):
    auth.login("finance")
    client.post("/avrakning/2026-03/stang", data={"confirm": "yes"})
    session.expire_all()
    assert_told(session, ORG_A)


def test_provider_reads_the_approval_message_in_its_outbox(client, auth, session, march_drafts):
    service.approve_period(session, "2026-03")
    session.commit()
    auth.login("provider", provider_org_nr=ORG_A)
    assert "Avräkningen för 2026-03 är godkänd" in client.get("/meddelanden/").text


# --- flask settlement export --out ---------------------------------------------------------------


@pytest.fixture
def march_two_approved(session, march_drafts):
    service.approve_period(session, "2026-03")
    session.commit()


def export(runner, *args):
    return runner.invoke(args=["settlement", "export", "--period", "2026-03", *args])


@pytest.mark.parametrize("name", ["avrakning.pdf", "avrakningar", "avrakning.xml"])
def test_export_never_makes_a_folder_named_like_a_file(name, runner, tmp_path, march_two_approved):
    result = export(runner, "--format", "pdf", "--out", str(tmp_path / name))

    assert result.exit_code == 1 and result.stderr.startswith("out: ")
    # Only the job queue's file (the approval queued the kept facts; conftest keeps it here).
    assert [p for p in tmp_path.iterdir() if not p.name.startswith("tasks.db")] == []


def test_export_of_several_documents_goes_into_a_zip(runner, tmp_path, march_two_approved):
    result = export(runner, "--format", "pdf", "--out", str(tmp_path / "mars.zip"))

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "mars.zip") as archive:
        assert len(archive.namelist()) == 2


def test_export_into_a_folder_only_when_asked(runner, tmp_path, march_two_approved):
    result = export(runner, "--format", "peppol", "--out", str(tmp_path / "mars"), "--folder")

    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "mars").iterdir())) == 2
    refused = export(runner, "--format", "peppol", "--out", str(tmp_path / "mars.xml"), "--folder")
    assert refused.exit_code == 1 and not (tmp_path / "mars.xml").exists()


def test_export_of_one_document_writes_that_file(runner, tmp_path, session, march_drafts):
    service.approve_period(session, "2026-03", ORG_A)
    session.commit()

    result = export(runner, "--format", "pdf", "--out", str(tmp_path / "avrakning.pdf"))

    assert result.exit_code == 0, result.output
    assert (tmp_path / "avrakning.pdf").is_file()
    assert (tmp_path / "avrakning.pdf").read_bytes().startswith(b"%PDF")
