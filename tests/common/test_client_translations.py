"""Clients read their pages in eight languages: every client-facing message is translated in each."""
from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from app.common.languages import CLIENT_LANGUAGES
from tests.common.client_messages import client_facing_msgids
from tests.common.conftest import TRANSLATIONS

TRANSLATED = [code for code in CLIENT_LANGUAGES if code != "sv"]  # Swedish is the source


def _catalog(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _missing(catalog, wanted: set[str]) -> list[str]:
    missing = []
    for msgid in sorted(wanted):
        message = catalog.get(msgid)
        if message is None:
            plural = [m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid]
            message = plural[0] if plural else None
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(msgid)
    return missing


def test_every_client_facing_message_is_translated_in_every_client_language():
    wanted = client_facing_msgids()
    assert len(wanted) > 100  # the sources in app/common/languages.py were found
    missing = {code: _missing(_catalog(code), wanted) for code in TRANSLATED}
    missing = {code: ids for code, ids in missing.items() if ids}
    report = "\n".join(f"{code} ({len(ids)} missing):\n" + "\n".join(f"  msgid {i!r}" for i in ids)
                       for code, ids in missing.items())
    assert not missing, ("translate these client-facing messages (make translations-update, then the "
                         "empty msgstr in app/translations/<code>/LC_MESSAGES/messages.po):\n" + report)


@pytest.mark.parametrize("code", TRANSLATED)
def test_client_catalogs_keep_the_placeholders(code):
    catalog = _catalog(code)
    wanted = client_facing_msgids()
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0] if message.id else ""
        if key in wanted and message.python_format and message.string:
            assert not list(message.check(catalog)), (code, message.id)


@pytest.mark.parametrize("code", [c for c in TRANSLATED if c != "en"])
def test_each_catalog_says_how_it_was_made_and_asks_for_a_certified_review(code):
    header = (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8").split("\nmsgid \"\"", 1)[0]
    assert "machine-assisted by the Kundval development team" in header
    assert "certified translator should review" in header
