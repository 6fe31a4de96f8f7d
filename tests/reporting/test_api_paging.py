"""The API by key and by page: a PUT reads only its placement; GET /placements pages by cursor."""
from __future__ import annotations

from datetime import datetime, timedelta

from stdnum import luhn

from app.exchange.importer import import_document
from app.reporting import grid as grid_service
from tests.providers.factories import ORG_A, portal_document, seed
from tests.reporting.test_api import MONTH, bearer, token_for
from tests.statements import statements


def _personal_id(i: int) -> str:
    birth = f"19{70 + i // 300:02d}{i // 28 % 12 + 1:02d}{i % 28 + 1:02d}"
    serial = f"{i % 300 + 100:03d}"
    digits = birth[2:] + serial
    return f"{birth}-{serial}{luhn.calc_check_digit(digits)}"


def add_placements(session, start: int, count: int) -> None:
    """`count` more placements at P1 (offering O1), refs PLX<start>...; March to December."""
    doc = portal_document()
    numbers = range(start, start + count)
    doc["clients"] = [{"ref": f"CX{i}", "personal_id": _personal_id(i), "name": f"Klient {i:05d}"}
                      for i in numbers]
    doc["referrals"] = [{"ref": f"RX{i}", "client": f"CX{i}", "service_type": "praktik",
                         "decided_on": "2026-02-20", "valid_from": "2026-03-01", "valid_to": "2026-12-31",
                         "max_hours_per_week": None} for i in numbers]
    doc["placements"] = [{"ref": f"PLX{i:05d}", "referral": f"RX{i}", "offering": "O1",
                          "chosen_by": "client", "start_date": "2026-03-02" if i % 2 else "2026-06-01",
                          "ended_on": None, "end_reason": None} for i in numbers]
    import_document(session, doc)
    session.commit()


def walk(client, token: str, query: str = "", on_page=None) -> list[str]:
    refs, url, pages = [], f"/api/v1/placements?{query}", 0
    while url:
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        refs += [p["ref"] for p in body["placements"]]
        pages += 1
        if on_page:
            on_page(pages)
        url = body.get("next_url") if body["next"] else None
        assert pages < 100
    return refs


def test_paged_api_returns_every_placement_once_while_placements_are_added(client, auth, session):
    seed(session)
    add_placements(session, 0, 23)
    token = token_for(session, auth, ORG_A)
    before = walk(client, token)
    assert len(before) == 24 and len(set(before)) == 24
    added = iter(range(100, 200, 3))

    def add_some(_page):
        add_placements(session, next(added), 3)

    during = walk(client, token, "limit=5", on_page=add_some)
    assert len(during) == len(set(during)), "a placement came twice"
    assert set(before) <= set(during), "a placement was missed"
    assert len(during) > len(before)  # those added behind the cursor come at the end


def test_first_page_without_parameters_is_the_old_answer_with_a_next(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    body = client.get("/api/v1/placements", headers=bearer(token)).get_json()
    assert [p["ref"] for p in body["placements"]] == ["PL1"] and body["next"] is None
    add_placements(session, 0, 104)
    body = client.get("/api/v1/placements", headers=bearer(token)).get_json()
    assert len(body["placements"]) == 100 and body["next"]
    assert len(client.get("/api/v1/placements?limit=500", headers=bearer(token))
               .get_json()["placements"]) == 105


def test_active_on_and_updated_since_filter_in_the_database(client, auth, session):
    seed(session)
    add_placements(session, 0, 6)  # odd numbers start 2026-03-02, even 2026-06-01
    token = token_for(session, auth, ORG_A)
    march = walk(client, token, "active_on=2026-03-20")
    assert sorted(march) == ["PL1", "PLX00001", "PLX00003", "PLX00005"]
    assert len(walk(client, token, "active_on=2026-06-15&limit=2")) == 6  # PL1's decision ended in May
    assert walk(client, token, "active_on=2026-02-01") == []
    future = (datetime.utcnow() + timedelta(hours=1)).isoformat()
    assert walk(client, token, f"updated_since={future}") == []
    assert len(walk(client, token, "updated_since=2026-01-01T00:00:00Z")) == 7


def test_bad_paging_values_are_400_naming_the_field(client, auth, session):
    seed(session)
    token = token_for(session, auth, ORG_A)
    for query, name in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
                        ("cursor=nonsense", "cursor"), ("cursor=eyJhZnRlciI6ICJ4In0", "cursor"),
                        ("active_on=2026-13-01", "active_on"), ("active_on=yesterday", "active_on"),
                        ("updated_since=2026-03-01T25:00", "updated_since")):
        response = client.get(f"/api/v1/placements?{query}", headers=bearer(token))
        assert response.status_code == 400, query
        assert response.get_json()["error"]["errors"][0]["field"] == name


def _statements(engine, action) -> list[str]:
    with statements(engine) as seen:
        action()
    return seen


def test_a_put_reads_only_its_placement_whatever_the_provider_size(client, auth, session, monkeypatch):
    seed(session)
    token = token_for(session, auth, ORG_A)
    loaded = []
    real = grid_service.grid_row
    monkeypatch.setattr(grid_service, "grid_row", lambda *row: loaded.append(row[0].ref) or real(*row))
    engine = session.get_bind()

    def put():
        response = client.put("/api/v1/placements/PL1/attendance/2026-03", json=MONTH, headers=bearer(token))
        assert response.status_code == 200, response.get_json()

    put()
    small = _statements(engine, put)  # the same month again: reads, no writes
    add_placements(session, 0, 40)
    loaded.clear()
    large = _statements(engine, put)
    assert set(loaded) == {"PL1"}, "the PUT loaded other placements"
    assert len(large) == len(small)
