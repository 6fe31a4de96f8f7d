"""Fixtures for tests of app/common: the compiled English catalog the i18n tests read."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"


def compile_catalogs() -> list[Path]:
    """Compile each messages.po whose .mo is missing or older (what `make translations` does).

    The .mo is written to a temporary file and renamed, so two xdist workers can both do it.
    """
    compiled = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; pybabel's output is world-readable
        os.replace(tmp, mo)
        compiled.append(mo)
    return compiled


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    compile_catalogs()
