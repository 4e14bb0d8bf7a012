"""The ready-made pipelines in examples/ci/: each parses as YAML, every `auditor` command line
in it is accepted by the CLI's argument parser, and each does what the README says it does."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.cli import parser

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "examples" / "ci"
FILES = sorted(CI.glob("*.yml")) + sorted(CI.glob("*.yaml"))
WEEKLY_AND_BASELINE = ("weekly-governance.yml", "pr-baseline-check.yml",
                       "azure-pipelines-weekly.yml")
PRE_DEPLOYMENT = ("github-actions-pre-deployment.yml", "azure-pipelines-pre-deployment.yml")
SHELL_OPERATORS = {";", "&&", "||", "|", ">", ">>", "<", "&", "2>", "2>&1"}


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def command_lines(document: Any) -> list[list[str]]:
    """Every `auditor ...` command in the document's scripts, continuation lines joined, as the
    shell would split it (up to the first operator such as `>` or `||`)."""
    found = []
    for text in strings(document):
        for line in text.replace("\\\n", " ").splitlines():
            words = line.strip()
            if not words.startswith("auditor "):
                continue
            lexer = shlex.shlex(words, posix=True, punctuation_chars=";&|<>")
            lexer.whitespace_split = True
            tokens = list(lexer)
            cut = next((i for i, t in enumerate(tokens) if t in SHELL_OPERATORS), len(tokens))
            found.append(tokens[1:cut])
    return found


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_documented_pipeline_is_shipped() -> None:
    assert {p.name for p in FILES} >= {*WEEKLY_AND_BASELINE, *PRE_DEPLOYMENT}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_auditor_command_line_parses(path: Path) -> None:
    document = load(path)
    assert isinstance(document, dict)
    lines = command_lines(document)
    assert lines, f"{path.name} runs no auditor command"
    for args in lines:
        try:
            parsed = parser().parse_args(args)
        except SystemExit:  # argparse has printed why
            pytest.fail(f"{path.name}: `auditor {shlex.join(args)}` is refused by the parser")
        if getattr(parsed, "fail_on_new", False):
            assert parsed.baseline is not None, f"{path.name}: --fail-on-new without --baseline"


def steps(document: Any) -> list[dict[str, Any]]:
    """Every step of every job (a mapping of jobs in GitHub Actions, a list in Azure)."""
    jobs = document["jobs"]
    return [step for job in (jobs.values() if isinstance(jobs, dict) else jobs)
            for step in job["steps"]]


def test_the_weekly_github_workflow() -> None:
    document = load(CI / "weekly-governance.yml")
    assert document[True]["schedule"] == [{"cron": "0 6 * * 1"}]  # YAML 1.1 reads `on` as true
    assert document["permissions"]["security-events"] == "write"
    uses = {step.get("uses", "").split("@")[0]: step for step in steps(document)}
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == \
        "auditor-results/results.sarif"
    artifacts = [s["with"] for s in steps(document)
                 if s.get("uses", "").startswith("actions/upload-artifact")]
    assert {a["name"]: a["path"] for a in artifacts} == {
        "auditor-results": "auditor-results", "auditor-history": "history"}
    for args in command_lines(document):
        parsed = parser().parse_args(args)
        assert {"html", "sarif", "json"} <= set(parsed.format.split(","))
        assert parsed.history == Path("history")


def test_the_pull_request_github_workflow() -> None:
    document = load(CI / "pr-baseline-check.yml")
    assert "pull_request" in document[True]
    (baseline, check) = [parser().parse_args(a) for a in command_lines(document)]
    assert baseline.collect and baseline.snapshot == check.snapshot
    assert baseline.preset == check.preset  # the same rules on both sides
    assert check.fail_on_new and check.fail_on == "high"
    assert check.baseline == baseline.output_dir / "results.json"
    assert "md" in check.format.split(",")
    scripts = "\n".join(s.get("run", "") for s in steps(document))
    assert 'summary.md" >> "$GITHUB_STEP_SUMMARY"' in scripts


def test_the_azure_pipeline_publishes_junit() -> None:
    document = load(CI / "azure-pipelines-weekly.yml")
    assert document["schedules"][0]["cron"] == "0 6 * * 1"
    tasks = [s for s in steps(document) if s.get("task", "").startswith("PublishTestResults@")]
    assert len(tasks) == 2
    for task in tasks:
        assert task["inputs"]["testResultsFormat"] == "JUnit"
        assert task["inputs"]["testResultsFiles"] == "$(results)/junit.xml"
    parsed = [parser().parse_args(a) for a in command_lines(document)]
    assert all("junit" in p.format.split(",") for p in parsed if p.output_dir.name != "baseline")
    assert any(p.fail_on_new and p.fail_on == "high" for p in parsed)


def test_the_readme_links_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in WEEKLY_AND_BASELINE:
        assert f"(examples/ci/{name})" in readme, name


@pytest.mark.parametrize("name", PRE_DEPLOYMENT)
def test_the_pre_deployment_jobs_check_write_markdown_and_fail_on_high(name: str) -> None:
    text = (CI / name).read_text("utf-8")
    for argv in command_lines(load(CI / name)):
        args = parser().parse_args(argv)
        assert args.command == "audit"
        assert args.preset == "pre-deployment"
        assert "md" in args.format.split(",")
        assert args.fail_on == "high"
        assert args.planned or args.paths  # a plan or a compiled template
    assert "GITHUB_STEP_SUMMARY" in text or "##vso[task.uploadsummary]" in text
    assert "terraform show -json" in text and "az bicep build" in text
