"""Every Swedish text on the kundval pages has an English translation in the catalog."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def _extracted() -> set[str]:
    ids = set()
    sources = [(ROOT / "templates" / "kundval", [("**.html", "jinja2")]),
               (ROOT / "templates" / "client", [("**.html", "jinja2")]),
               (ROOT / "app" / "kundval", [("**.py", "python")])]
    for folder, method in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(str(folder), method, keywords=KEYWORDS):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_kundval_text_has_an_english_translation():
    translated = set()
    for path in CATALOGS:
        with path.open("rb") as f:
            translated |= {m.id for m in read_po(f, locale="en") if m.id and m.string and not m.fuzzy}
    assert sorted(_extracted() - translated) == []
