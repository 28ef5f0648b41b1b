"""Microsoft's own validators for what the bot sends to Teams, run with Node.js: the ``adaptivecards`` parser for
Adaptive Cards and ``@microsoft/app-manifest`` (with the manifest schemas it bundles) for the app manifest.

The npm packages are installed from ``microsoft_validators/package-lock.json`` on first use (``npm ci``); Node.js
and npm must be on the machine, and a test that needs them fails, with the reason, when they are not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "microsoft_validators"


def run(script: str, payload: Any) -> Any:
    """``script`` (in microsoft_validators/) given ``payload`` as JSON on stdin; its JSON answer."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node.js and npm are needed to check what the bot sends to Teams with Microsoft's tools"
    if not (HERE / "node_modules" / ".package-lock.json").is_file():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True, timeout=600)
    done = subprocess.run(
        [node, script], cwd=HERE, input=json.dumps(payload), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
