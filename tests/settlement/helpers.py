"""Small builders of import documents for settlement tests (the same format as the cases)."""
from __future__ import annotations

from datetime import date, timedelta

ORG_A = "556677-8899"
ORG_B = "559123-4561"


def base_document(rate: str = "100.00", vat_rate: int = 25, cap: str | None = None,
                  start: str = "2026-03-02", rate_unit: str = "hour") -> dict:
    return {
        "providers": [
            {"ref": "P1", "org_nr": ORG_A, "name": "Arbetsvägen AB", "status": "approved"},
            {"ref": "P2", "org_nr": ORG_B, "name": "Nästa Steg Kooperativ", "status": "approved"},
        ],
        "offerings": [
            {"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik i lager",
             "rate_unit": rate_unit, "rate": rate, "vat_rate": vat_rate, "capacity": 10},
            {"ref": "O2", "provider": "P2", "service_type": "praktik", "title": "Praktik i café",
             "rate_unit": "hour", "rate": "99.99", "vat_rate": 25, "capacity": 10},
        ],
        "clients": [
            {"ref": "C1", "personal_id": "19850315-9645", "name": "Anna Andersson",
             "newly_arrived": False, "children_in_household": True},
            {"ref": "C2", "personal_id": "19920826-4177", "name": "Bashir Ali",
             "newly_arrived": True, "children_in_household": False},
        ],
        "referrals": [
            {"ref": "R1", "client": "C1", "service_type": "praktik", "decided_on": "2026-02-20",
             "valid_from": "2026-03-01", "valid_to": "2026-12-31", "max_hours_per_week": cap},
            {"ref": "R2", "client": "C2", "service_type": "praktik", "decided_on": "2026-02-20",
             "valid_from": "2026-03-01", "valid_to": "2026-12-31", "max_hours_per_week": None},
        ],
        "placements": [
            {"ref": "PL1", "referral": "R1", "offering": "O1", "chosen_by": "client",
             "start_date": start, "ended_on": None, "end_reason": None},
            {"ref": "PL2", "referral": "R2", "offering": "O2", "chosen_by": "client",
             "start_date": start, "ended_on": None, "end_reason": None},
        ],
    }


def attendance(placement: str, first: str, days: int, hours: str = "6", weekdays_only: bool = True) -> list[dict]:
    rows, day = [], date.fromisoformat(first)
    while len(rows) < days:
        if not weekdays_only or day.weekday() < 5:
            rows.append({"placement": placement, "date": day.isoformat(), "status": "present", "hours": hours})
        day += timedelta(days=1)
    return rows
