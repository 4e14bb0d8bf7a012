"""Fixtures for the pre-deployment tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from planned_support import write_plan


@pytest.fixture
def tf_plan(tmp_path: Path) -> Callable[..., Path]:
    """`tf_plan(*resources, name="plan.json", **top)`: a `terraform show -json` document
    (built by planned_support.resource) written to a file."""
    def write(*resources: dict[str, Any], name: str = "plan.json", **top: Any) -> Path:
        return write_plan(tmp_path, *resources, name=name, **top)
    return write
