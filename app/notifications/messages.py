"""A message as written, kept so that each reader gets it in their own language.

notify() is given lazy strings (`_l("Avtal %(ref)s är godtaget", ref=...)`); the outbox keeps each
one's msgid and variables (JSON) beside the Swedish text. The outbox page translates them into the
viewer's language when it is shown, and send_pending() into each recipient's when it e-mails.

The stored shape: `{"sep": "\\n\\n", "parts": [part, ...]}`, where a part is `{"id": msgid,
"vars": {name: value}}` or `{"text": "..."}` (words no catalog has: a reason someone wrote, a
link), and a variable's value may itself be a part (a translated word inside a sentence).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.common.client_language import catalog
from app.common.i18n import fmt_money
from app.common.languages import page_language
from app.common.money import money

Message = Any  # a lazy string, a plain string, or a sequence of them (the parts of a body)


@dataclass(frozen=True)
class Amount:
    """An amount of money in a message, written as the reader's language writes money."""

    value: Decimal


def _part(message: Any) -> dict[str, Any]:
    lazy_args = getattr(message, "_args", None)
    if not lazy_args:
        return {"text": str(message)}
    variables = getattr(message, "_kwargs", {}) or {}
    return {"id": str(lazy_args[0]), "vars": {name: _value(v) for name, v in variables.items()}}


def _value(value: Any) -> Any:
    if getattr(value, "_args", None):
        return _part(value)
    if isinstance(value, Amount):
        return {"money": str(value.value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # a date reads as its ISO form, a Decimal as Python writes it


def message_data(message: Message, sep: str = "") -> dict[str, Any]:
    """The stored form of a message: one part, or the parts of a body joined by `sep`."""
    parts: Sequence[Any] = message if isinstance(message, (list, tuple)) else [message]
    return {"sep": sep, "parts": [_part(p) for p in parts if p is not None and str(p) != ""]}


def _render_part(part: Any, code: str) -> str:
    if not isinstance(part, dict):
        return str(part)
    if "money" in part:
        return fmt_money(money(str(part["money"])), "sv" if code.startswith("sv") else page_language(code).locale)
    if "id" not in part:
        return str(part.get("text", ""))
    msgid = str(part["id"])
    variables = {name: _render_part(v, code) if isinstance(v, dict) else v
                 for name, v in (part.get("vars") or {}).items()}
    text = str(catalog(code).gettext(msgid))
    if not variables:
        return text
    try:
        return text % variables
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the Swedish
        return msgid % variables


def render(data: dict[str, Any], code: str) -> str:
    """The message in the language `code` (a catalog folder; Swedish is the msgids themselves)."""
    return str(data.get("sep", "")).join(_render_part(p, code) for p in data.get("parts", []))


def shown(note: Any, field: str, code: str) -> str:
    """A notification's subject or body in a language; a row from before msgids were kept, as stored."""
    data = getattr(note, f"{field}_msg", None)
    return render(data, code) if data else str(getattr(note, field))
