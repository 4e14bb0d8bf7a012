"""Fixtures for the collector tests: a throwaway PKI, fake endpoints, a collection runner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from collect_support import EXAMPLE_ROWS, Run
from fakegraph import FakeResourceGraph, Pki, Row, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def serve(pki: Pki) -> Any:
    """`serve(tables, **options)`: a running fake, stopped after the test."""
    started: list[FakeResourceGraph] = []

    def start(tables: Mapping[str, Sequence[Row]] = EXAMPLE_ROWS, **options: Any) \
            -> FakeResourceGraph:
        fake = FakeResourceGraph(pki, tables, **options).__enter__()
        started.append(fake)
        return fake
    yield start
    for fake in started:
        fake.__exit__(None, None, None)


@pytest.fixture
def run(pki: Pki, tmp_path: Path) -> Run:
    return Run(pki, tmp_path)
