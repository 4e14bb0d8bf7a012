"""Pipeline fixtures: the official SARIF and JUnit schemas (every SARIF and JUnit file a test
makes goes through them), and the CLI run in-process."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from auditor import cli

SCHEMAS = Path(__file__).parent.parent / "fixtures" / "schemas"


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(schema,
                                      format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-windyroad.xsd"))


def valid_sarif(data: bytes) -> dict[str, Any]:
    """The SARIF log, after checking it against the official SARIF 2.1.0 schema."""
    document: dict[str, Any] = json.loads(data)
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in sarif_validator().iter_errors(document)]
    assert errors == [], "\n".join(errors[:20])
    return document


def valid_junit(data: bytes) -> ElementTree.Element:
    """The JUnit document, after checking it against windyroad's JUnit.xsd."""
    root = ElementTree.fromstring(data)
    errors = [str(e.reason) for e in junit_schema().iter_errors(io.BytesIO(data))]
    assert errors == [], "\n".join(errors[:20])
    return root


@pytest.fixture
def sarif_of() -> Callable[[bytes], dict[str, Any]]:
    return valid_sarif


@pytest.fixture
def junit_of() -> Callable[[bytes], ElementTree.Element]:
    return valid_junit


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def auditor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Run]]:
    """`auditor("audit", ...)`: the CLI run in-process in `tmp_path` (no auditor.yaml there)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)
    yield run
