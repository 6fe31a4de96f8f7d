"""A small document with hours and result bonuses in March-June 2026, for follow-up tests.

PL1 (Anna, 40 years, 100.00 kr/h): 10 days × 6 h from Mon 2 March = 6 000.00 in March; employment
from 6 April = day 35 after the start, verified 10 April → 90-day tier 10 000.00 in April.
PL2 (Bashir, 33 years, 99.99 kr/h): 5 days × 6 h = 30 h × 99.99 = 2 999.70 in March; studies from
15 June = day 105, verified 20 June → 180-day tier 5 000.00 in June.
"""
from __future__ import annotations

from tests.settlement.helpers import attendance, base_document

RULE = {"ref": "B1", "name": "Resultatbonus vuxna", "priority": 1, "service_types": ["praktik"],
        "min_age": 25, "max_age": 64, "outcome_kinds": ["employment", "studies"],
        "tiers": [{"max_days": 90, "amount": "10000.00"}, {"max_days": 180, "amount": "5000.00"}],
        "grace_days": 30, "sustain_days": 90, "sustain_amount": "0.00"}


def bonus_document(tiers: list[dict] | None = None) -> dict:
    doc = base_document()
    doc["bonus_rules"] = [{**RULE, "tiers": tiers or RULE["tiers"]}]
    doc["attendance"] = attendance("PL1", "2026-03-02", 10) + attendance("PL2", "2026-03-02", 5)
    doc["outcomes"] = [
        {"ref": "U1", "placement": "PL1", "kind": "employment", "result_date": "2026-04-06",
         "verified_on": "2026-04-10"},
        {"ref": "U2", "placement": "PL2", "kind": "studies", "result_date": "2026-06-15",
         "verified_on": "2026-06-20"},
    ]
    return doc
