"""The fair comparison: a provider's results against what its mix of levels and service types
predicts from the whole municipality (indirect standardisation), with the uncertainty."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.kundval import fairness
from app.kundval.fairness import EndedGroup
from app.kundval.models import Outcome
from tests.kundval import factories as f


def _ended(provider, level, service_type, hits, misses):
    return [EndedGroup(provider, level, service_type, hits + misses, hits)]


def test_expected_is_the_sum_of_the_municipalitys_rates_for_the_providers_mix():
    # Municipality: level A praktik 60 % (30 of 50), level C praktik 10 % (5 of 50).
    data = (_ended(1, "A", "praktik", 15, 5) + _ended(1, "C", "praktik", 1, 9)   # provider 1: 20 A, 10 C
            + _ended(2, "A", "praktik", 15, 15) + _ended(2, "C", "praktik", 4, 36))  # provider 2: 30 A, 40 C
    out = fairness.standardise(data, [1, 2], minimum=18)
    assert out[1].expected == pytest.approx(20 * 0.6 + 10 * 0.1)
    assert out[2].expected == pytest.approx(30 * 0.6 + 40 * 0.1)
    assert (out[1].observed, out[2].observed) == (16, 19)


def test_a_provider_with_hard_clients_is_not_unfairly_shown_as_worse():
    # Raw shares: provider 2 has 19 of 70 (27 %), provider 1 16 of 30 (53 %); standardised both are
    # about what their clients predict.
    data = (_ended(1, "A", "praktik", 15, 5) + _ended(1, "C", "praktik", 1, 9)
            + _ended(2, "A", "praktik", 15, 15) + _ended(2, "C", "praktik", 4, 36))
    out = fairness.standardise(data, [1, 2], minimum=18)
    assert out[2].verdict == "as_expected"


def test_clearly_more_or_fewer_than_expected_is_said_so():
    data = (_ended(1, "B", "praktik", 28, 2) + _ended(2, "B", "praktik", 2, 28)
            + _ended(3, "B", "praktik", 15, 15))
    out = fairness.standardise(data, [1, 2, 3], minimum=18)
    assert (out[1].verdict, out[2].verdict, out[3].verdict) == ("more", "fewer", "as_expected")


def test_fewer_than_18_ended_placements_give_no_comparison():
    data = _ended(1, "B", "praktik", 17, 0) + _ended(2, "B", "praktik", 0, 40)
    assert fairness.standardise(data, [1], minimum=18)[1] is None


def test_the_distribution_of_results_is_exact():
    first, probs = fairness.distribution([0.5, 0.5])
    assert first == 0 and probs == pytest.approx([0.25, 0.5, 0.25])
    assert sum(fairness.distribution([0.1] * 50)[1]) == pytest.approx(1.0)


def test_leaving_out_the_unlikely_ends_changes_no_verdict():
    """The verdict builds the distribution without values under 1e-16 at its ends (a large
    provider's would otherwise cost a second a view); the tails it compares are the same."""
    import random

    rnd, shorter = random.Random(17), 0
    for _ in range(60):
        rates = [rnd.choice([0.02, 0.1, 0.35, 0.6, 0.95]) for _ in range(rnd.randint(18, 400))]
        first, trimmed = fairness.distribution(rates, fairness.TRIM)
        full = fairness.distribution(rates)[1]
        shorter += len(trimmed) < len(full)
        assert sum(trimmed) == pytest.approx(1.0, abs=1e-12)
        expected = round(sum(rates))
        for observed in range(max(0, expected - 40), min(len(rates), expected + 40) + 1):
            at_least, at_most = sum(full[observed:]), sum(full[:observed + 1])
            exact = "more" if at_least < 0.025 else "fewer" if at_most < 0.025 else "as_expected"
            assert fairness.verdict(observed, rates) == exact
    assert shorter > 40  # the ends were left out in most of them


def test_ended_placements_are_counted_per_group_in_the_database(app, session):
    today = date(2026, 12, 1)
    prov = f.provider(session, "Steget AB")
    off = f.offering(session, prov)
    ended_on = today - timedelta(days=120)
    c = f.client(session, 0)
    r = f.referral(session, c, decided_on=ended_on - timedelta(days=100))
    r.level = "C"
    hit = f.placement(session, r, off, start=ended_on - timedelta(days=90), ended_on=ended_on,
                      end_reason="result")
    session.add(Outcome(ref="R1", placement_id=hit.id, kind="employment", result_date=ended_on,
                        verified_on=ended_on))
    c2 = f.client(session, 1)
    r2 = f.referral(session, c2, decided_on=ended_on - timedelta(days=100))
    f.placement(session, r2, off, start=ended_on - timedelta(days=90), ended_on=ended_on, end_reason="completed")
    f.placement(session, r2, off, start=today - timedelta(days=30), ended_on=today - timedelta(days=10),
                end_reason="completed")  # ended too recently to count
    late = f.placement(session, r2, off, start=ended_on - timedelta(days=200), ended_on=ended_on - timedelta(days=100),
                       end_reason="completed")  # its result came 91 days after it ended: no hit
    session.add(Outcome(ref="R2", placement_id=late.id, kind="employment", result_date=ended_on - timedelta(days=9),
                        verified_on=ended_on))
    edge = f.placement(session, r, off, start=ended_on - timedelta(days=200), ended_on=ended_on - timedelta(days=100),
                       end_reason="completed")  # its result came 90 days after it ended: a hit
    session.add(Outcome(ref="R3", placement_id=edge.id, kind="employment", result_date=ended_on - timedelta(days=10),
                        verified_on=ended_on))
    session.flush()
    assert sorted(fairness.ended_groups(session, today), key=lambda g: g.level) == [
        EndedGroup(prov.id, "", "praktik", 2, 0), EndedGroup(prov.id, "C", "praktik", 2, 2)]


def arrange_history(session, today: date):
    """Two providers of praktik with 20 ended placements each: "Steget AB" got 18 results,
    "Nya Vägar" 4; and a client with a decision who compares them. Returns (client, referral, offerings)."""
    ended_on = today - timedelta(days=120)
    offerings = []
    clients = [f.client(session, i) for i in range(1, 5)]
    referrals = []
    for c in clients:
        r = f.referral(session, c, decided_on=ended_on - timedelta(days=200))
        r.level = "B"
        referrals.append(r)
    for n, (name, org_nr, hits) in enumerate((("Steget AB", "556036-0793", 18),
                                              ("Nya Vägar ekonomisk förening", "556016-0680", 4))):
        prov = f.provider(session, name, org_nr=org_nr)
        off = f.offering(session, prov, title=f"Praktik hos {name}")
        offerings.append(off)
        for i in range(20):
            pl = f.placement(session, referrals[i % 4], off, start=ended_on - timedelta(days=60 + i),
                             ended_on=ended_on, end_reason="result" if i < hits else "completed")
            if i < hits:
                session.add(Outcome(ref=f"R{n}-{i}", placement_id=pl.id, kind="employment",
                                    result_date=ended_on, verified_on=ended_on))
    me = f.client(session, 0, name="Amina Ali")
    mine = f.referral(session, me, decided_on=today)
    session.flush()
    return me, mine, offerings


def test_the_client_sees_more_and_fewer_than_expected_on_the_comparison_page(app, client, auth, session):
    from app.kundval import service
    me, mine, offerings = arrange_history(session, date.today())
    user = service.client_user(session, me)
    session.commit()
    auth.login_user(user)
    page = client.get(f"/deltagare/beslut/{mine.id}/jamfor?o={offerings[0].id}&o={offerings[1].id}").text
    assert "Fler än väntat" in page and "Färre än väntat" in page
    assert "18 av 20 fick jobb eller började studera inom 90 dagar" in page
    assert "väntade vi oss omkring 11" in page
    assert "Så räknar vi:" in page
    assert page.index(offerings[0].title) < page.index(offerings[1].title)  # the order asked for stays


def kept_rows(session) -> list[tuple]:
    from sqlalchemy import select

    from app.kundval.models import KeptEndedGroup

    return sorted(session.execute(select(KeptEndedGroup.as_of, KeptEndedGroup.provider_id, KeptEndedGroup.level,
                                         KeptEndedGroup.ended, KeptEndedGroup.results)).all())


def test_the_groups_are_kept_as_of_the_day_and_forgotten_by_a_change_they_count(app, session):
    """The compare page reads the kept groups of the day; the first page of a day counts them
    anew, and a result, an ended placement or a level change forgets them (the next page counts)."""
    from tests.statements import statements

    today = date(2026, 12, 1)
    _me, mine, (steget, nya) = arrange_history(session, today)
    session.commit()
    counted = fairness.ended_groups(session, today)
    assert fairness.kept_ended_groups(session, today) == counted
    session.commit()
    assert [row[0] for row in kept_rows(session)] == [today, today]
    with statements(session) as sent:
        assert fairness.kept_ended_groups(session, today) == counted
    assert not [s for s in sent if "FROM placement" in s]  # read from the kept rows
    # A result verified for an ended placement of Nya Vägar: forgotten at the commit, then counted.
    placement = f.placement(session, mine, nya, start=today - timedelta(days=300), ended_on=today - timedelta(days=100),
                            end_reason="result")
    session.add(Outcome(ref="NEW", placement_id=placement.id, kind="studies", result_date=today - timedelta(days=95),
                        verified_on=today - timedelta(days=90)))
    session.commit()
    assert kept_rows(session) == []
    now = fairness.kept_ended_groups(session, today)
    assert now == fairness.ended_groups(session, today) != counted
    assert sum(g.results for g in now if g.provider_id == nya.provider_id) == 5
    session.commit()
    # A decision's level changed: its ended placements move group, so the groups are forgotten.
    mine.level = "A"
    session.commit()
    assert kept_rows(session) == []
    assert fairness.kept_ended_groups(session, today) == fairness.ended_groups(session, today)
    session.commit()
    # A placement that has not ended changes nothing they count: they stay.
    f.placement(session, mine, steget, start=today, ended_on=None)
    session.commit()
    assert len(kept_rows(session)) == 3
    # The next day they are counted anew (a placement ended 90 days before it now counts).
    assert fairness.kept_ended_groups(session, today + timedelta(days=1)) == \
        fairness.ended_groups(session, today + timedelta(days=1))
    session.commit()
    assert {row[0] for row in kept_rows(session)} == {today + timedelta(days=1)}
