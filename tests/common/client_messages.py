"""The client-facing msgids: what app.common.languages lists as shown on the client's pages."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

from babel.messages.extract import extract_from_file

from app.common.languages import CLIENT_FACING_DICTS, CLIENT_FACING_MESSAGES, CLIENT_FACING_SOURCES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _dict_msgids(reference: str) -> set[str]:
    module, name, key = re.fullmatch(r"([\w.]+):(\w+)(?:\[(\w+)\])?", reference).groups()
    values = getattr(importlib.import_module(module), name)
    if key:
        values = values[key]
    return {lazy._args[0] for lazy in values.values()}  # flask_babel.LazyString keeps its msgid


def client_facing_msgids() -> set[str]:
    """Singular msgids (plural forms by their singular) of every client-facing message."""
    found = set(CLIENT_FACING_MESSAGES)
    for reference in CLIENT_FACING_DICTS:
        found |= _dict_msgids(reference)
    for pattern in CLIENT_FACING_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            method = "jinja2" if path.suffix == ".html" else "python"
            for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS):
                found.add(message if isinstance(message, str) else message[0])
    return found
