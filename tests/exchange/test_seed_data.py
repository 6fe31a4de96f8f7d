"""The demo import file (providers_seed/demo.json) is valid and consistent, without the app."""
import importlib.util
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[2] / "providers_seed"
SECTIONS = ("providers", "offerings", "bonus_rules", "clients", "referrals", "placements",
            "outcomes")
SERVICE_TYPES = {"arbetsprovning", "arbetstraning", "praktik", "utredning"}
RATE_UNITS = {"hour", "day", "week", "package"}


@pytest.fixture(scope="module")
def data():
    return json.loads((SEED_DIR / "demo.json").read_text(encoding="utf-8"))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 1 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def day(text):
    return date.fromisoformat(text) if text else None


def by_ref(data, section):
    return {record["ref"]: record for record in data[section]}


def window(placement, referral):
    """The placement window of settlement.md: attendance counts only inside it."""
    first = max(day(placement["start_date"]), day(referral["valid_from"]))
    last = min(day(placement["ended_on"]) or date.max, day(referral["valid_to"]))
    return first, last


def test_luhn_helper_agrees_with_known_numbers():
    assert luhn_ok("5566778899") and luhn_ok("2120000142") and luhn_ok("0202020202")
    assert not luhn_ok("5566778898")


def test_org_numbers_are_valid_organisationsnummer(data):
    for provider in data["providers"]:
        org_nr = provider["org_nr"]
        assert re.fullmatch(r"\d{6}-\d{4}", org_nr), org_nr
        digits = org_nr.replace("-", "")
        assert luhn_ok(digits), org_nr
        assert int(digits[2:4]) >= 20, org_nr  # third digit >= 2: never a personnummer


def test_personal_ids_are_valid_personnummer_or_samordningsnummer(data):
    for client in data["clients"]:
        pid = client["personal_id"]
        assert re.fullmatch(r"\d{8}-\d{4}", pid), pid
        year, month, dd = int(pid[:4]), int(pid[4:6]), int(pid[6:8])
        birth = date(year, month, dd - 60 if dd > 60 else dd)  # raises if no such date
        assert 1960 <= birth.year <= 2007, pid
        assert luhn_ok(pid[2:8] + pid[9:]), pid
    assert any(int(c["personal_id"][6:8]) > 60 for c in data["clients"])


def test_bankgiro_numbers_are_valid(data):
    for provider in data["providers"]:
        bankgiro = provider["bankgiro"]
        assert re.fullmatch(r"\d{3,4}-\d{4}", bankgiro), bankgiro
        assert luhn_ok(bankgiro.replace("-", "")), bankgiro


def test_refs_are_unique_per_section(data):
    for section in SECTIONS:
        refs = Counter(record["ref"] for record in data[section])
        assert not [ref for ref, n in refs.items() if n > 1], section
    assert len({c["personal_id"] for c in data["clients"]}) == len(data["clients"])
    assert len({p["org_nr"] for p in data["providers"]}) == len(data["providers"])


def test_every_reference_resolves(data):
    refs = {section: by_ref(data, section) for section in SECTIONS}
    for offering in data["offerings"]:
        assert offering["provider"] in refs["providers"], offering["ref"]
    for referral in data["referrals"]:
        assert referral["client"] in refs["clients"], referral["ref"]
    for placement in data["placements"]:
        assert placement["referral"] in refs["referrals"], placement["ref"]
        assert placement["offering"] in refs["offerings"], placement["ref"]
    for row in data["attendance"]:
        assert row["placement"] in refs["placements"], row
    for outcome in data["outcomes"]:
        assert outcome["placement"] in refs["placements"], outcome["ref"]


def test_placement_offering_has_the_referrals_service_type(data):
    offerings, referrals = by_ref(data, "offerings"), by_ref(data, "referrals")
    for placement in data["placements"]:
        offering = offerings[placement["offering"]]
        assert offering["service_type"] == referrals[placement["referral"]]["service_type"], \
            placement["ref"]


def test_referrals_are_decided_before_they_apply_and_placements_start_inside(data):
    referrals = by_ref(data, "referrals")
    for referral in data["referrals"]:
        assert day(referral["decided_on"]) < day(referral["valid_from"]) < day(referral["valid_to"])
        assert referral["max_hours_per_week"] in (None, "20", "30", "40")
    for placement in data["placements"]:
        referral = referrals[placement["referral"]]
        start = day(placement["start_date"])
        assert day(referral["valid_from"]) <= start <= day(referral["valid_to"]), placement["ref"]
        assert date(2025, 12, 1) <= start <= date(2026, 11, 20), placement["ref"]
        assert (placement["ended_on"] is None) == (placement["end_reason"] is None)
        if placement["ended_on"]:
            assert start <= day(placement["ended_on"]), placement["ref"]


def test_attendance_hours_are_quarters_on_weekdays_inside_the_window(data):
    placements, referrals = by_ref(data, "placements"), by_ref(data, "referrals")
    seen = set()
    for i, row in enumerate(data["attendance"]):
        where = f"attendance[{i}]"
        hours = Decimal(row["hours"])
        assert isinstance(row["hours"], str) and hours % Decimal("0.25") == 0, where
        assert row["status"] in ("present", "absent"), where
        assert (hours > 0) == (row["status"] == "present"), where
        placement = placements[row["placement"]]
        first, last = window(placement, referrals[placement["referral"]])
        when = day(row["date"])
        assert first <= when <= last and when <= date(2026, 11, 20), where
        assert when.weekday() < 5, where
        assert (row["placement"], row["date"]) not in seen, where
        seen.add((row["placement"], row["date"]))


def test_every_placement_has_attendance_and_three_full_months_are_covered(data):
    present = [r for r in data["attendance"] if r["status"] == "present"]
    assert {r["placement"] for r in present} == {p["ref"] for p in data["placements"]}
    months = {r["date"][:7] for r in present}
    assert {"2026-08", "2026-09", "2026-10", "2026-11"} <= months


def test_twelve_months_from_december_2025_have_attendance(data):
    months = {r["date"][:7] for r in data["attendance"] if r["status"] == "present"}
    twelve = {"2025-12"} | {f"2026-{m:02d}" for m in range(1, 12)}
    assert twelve <= months, sorted(twelve - months)


def test_history_placements_ended_before_august_with_approved_providers(data):
    offerings, providers = by_ref(data, "offerings"), by_ref(data, "providers")
    referrals, clients = by_ref(data, "referrals"), by_ref(data, "clients")
    history = [p for p in data["placements"] if p["ref"].startswith("H")]
    assert len(history) >= 40
    for placement in history:
        assert placement["referral"].startswith("H"), placement["ref"]
        assert referrals[placement["referral"]]["client"].startswith("H"), placement["ref"]
        start, ended = day(placement["start_date"]), day(placement["ended_on"])
        assert date(2025, 12, 1) <= start <= date(2026, 6, 30), placement["ref"]
        assert ended is not None and ended < date(2026, 8, 1), placement["ref"]
        assert placement["end_reason"] in ("completed", "result", "interrupted", "switched")
        provider = providers[offerings[placement["offering"]]["provider"]]
        assert provider["status"] == "approved", placement["ref"]
    assert {p["end_reason"] for p in history} == {"completed", "result", "interrupted", "switched"}
    history_clients = [c for c in clients.values() if c["ref"].startswith("H")]
    assert len(history_clients) >= 40
    assert any(int(c["personal_id"][6:8]) > 60 for c in history_clients)
    outcomes = [o for o in data["outcomes"] if o["ref"].startswith("H")]
    assert len(outcomes) >= 10 and {o["kind"] for o in outcomes} == {"employment", "studies"}
    assert sum(1 for o in outcomes if o["verified_on"]) > len(outcomes) / 2
    assert any(o["sustained_verified_on"] for o in outcomes)


def test_exactly_one_default_choice_per_service_type_from_the_municipality(data):
    providers = by_ref(data, "providers")
    defaults = [o for o in data["offerings"] if o["default_choice"]]
    assert sorted(o["service_type"] for o in defaults) == sorted(SERVICE_TYPES)
    assert {providers[o["provider"]]["org_nr"][:6] for o in defaults} == {"212000"}


def test_offerings_have_plausible_rates_and_terms(data):
    ranges = {"hour": (95, 180), "day": (600, 1200), "week": (2800, 4500),
              "package": (9000, 25000)}
    for offering in data["offerings"]:
        low, high = ranges[offering["rate_unit"]]
        assert low <= Decimal(offering["rate"]) <= high, offering["ref"]
        assert re.fullmatch(r"\d+\.\d{2}", offering["rate"]), offering["ref"]
        assert offering["vat_rate"] in (0, 6, 12, 25), offering["ref"]
        assert 3 <= offering["capacity"] <= 20, offering["ref"]
        if offering["rate_unit"] == "package":
            assert 40 <= offering["start_share"] <= 60, offering["ref"]


def test_the_default_alternative_is_a_default_offering(data):
    offerings = by_ref(data, "offerings")
    chosen = Counter(p["chosen_by"] for p in data["placements"])
    assert set(chosen) == {"client", "case_worker", "default"}
    for placement in data["placements"]:
        if placement["chosen_by"] == "default":
            assert offerings[placement["offering"]]["default_choice"], placement["ref"]


def test_active_placements_are_with_approved_providers(data):
    offerings, providers = by_ref(data, "offerings"), by_ref(data, "providers")
    for placement in data["placements"]:
        if placement["ended_on"] is None:
            provider = providers[offerings[placement["offering"]]["provider"]]
            assert provider["status"] == "approved", placement["ref"]


def test_a_switch_ends_the_day_before_the_next_placement_under_the_same_referral(data):
    under = defaultdict(list)
    for placement in data["placements"]:
        under[placement["referral"]].append(placement)
    switched = [p for p in data["placements"] if p["end_reason"] == "switched"]
    assert switched
    for placement in switched:
        next_day = (day(placement["ended_on"]) + timedelta(days=1)).isoformat()
        assert any(p["start_date"] == next_day for p in under[placement["referral"]]), \
            placement["ref"]


def test_outcomes_belong_to_placements_ended_with_a_result(data):
    placements = by_ref(data, "placements")
    for outcome in data["outcomes"]:
        placement = placements[outcome["placement"]]
        assert placement["end_reason"] == "result", outcome["ref"]
        assert outcome["kind"] in ("employment", "studies"), outcome["ref"]
        result = day(outcome["result_date"])
        assert day(placement["start_date"]) <= result, outcome["ref"]
        if outcome["verified_on"]:
            assert result <= day(outcome["verified_on"]) <= date(2026, 11, 24), outcome["ref"]
        if outcome["sustained_verified_on"]:
            assert day(outcome["sustained_verified_on"]) >= result + timedelta(days=90)
    assert {p["ref"] for p in data["placements"] if p["end_reason"] == "result"} == \
        {o["placement"] for o in data["outcomes"]}
    assert any(o["verified_on"] is None for o in data["outcomes"])
    assert any(o["sustained_verified_on"] for o in data["outcomes"])


def test_counts(data):
    assert len(data["providers"]) >= 12
    assert len(data["offerings"]) >= 30
    assert {o["service_type"] for o in data["offerings"]} == SERVICE_TYPES
    assert {o["rate_unit"] for o in data["offerings"]} == RATE_UNITS
    assert len(data["clients"]) >= 40
    assert Counter(p["status"] for p in data["providers"])["approved"] >= 10
    assert (SEED_DIR / "demo.json").stat().st_size < 3_000_000


def test_checked_in_file_is_what_the_generator_writes():
    spec = importlib.util.spec_from_file_location("seed_generate", SEED_DIR / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    expected = generate.render(generate.build())
    assert (SEED_DIR / "demo.json").read_text(encoding="utf-8") == expected
