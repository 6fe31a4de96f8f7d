"""The grid's "Spara närvaro" is visible and clickable wherever the page is scrolled, desktop and phone."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import login, shot

PERIOD = "2026-11"
ROWS = 30
# The button's centre must be the button itself (or its text), not a sticky column above it.
HIT = """(button) => {
  const r = button.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const inside = x >= 0 && y >= 0 && x <= window.innerWidth && y <= window.innerHeight;
  const hit = inside ? document.elementFromPoint(x, y) : null;
  return {inside, hit: !!hit && (hit === button || button.contains(hit)),
          what: hit ? hit.tagName + '.' + hit.className : null};
}"""


def _personal_id(n: int) -> str:
    born = date(1980, 1, 1) + timedelta(days=97 * n)
    digits = born.strftime("%y%m%d") + f"{200 + n:03d}"
    total = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(digits))
    return f"{born:%Y%m%d}-{digits[6:]}{(10 - total % 10) % 10}"


def _many_placements(live_server) -> None:
    from app.exchange.importer import import_document

    clients = [{"ref": f"C{i}", "personal_id": _personal_id(i), "name": f"Deltagare Nummer{i}"} for i in range(ROWS)]
    doc = {
        "providers": [{"ref": "P1", "org_nr": "556677-8899", "name": "Arbetsvägen AB", "status": "approved"}],
        "offerings": [{"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik i lager",
                       "rate_unit": "hour", "rate": "100.00", "vat_rate": 25, "capacity": 50}],
        "clients": clients,
        "referrals": [{"ref": f"R{i}", "client": f"C{i}", "service_type": "praktik", "decided_on": "2026-10-20",
                       "valid_from": "2026-11-01", "valid_to": "2027-04-30"} for i in range(ROWS)],
        "placements": [{"ref": f"PL{i}", "referral": f"R{i}", "offering": "O1", "chosen_by": "client",
                        "start_date": "2026-11-02"} for i in range(ROWS)],
    }
    with live_server.session() as session:
        import_document(session, doc)


def _check_at_scroll_positions(page, name: str) -> None:
    button = page.get_by_role("button", name="Spara närvaro")
    height = page.evaluate("document.documentElement.scrollHeight - window.innerHeight")
    assert height > 300, "the grid should be taller than the screen"
    problems = []
    for y in (0, height // 4, height // 2, 3 * height // 4, height):
        for x in (0, 400):
            page.evaluate(f"window.scrollTo(0, {y}); document.querySelector('.attendance-wrap').scrollLeft = {x}")
            result = button.evaluate(HIT)
            if not (result["inside"] and result["hit"]):
                problems.append(f"scrollY={y} scrollLeft={x}: {result}")
        if y == height // 2:
            shot(page, f"{name}-middle", full_page=False)
    assert not problems, "\n".join(problems)
    page.evaluate(f"window.scrollTo(0, {height // 2})")
    button.click(trial=True, timeout=2_000)  # Playwright's own check that nothing covers it


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_save_button_is_visible_and_clickable_at_every_scroll_position(viewport, live_server, page, phone_page):
    _many_placements(live_server)
    user = live_server.user("provider", provider_org_nr="556677-8899")
    pg = page if viewport == "desktop" else phone_page
    login(pg, live_server.url, user.email)
    pg.goto(f"{live_server.url}/rapportering/{PERIOD}")
    _check_at_scroll_positions(pg, f"grid-save-{viewport}")
