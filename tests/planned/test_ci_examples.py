"""The CI jobs shipped in examples/ci/: every `auditor` command line in them parses with the
real command-line parser, and the pre-deployment jobs do what the documentation says."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.cli import parser

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
FILES = sorted(CI.glob("*.yml")) + sorted(CI.glob("*.yaml"))
SHELL = ("||", "&&", "|", ";", "&", "<")  # where the auditor's own arguments end
PRE_DEPLOYMENT = ("github-actions-pre-deployment.yml", "azure-pipelines-pre-deployment.yml")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def commands(path: Path) -> list[list[str]]:
    """Every `auditor ...` command of a pipeline file's scripts, continuation lines joined."""
    found = []
    for text in strings(yaml.safe_load(path.read_text("utf-8"))):
        for line in text.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("auditor "):
                words = shlex.split(line)[1:]
                end = next((i for i, w in enumerate(words)
                            if w in SHELL or w.startswith((">", "2>"))), len(words))
                found.append(words[:end])
    return found


def test_the_pre_deployment_jobs_are_shipped() -> None:
    assert {p.name for p in FILES} >= set(PRE_DEPLOYMENT)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_auditor_command_parses(path: Path) -> None:
    found = commands(path)
    assert found, f"{path.name} runs no auditor command"
    for argv in found:
        try:
            parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{path.name}: `auditor {' '.join(argv)}` does not parse")


@pytest.mark.parametrize("name", PRE_DEPLOYMENT)
def test_the_pre_deployment_jobs_check_write_markdown_and_fail_on_high(name: str) -> None:
    text = (CI / name).read_text("utf-8")
    for argv in commands(CI / name):
        args = parser().parse_args(argv)
        assert args.command == "audit"
        assert args.preset == "pre-deployment"
        assert "md" in args.format.split(",")
        assert args.fail_on == "high"
        assert args.planned or args.paths  # a plan or a compiled template
    assert "GITHUB_STEP_SUMMARY" in text or "##vso[task.uploadsummary]" in text
    assert "terraform show -json" in text and "az bicep build" in text
