"""Kept placement windows: the provider's lists read rows that equal working them out anew."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from app.exchange.importer import import_document
from app.kundval import placement_windows
from app.kundval.models import Client, Placement, PlacementWindow
from app.reporting import grid
from tests.kundval import factories as f

TODAY = date(2026, 6, 15)


def kept(session) -> list[tuple]:
    return sorted(tuple(row) for row in session.execute(select(
        PlacementWindow.placement_id, PlacementWindow.provider_id, PlacementWindow.client_name,
        PlacementWindow.ref, PlacementWindow.window_from, PlacementWindow.window_to)))


def fresh(session) -> list[tuple]:
    return sorted(tuple(row) for row in session.execute(placement_windows.worked_out()))


def test_the_kept_windows_follow_every_change_the_lists_depend_on(session):
    one = f.provider(session, "Ett AB", org_nr="556677-8899")
    two = f.provider(session, "Två AB", org_nr="556036-0793")
    first, second = f.offering(session, one), f.offering(session, two, title="Praktik två")
    c = f.client(session, 0, name="Amina Ali")
    r = f.referral(session, c, decided_on=TODAY - timedelta(days=30))
    p = f.placement(session, r, first, start=TODAY - timedelta(days=40))  # starts before its decision
    session.commit()
    assert kept(session) == fresh(session) == [
        (p.id, one.id, "Amina Ali", p.ref, TODAY - timedelta(days=30), TODAY + timedelta(days=150))]
    p.ended_on = TODAY  # ended
    session.commit()
    assert kept(session)[0][5] == TODAY
    r.valid_to = TODAY - timedelta(days=1)  # the decision cut short
    session.commit()
    assert kept(session) == fresh(session) and kept(session)[0][5] == TODAY - timedelta(days=1)
    c.name = "Amina Hassan"  # a client renamed: the grid's name and search follow
    session.commit()
    assert kept(session) == fresh(session) and kept(session)[0][2] == "Amina Hassan"
    first.provider_id = two.id  # an offering moved to another provider (an import correcting it)
    session.commit()
    assert kept(session) == fresh(session) and kept(session)[0][1] == two.id
    other = f.placement(session, r, second, start=TODAY - timedelta(days=5))
    session.commit()
    assert len(kept(session)) == 2 and kept(session) == fresh(session)
    session.delete(other)  # gone with its placement
    session.commit()
    assert [row[0] for row in kept(session)] == [p.id]


def test_more_changes_than_a_page_rewrite_every_row_and_a_rollback_leaves_them(session):
    prov = f.provider(session)
    off = f.offering(session, prov, capacity=100)
    clients = [f.client(session, i) for i in range(6)]
    for c in clients:
        r = f.referral(session, c, decided_on=TODAY)
        for n in range(10):
            f.placement(session, r, off, start=TODAY + timedelta(days=n))
    session.commit()
    assert len(kept(session)) == 60 and kept(session) == fresh(session)
    for c in clients:  # 60 placements' names at once
        c.name = c.name + " Ny"
    session.commit()
    assert kept(session) == fresh(session) and all(row[2].endswith(" Ny") for row in kept(session))
    clients[0].name = "Rullad tillbaka"
    session.flush()
    session.rollback()
    assert kept(session) == fresh(session) and "Rullad tillbaka" not in {row[2] for row in kept(session)}


def test_writes_round_the_orm_are_followed_by_a_rewrite(session):
    """The import writes its rows in bulk; retention renames clients with an UPDATE."""
    doc = {"providers": [{"ref": "P1", "org_nr": "556677-8899", "name": "Ett AB", "status": "approved"}],
           "offerings": [{"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik",
                          "rate_unit": "hour", "rate": "90.00", "vat_rate": 0, "capacity": 10}],
           "clients": [{"ref": "C1", "personal_id": "19900101-0017", "name": "Importerad Person"}],
           "referrals": [{"ref": "R1", "client": "C1", "service_type": "praktik", "decided_on": "2026-05-01",
                          "valid_from": "2026-05-01", "valid_to": "2026-10-31"}],
           "placements": [{"ref": "PL1", "referral": "R1", "offering": "O1", "chosen_by": "client",
                           "start_date": "2026-05-04"}]}
    import_document(session, doc)
    session.commit()
    assert kept(session) == fresh(session) and [row[3] for row in kept(session)] == ["PL1"]
    session.execute(update(Client).values(name="Borttagen"))
    placement_windows.rewrite(session)
    session.commit()
    assert kept(session) == fresh(session) and kept(session)[0][2] == "Borttagen"


def test_the_grid_pages_and_searches_the_kept_rows(session):
    prov = f.provider(session)
    off = f.offering(session, prov, capacity=100)
    for i, name in enumerate(("Örjan Ek", "Amina Ali", "Bo Berg")):
        r = f.referral(session, f.client(session, i, name=name), decided_on=date(2026, 5, 1))
        f.placement(session, r, off, start=date(2026, 5, 4))
    session.commit()
    month = grid.month_grid(session, prov.id, "2026-06", page_size=2)
    assert [row.client_name for row in month.rows] == ["Amina Ali", "Bo Berg"] and month.total == 3
    assert month.pages == 2
    # Renamed: the list sorts and finds the client by the new name in the same transaction's commit.
    client = session.execute(select(Client).where(Client.name == "Örjan Ek")).scalar_one()
    client.name = "Anna Ek"
    session.commit()
    assert [row.client_name for row in grid.month_grid(session, prov.id, "2026-06", page_size=2).rows] == \
        ["Amina Ali", "Anna Ek"]
    assert [row.client_name for row in grid.month_grid(session, prov.id, "2026-06", search="ek").rows] == ["Anna Ek"]
    placement = session.execute(select(Placement).order_by(Placement.id)).scalars().first()
    placement.ended_on = date(2026, 5, 29)  # ended before June: not in June's grid
    session.commit()
    assert grid.month_grid(session, prov.id, "2026-06").total == 2
