"""No two packages of app/ import each other, and imports point down the layers (import-linter).

The contracts are in pyproject.toml ([tool.importlinter]); docs/architecture.md draws the layers.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parents[2]
configuration.configure()  # what the lint-imports command does first


def test_the_packages_of_app_form_no_cycle_and_keep_to_their_layers():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)


def test_the_check_fails_when_two_packages_import_each_other(tmp_path, monkeypatch):
    """The same contracts over a copy of the shape where one import points back up."""
    pkg = tmp_path / "shape"
    for name, source in {
        "__init__.py": "",
        "common/__init__.py": "",
        "common/audit.py": "def record(): ...\n",
        "kundval/__init__.py": "",
        "kundval/models.py": "from shape.common import audit\n",
        "settlement/__init__.py": "",
        "settlement/loading.py": "from shape.kundval import models\n",
        # The cycle, hidden inside a function as the old code did it:
        "kundval/followups.py": "def due():\n    from shape.settlement import loading\n",
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(source)
    config = tmp_path / "contracts.toml"
    config.write_text(textwrap.dedent("""\
        [tool.importlinter]
        root_package = "shape"

        [[tool.importlinter.contracts]]
        name = "no cycles"
        type = "acyclic_siblings"
        ancestors = ["shape"]
        depth = 1
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)
    (pkg / "kundval/followups.py").write_text("def due(): ...\n")
    assert lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)
