"""No query inside a loop over rows: the compare page and the no-choice job read in bulk.

Each test runs the same work on a few rows and on more, counting the statements sent to the
database (SQLAlchemy's before_cursor_execute), and checks the count does not grow with the rows.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.kundval import service
from app.kundval.default_job import place_overdue, set_default
from app.kundval.models import Placement
from tests.kundval import factories as f
from tests.statements import statements

TODAY = f.TODAY


def test_the_compare_page_reads_the_compared_offerings_together(client, auth, session):
    offerings = [f.offering(session, f.provider(session, name=f"Anordnare {i}"), title=f"Praktik {i}")
                 for i in range(3)]
    me = f.client(session, 0)
    mine = f.referral(session, me)
    user = service.client_user(session, me)
    session.commit()
    auth.login_user(user)

    def compare(count: int) -> list[str]:
        query = "&".join(f"o={o.id}" for o in offerings[:count])
        with statements(session) as seen:
            page = client.get(f"/deltagare/beslut/{mine.id}/jamfor?{query}")
        assert page.status_code == 200
        assert all(o.title in page.text for o in offerings[:count])
        return seen

    compare(1)  # the first request also reads what every later one has cached
    assert len(compare(3)) == len(compare(1))


def test_the_compare_page_still_refuses_an_offering_the_client_may_not_choose(client, auth, session):
    prov = f.provider(session)
    mine_offering = f.offering(session, prov)
    other_type = f.offering(session, prov, service_type="utredning", title="Utredning")
    me = f.client(session, 0)
    mine = f.referral(session, me)
    user = service.client_user(session, me)
    session.commit()
    auth.login_user(user)
    assert client.get(f"/deltagare/beslut/{mine.id}/jamfor?o={mine_offering.id}").status_code == 200
    page = client.get(f"/deltagare/beslut/{mine.id}/jamfor?o={mine_offering.id}&o={other_type.id}")
    assert page.status_code == 404


def _overdue(session, first: int, count: int, *, area: str = "Centrum") -> None:
    for i in range(first, first + count):
        c = f.client(session, i)
        c.area = area
        service.client_user(session, c)  # the client is told too: a message per placement
        f.referral(session, c, decided_on=TODAY - timedelta(days=20), deadline=TODAY - timedelta(days=1))


def _job_statements(session, mode: str, *, area: str = "Centrum") -> tuple[list[str], list[str]]:
    """Statements of the job placing 2 referrals, then of the job placing 6 more."""
    prov = f.provider(session)
    offerings = [f.offering(session, prov, capacity=20, area=area_name, title=f"Praktik {area_name}")
                 for area_name in ("Centrum", "Norr")]
    set_default(session, "praktik", mode, offerings[0].id if mode == "offering" else None, None)
    _overdue(session, 0, 2, area=area)
    session.flush()
    with statements(session) as few:
        assert place_overdue(session, TODAY, "s").startswith("2 placerade")
    _overdue(session, 2, 6, area=area)
    session.flush()
    with statements(session) as many:
        assert place_overdue(session, TODAY, "s").startswith("6 placerade")
    return few, many


def _reads(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def _grows(session, few: list[str], many: list[str]) -> str:
    """What grew with the rows, or "": reads on both databases; on PostgreSQL every statement,
    since the ORM writes new rows in one INSERT there (SQLite's ROWIDs cannot be matched to
    parameter sets, so SQLAlchemy sends an INSERT per new row on SQLite, in process)."""
    if len(_reads(many)) != len(_reads(few)):
        return "reads:\n" + "\n".join(_reads(many))
    if session.get_bind().dialect.name == "postgresql" and len(many) != len(few):
        return "statements:\n" + "\n".join(many)
    return ""


@pytest.mark.parametrize("mode", ["offering", "random", "nearest"])
def test_the_no_choice_job_costs_the_same_statements_for_2_or_6_referrals(session, mode):
    few, many = _job_statements(session, mode)
    assert not _grows(session, few, many)
    assert session.exec(select(func.count()).select_from(Placement)).one() == 8


def test_nearest_without_a_home_area_reads_earlier_areas_in_bulk(session):
    few, many = _job_statements(session, "nearest", area="")
    assert not _grows(session, few, many)
