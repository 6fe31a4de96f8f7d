"""The audit log and the decision history read as Swedish, and only allowed decisions are offered."""
from __future__ import annotations

import pytest
from sqlmodel import select

from app.common.audit import record_change
from app.common.history import readable
from app.common.labels import LABELS
from app.common.models import AuditLog
from app.providers.models import Provider
from tests.providers.factories import ORG_A, seed

# Every action and entity the code writes to the audit log (grep record_change).
ACTIONS = ("apply", "approve", "reject", "suspend", "reinstate", "terminate", "create", "update", "remove",
           "revoke", "upload", "correct", "publish", "withdraw", "import", "invite", "issue_code", "report",
           "verify", "verify_sustained", "close", "submit", "late_change", "accept", "decline", "offer",
           "send", "lapse", "end", "retire", "resolve", "register_extract", "enrol_second_factor",
           "reset_second_factor", "use_recovery_code", "add_security_key", "remove_security_key", "book_first_meeting", "follow_up")
ENTITIES = ("provider", "user", "api_token", "provider_document", "attendance", "offering", "placement",
            "exchange", "provider_invitation", "client", "outcome", "month_report", "default_choice",
            "referral", "settlement", "period", "attendance_dispute", "bonus_rule", "conditions", "contract",
            "contract_change", "level_assessment", "payroll")


def test_every_audited_action_and_entity_has_a_label():
    assert set(ACTIONS) <= set(LABELS["audit_action"])
    assert set(ENTITIES) <= set(LABELS["audit_entity"])


def test_every_action_written_in_the_code_is_in_the_list():
    import re
    from pathlib import Path

    written = set()
    for path in Path("app").rglob("*.py"):
        written |= set(re.findall(r'record_change\(\s*session,\s*[\w.]+,\s*"(\w+)",\s*"(\w+)"', path.read_text()))
    assert {a for a, _e in written} <= set(ACTIONS) and {e for _a, e in written} <= set(ENTITIES)


def test_an_entry_reads_as_fields_with_before_and_after_in_words():
    entry = AuditLog(action="approve", entity="provider", entity_id=7, before={"status": "applied"},
                     after={"status": "approved"})
    r = readable(entry)
    assert r.action == "Godkänd" and r.record == "Anordnare 7"
    assert [(c.field, c.before, c.after) for c in r.changes] == [("Status", "Ansökt", "Godkänd")]


def test_a_settlement_is_named_by_its_number_and_sustained_verification_is_worded():
    settlement = readable(AuditLog(action="approve", entity="settlement", entity_id=90,
                                   after={"number": "AV-2026-00001", "period": "2026-03"}))
    assert settlement.record == "Avräkning AV-2026-00001"
    sustained = readable(AuditLog(action="verify_sustained", entity="outcome", entity_id=3,
                                  after={"sustained_verified_on": "2026-07-01"}))
    assert sustained.action == "Varaktigt resultat verifierat"
    assert sustained.changes[0].field == "Varaktigt verifierat"


def test_booleans_lists_and_codes_become_words():
    r = readable(AuditLog(action="update", entity="user", entity_id=1, before={"active": True},
                          after={"active": False}))
    assert (r.changes[0].before, r.changes[0].after) == ("Ja", "Nej")
    applied = readable(AuditLog(action="apply", entity="provider", entity_id=1,
                                after={"service_types": ["praktik", "arbetstraning"]}))
    assert applied.changes[0].after == "Praktik, Arbetsträning"


def test_audit_log_page_shows_no_raw_codes_or_json(client, auth, session):
    seed(session)
    record_change(session, None, "approve", "settlement", 90, after={"number": "AV-2026-00001", "period": "2026-03",
                                                                     "provider": ORG_A, "total_incl_vat": "3750.00"})
    record_change(session, None, "verify_sustained", "outcome", 4, after={"sustained_verified_on": "2026-07-01"})
    record_change(session, None, "suspend", "provider", 1, before={"status": "approved"},
                  after={"status": "suspended"}, reason="Saknar försäkring")
    session.commit()
    auth.login("admin")

    page = client.get("/admin/granskningslogg").text
    table = page.split("<tbody>")[1]
    for raw in ("verify_sustained", "settlement 90", "{&#34;", '{"', "suspended", ">approve<"):
        assert raw not in table, raw
    for words in ("Avräkning AV-2026-00001", "Varaktigt resultat verifierat", "Status:", "Godkänd → Avstängd",
                  "Tillfälligt avstängd"):
        assert words in table, words


@pytest.mark.parametrize(("status", "offered", "not_offered"), [
    ("applied", ["approve", "reject"], ["reinstate", "suspend", "terminate"]),
    ("approved", ["suspend", "terminate"], ["approve", "reinstate", "reject"]),
    ("suspended", ["reinstate", "terminate"], ["approve", "suspend", "reject"]),
])
def test_only_decisions_the_status_allows_are_offered(status, offered, not_offered, client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    provider.status = status
    session.commit()
    auth.login("admin")

    page = client.get(f"/admin/anordnare/{provider.id}").text

    for action in offered:
        assert f'value="{action}"' in page, action
    for action in not_offered:
        assert f'value="{action}"' not in page, action
    if status == "applied":
        assert "Häv avstängning" not in page


def test_a_decision_the_status_does_not_allow_is_refused(client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    provider.status = "applied"
    session.commit()
    auth.login("admin")
    response = client.post(f"/admin/anordnare/{provider.id}", data={"action": "reinstate", "reason": "x"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Provider, provider.id).status == "applied"


def test_the_decision_history_reads_in_words(client, auth, session):
    seed(session)
    provider = session.exec(select(Provider).where(Provider.org_nr == ORG_A)).one()
    record_change(session, None, "suspend", "provider", provider.id, before={"status": "approved"},
                  after={"status": "suspended"}, reason="Saknar försäkring")
    session.commit()
    auth.login("admin")
    history = client.get(f"/admin/anordnare/{provider.id}").text.split('class="plain decision-history"')[1]
    history = history.split("</ul>")[0]
    assert "Tillfälligt avstängd" in history and "Godkänd → Avstängd" in history
    assert "Skäl: Saknar försäkring" in history and "suspend" not in history


def test_an_import_summary_names_its_sections_in_swedish():
    r = readable(AuditLog(action="import", entity="exchange", after={
        "created": {"providers": 1, "bonus_rules": 0}, "updated": {"placements": 2}}))
    assert r.action == "Importerad" and r.record == "Importfil"
    assert [(c.field, c.after) for c in r.changes] == [("Nya", "Anordnare: 1; Bonusregler: 0"),
                                                       ("Ändrade", "Placeringar: 2")]
