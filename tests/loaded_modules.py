"""Which modules importing one module loads, in a fresh interpreter: for checks that a leaf
stays a leaf."""

from __future__ import annotations

import ast
import subprocess
import sys


def loaded_by(module: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of `packages` that `import module` loads, sorted."""
    script = (
        f"import sys, {module}; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r}))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    found: list[str] = ast.literal_eval(printed)
    return found
