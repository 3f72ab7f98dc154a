"""The layers of DESIGN.md §3 hold: import-linter's contracts (pyproject.toml) are kept, and
breaking one is caught, also by an import inside a function."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("prao", "api", "web", "workers", "server")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def lint_imports(root: Path) -> str:
    """Its exit status and what it printed, without colours."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    linted = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return f"exit {linted.returncode}\n" + COLOUR.sub("", linted.stdout + linted.stderr)


def test_the_import_contracts_are_kept() -> None:
    printed = lint_imports(ROOT)
    assert printed.startswith("exit 0\n") and "0 broken" in printed, printed


def test_a_framework_import_in_the_domain_breaks_the_check(tmp_path: Path) -> None:
    ignored = shutil.ignore_patterns("__pycache__", "static", "templates", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignored)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    clock = tmp_path / "prao" / "clock.py"
    clock.write_text(
        clock.read_text() + "\n\ndef _sneaky() -> None:\n    import starlette  # noqa: F401\n"
    )
    printed = lint_imports(tmp_path)
    assert printed.startswith("exit 1\n"), printed
    assert "The domain imports no adapter and no framework BROKEN" in printed
    assert "prao.clock -> starlette" in printed


# Each forbidden direction the issue names, added at once to a copy of the tree: every one is
# reported under its contract.
FORBIDDEN = [
    (
        "prao/policy.py",
        "api",
        "The domain imports no adapter and no framework",
        "prao.policy -> api",
    ),
    (
        "prao/errors.py",
        "web",
        "The domain imports no adapter and no framework",
        "prao.errors -> web",
    ),
    (
        "prao/actor.py",
        "workers",
        "The domain imports no adapter and no framework",
        "prao.actor -> workers",
    ),
    (
        "prao/orgnr.py",
        "server",
        "The domain imports no adapter and no framework",
        "prao.orgnr -> server",
    ),
    (
        "prao/pagination.py",
        "strawberry",
        "The domain imports no adapter and no framework",
        "prao.pagination -> strawberry",
    ),
    (
        "prao/wording.py",
        "click",
        "The domain imports no adapter and no framework",
        "prao.wording -> click",
    ),
    ("prao/ics.py", "arq", "The domain imports no adapter and no framework", "prao.ics -> arq"),
    (
        "api/ids.py",
        "web.fields",
        "The GraphQL and web adapters do not import each other",
        "api.ids -> web.fields",
    ),
    (
        "web/fields.py",
        "api.ids",
        "The GraphQL and web adapters do not import each other",
        "web.fields -> api.ids",
    ),
    (
        "workers/delivery.py",
        "api.ids",
        "The workers import no HTTP adapter and no web framework",
        "workers.delivery -> api.ids",
    ),
    (
        "workers/reminders.py",
        "web.fields",
        "The workers import no HTTP adapter and no web framework",
        "workers.reminders -> web.fields",
    ),
]


def test_every_forbidden_direction_breaks_the_check(tmp_path: Path) -> None:
    ignored = shutil.ignore_patterns("__pycache__", "static", "templates", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignored)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for path, module, _, _ in FORBIDDEN:
        source = tmp_path / path
        source.write_text(source.read_text() + f"\nimport {module}  # noqa: E402,F401\n")
    printed = lint_imports(tmp_path)
    assert printed.startswith("exit 1\n"), printed
    for _, _, contract, chain in FORBIDDEN:
        assert f"{contract} BROKEN" in printed, contract
        assert chain in printed, chain
