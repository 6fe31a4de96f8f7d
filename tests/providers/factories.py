"""Data for provider-portal tests: two approved providers with a placement each, and test files."""
from __future__ import annotations

import io

from PIL import Image

from app.exchange.importer import import_document

ORG_A = "556677-8899"
ORG_B = "559123-4561"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def portal_document(cap: str | None = "20", rate_unit: str = "hour") -> dict:
    """P1 (ORG_A) has PL1 for Anna (March–May, weekly cap), P2 (ORG_B) has PL2 for Bashir."""
    return {
        "providers": [
            {"ref": "P1", "org_nr": ORG_A, "name": "Arbetsvägen AB", "status": "approved",
             "email": "info@arbetsvagen.example"},
            {"ref": "P2", "org_nr": ORG_B, "name": "Nästa Steg Kooperativ", "status": "approved",
             "email": "info@nastasteg.example"},
        ],
        "offerings": [
            {"ref": "O1", "provider": "P1", "service_type": "praktik", "title": "Praktik i lager",
             "rate_unit": rate_unit, "rate": "120.00", "vat_rate": 25, "capacity": 10},
            {"ref": "O2", "provider": "P2", "service_type": "praktik", "title": "Praktik i café",
             "rate_unit": "hour", "rate": "99.00", "vat_rate": 25, "capacity": 10},
        ],
        "clients": [
            {"ref": "C1", "personal_id": "19850315-9645", "name": "Anna Andersson"},
            {"ref": "C2", "personal_id": "19920826-4177", "name": "Bashir Ali"},
        ],
        "referrals": [
            {"ref": "R1", "client": "C1", "service_type": "praktik", "decided_on": "2026-02-20",
             "valid_from": "2026-03-01", "valid_to": "2026-05-31", "max_hours_per_week": cap},
            {"ref": "R2", "client": "C2", "service_type": "praktik", "decided_on": "2026-02-20",
             "valid_from": "2026-03-01", "valid_to": "2026-12-31", "max_hours_per_week": None},
        ],
        "placements": [
            {"ref": "PL1", "referral": "R1", "offering": "O1", "chosen_by": "client",
             "start_date": "2026-03-10", "ended_on": None, "end_reason": None},
            {"ref": "PL2", "referral": "R2", "offering": "O2", "chosen_by": "client",
             "start_date": "2026-03-02", "ended_on": None, "end_reason": None},
        ],
    }


def seed(session, **kw) -> None:
    import_document(session, portal_document(**kw))
    session.commit()


def switch_user(auth, user=None) -> None:
    """Sign in as `user` (or out); the `session` fixture's app context caches the previous one in g."""
    from flask import g

    if user is None:
        auth.logout()
    else:
        auth.login_user(user)
    g.pop("_login_user", None)
