"""The code base stays ruff clean, type-checked and layered (configuration in pyproject.toml), checked with the
test suite itself and so by CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    done = run(sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT))
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_product_packages() -> None:
    done = run(sys.executable, "-m", "mypy", "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr


def test_imports_keep_the_layers() -> None:
    """The core imports no storage, adapter or platform; storage imports no adapter; scoring is innermost."""
    done = run(str(Path(sys.executable).with_name("lint-imports")), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and "0 broken" in done.stdout
