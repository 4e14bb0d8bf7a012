"""Report fixtures: the CLI run as a user runs it, and an export full of hostile strings."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def audit(cwd: Path, *args: str, formats: str = "json,html,md") -> Path:
    """`auditor audit ARGS --format FORMATS --output-dir out` in `cwd`; the output directory."""
    result = subprocess.run([sys.executable, "-m", "auditor", "audit", *args, "--format", formats,
                             "--output-dir", "out"], cwd=cwd, capture_output=True, text=True,
                            encoding="utf-8", check=False)
    assert result.returncode in (0, 1), result.stderr
    return cwd / "out"


@pytest.fixture
def run_audit_cli() -> Callable[..., Path]:
    """`run_audit_cli(cwd, *args, formats="json,html,md")`: run `auditor audit` as a user
    does; returns the output directory."""
    return audit


NAME = "<img src=x onerror=alert(1)>"
TAG = "</script><script>alert(2)</script>"
PIPES = "vm`|@octocat|**bold**"
"""Hostile strings, as Azure data could hold them: a machine name, a tag value, a name for
Markdown (a backtick, pipes, an @mention and emphasis)."""


@pytest.fixture
def hostile_estate(tmp_path: Path, rows: Any) -> Path:
    """An export whose machine names, tags and resource group carry markup and Markdown."""
    export = tmp_path / "hostile.json"
    export.write_text(json.dumps([
        rows.vm(NAME, tags={"owner": TAG, "note": "<b>bold</b> & @octocat"}, os="Linux",
                assessment_mode="ImageDefault"),
        rows.vm(PIPES, tags={"owner": "team|web`"}, group="RG-Pipe|Group", os="Windows",
                assessment_mode="ImageDefault"),
        rows.vm("vm-ok-01", os="Linux", assessment_mode="AutomaticByPlatform",
                patch_mode="AutomaticByPlatform"),
    ]), encoding="utf-8")
    return export
