"""The main menu per role; each area's views module adds its own entries when it is imported."""
from __future__ import annotations

from collections.abc import Container

_ENTRIES: list[tuple[int, str, str, object]] = []  # (order, role, endpoint, label)


def add_nav(roles: tuple[str, ...] | str, endpoint: str, label: object, order: int = 50) -> None:
    """Show `endpoint` in the menu of `roles`; `label` is a lazy_gettext string."""
    for role in (roles,) if isinstance(roles, str) else roles:
        if not any(r == role and e == endpoint for _, r, e, _l in _ENTRIES):
            _ENTRIES.append((order, role, endpoint, label))


def nav_for(role: str, known_endpoints: Container[str]) -> list[tuple[str, object]]:
    return [(endpoint, label) for order, r, endpoint, label in sorted(_ENTRIES, key=lambda e: e[0])
            if r == role and endpoint in known_endpoints]
