"""The wheel ships the rule pack, templates, schemas and example estate, and works installed."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "-w", str(out), str(ROOT)], check=True)
    return next(out.glob("aum_auditor-*.whl"))


def test_wheel_holds_the_data_packages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = sorted(n for n in names if n.startswith("auditor/rulepack/") and n.endswith(".yaml"))
    assert [Path(n).name for n in rules] == [f"AUM{i:03}.yaml" for i in range(1, 15)]
    assert {"auditor/schemas/rule.schema.json", "auditor/schemas/config.schema.json",
            "auditor/schemas/results.schema.json",
            "auditor/examples/estate/manifest.json"} <= names
    assert any(n.startswith("auditor/templates/") for n in names)
    assert any(n.startswith("auditor/collect/queries/") and n.endswith(".kql") for n in names)


def test_installed_wheel_runs_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    # The wheel goes into a fresh environment that borrows this one's dependencies: a .pth
    # line puts them on the path after the environment's own packages, so the wheel's copy
    # of auditor is the one imported (asserted below).
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True, check=True)
    Path(own.stdout.strip(), "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "--force-reinstall", str(wheel)], check=True)
    listed = subprocess.run([str(env / "bin" / "auditor"), "rules", "list"], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == \
        [f"AUM{i:03}" for i in range(1, 15)]
    where = subprocess.run([str(python), "-c", "import auditor; print(auditor.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(env))
    inventory = subprocess.run([str(env / "bin" / "auditor"), "inspect", "--example",
                                "--format", "csv"], cwd=tmp_path, capture_output=True,
                               text=True, check=True)
    assert len(inventory.stdout.splitlines()) == 1 + 44
