"""notify() is the one way a message enters the outbox, and a key keeps a message from repeating."""
from __future__ import annotations

import ast
from pathlib import Path

from sqlmodel import select

from app.notifications.models import Notification
from app.notifications.service import notify
from app.providers.models import Provider
from tests.providers.factories import seed

APP = Path(__file__).resolve().parents[2] / "app"


def test_a_message_with_a_key_already_queued_is_not_queued_again(session):
    first = notify(session, role="finance", key="month-report:2026-03:7", subject="Saknas", body="a")
    session.commit()
    again = notify(session, role="finance", key="month-report:2026-03:7", subject="Saknas", body="b")
    session.commit()
    assert first is not None and again is None
    assert [n.body for n in session.exec(select(Notification)).all()] == ["a"]


def test_the_key_is_checked_across_transactions_and_after_the_message_is_sent(session):
    note = notify(session, user_id=None, email="a@example.org", key="invite:1", subject="Hej", body="x")
    session.commit()
    note.sent_at = note.created_at
    session.commit()
    assert notify(session, email="a@example.org", key="invite:1", subject="Hej", body="x") is None


def test_messages_without_a_key_or_with_other_keys_are_all_queued(session):
    notify(session, role="admin", subject="Ett", body="1")
    notify(session, role="admin", subject="Ett", body="1")
    notify(session, role="admin", key="k:1", subject="Två", body="2")
    notify(session, role="admin", key="k:2", subject="Två", body="2")
    session.commit()
    assert len(session.exec(select(Notification)).all()) == 4


def test_a_message_to_a_provider_is_for_the_provider_role_and_its_subject_fits_the_column(session):
    seed(session)
    pid = session.exec(select(Provider.id)).first()
    note = notify(session, provider_id=pid, subject="x" * 300, body="b", key="y" * 200)
    session.commit()
    assert (note.role, len(note.subject), len(note.key)) == ("provider", 200, 120)


def constructions_outside_notifications(root: Path = APP) -> list[str]:
    """Where code in app/ builds a Notification itself instead of calling notify()."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if (root / "notifications") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name == "Notification":
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_message_goes_through_notify():
    assert constructions_outside_notifications() == []


def test_the_scan_finds_a_notification_built_directly(tmp_path):
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "jobs.py").write_text(
        "from app.notifications import models\n"
        "def job(s):\n    s.add(models.Notification(role='admin', subject='x'))\n")
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "service.py").write_text("n = Notification(subject='ok')\n")
    assert constructions_outside_notifications(tmp_path) == [f"{tmp_path.name}/area/jobs.py:3"]
