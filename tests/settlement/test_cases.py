"""Every case file in tests/data/cases/ played through the CLI of exchange.md, on both databases.

An `expect` step holds when the export equals the expected one with settlements matched by
provider_org_nr (status, credit_note and totals equal) and lines compared as a multiset.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CASES_DIR

CASE_FILES = sorted(CASES_DIR.glob("*.json"))
LINE_FIELDS = ("placement", "kind", "quantity", "unit_price", "amount", "vat_rate", "vat",
               "ref_period", "ref_kind")


def command_for(step: dict, tmp_path: Path, index: int) -> list[str]:
    (action, args), = step.items()
    if action == "import":
        path = tmp_path / f"step-{index}.json"
        path.write_text(json.dumps(args, ensure_ascii=False), encoding="utf-8")
        return ["data", "import", str(path)]
    if action in ("run", "approve"):
        command = ["settlement", action, "--period", args["period"]]
        if args.get("provider"):
            command += ["--provider", args["provider"]]
        return command
    if action == "close":
        return ["period", "close", args["period"]]
    if action == "expect":
        return ["settlement", "export", "--period", args["period"], "--format", "json"]
    raise AssertionError(f"unknown step {action}")


def comparable(export: dict) -> dict:
    settlements = {}
    for s in export["settlements"]:
        lines = Counter(tuple(line[f] for f in LINE_FIELDS) for line in s["lines"])
        settlements[s["provider_org_nr"]] = {
            "status": s["status"], "credit_note": s["credit_note"],
            "total_excl_vat": s["total_excl_vat"], "total_vat": s["total_vat"],
            "total_incl_vat": s["total_incl_vat"], "lines": lines}
    return {"period": export["period"], "settlements": settlements}


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_through_cli(case_file, runner, tmp_path):
    case = json.loads(case_file.read_text(encoding="utf-8"))
    for index, step in enumerate(case["steps"]):
        result = runner.invoke(args=command_for(step, tmp_path, index))
        assert result.exit_code == 0, f"step {index} {list(step)}: {result.output}"
        if "expect" in step:
            actual = json.loads(result.stdout)
            assert comparable(actual) == comparable(step["expect"]["export"]), (
                f"{case['name']} step {index}: {case['description']}")


def test_case_files_are_present():
    assert len(CASE_FILES) >= 6


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_engine_gives_what_the_reference_gives_on_the_case_data(case_file, runner, app, tmp_path):
    """After each import of a case: the engine on what the loader hands over (counted days
    merged by SQL) equals the reference rules on every attendance row, in every period."""
    from app.extensions import db
    from app.settlement import fast, rules, service

    case = json.loads(case_file.read_text(encoding="utf-8"))
    periods = sorted({step[action]["period"] for step in case["steps"] for action in step
                      if action != "import"})
    first = rules.attendance_dates_needed(periods[0])[0]
    last = rules.attendance_dates_needed(periods[-1])[1]
    for index, step in enumerate(case["steps"]):
        if "import" not in step:
            continue
        result = runner.invoke(args=command_for(step, tmp_path, index))
        assert result.exit_code == 0, result.output
        with app.app_context():
            merged = service.load_inputs(db.session, first, last).inputs
            rows = service.load_inputs(db.session, first, last, merged=False).inputs
            db.session.rollback()
        providers = sorted({o.provider for o in rows.offerings.values()})
        for period in periods:
            engine = fast.owed_all(merged, period)
            for provider in providers:
                assert engine.get(provider, ([], [])) == rules.owed(rows, provider, period), (
                    f"{case['name']} step {index}: {provider} {period}")
