"""Bad input is refused with one line that says where and what, word for word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import UserError
from auditor.snapshot import load_estate

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "bad"
SUB = "00000000-0000-0000-0000-000000000001"
VM = f"/subscriptions/{SUB}/resourceGroups/rg-bad/providers/Microsoft.Compute/virtualMachines/vm"


def message(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        load_estate([path])
    return str(caught.value)


@pytest.mark.parametrize(("name", "expected"), [
    ("malformed.json",
     ":4: malformed JSON: trailing comma in object; fix the file or export it again"),
    ("unknown-envelope.json",
     (": unrecognised JSON shape: expected az graph query output, a Resource Graph or ARM REST "
      "response, a list of rows, a snapshot bundle, an ARM template, what-if output or a "
      "Terraform plan")),
    ("row-without-id.json",
     (": row 0: id: the row has no id; the auditor needs one row per resource with its id column "
      "(project id, name, type, properties), not a summary such as summarize count()")),
    ("row-without-type.json",
     (f": row 0: type: the row has no type, and its id '/subscriptions/{SUB}/resourceGroups/"
      "rg-bad' names no resource type; export rows with their type column (project id, name, "
      "type, properties)")),
    ("wrong-type-patch-mode.json",
     (": row 0: properties.osProfile.windowsConfiguration.patchSettings.patchMode: expected a "
      "string, got a number")),
    ("wrong-type-name.json", ": row 0: name: expected a string, got a number"),
    ("empty.json", ": the file is empty; expected a JSON export of Resource Graph rows"),
    ("nothing-usable",
     (": the directory holds no exports: no .json, .jsonl, .json.gz or .jsonl.gz files and no "
      "snapshot bundles")),
    ("missing.json", ": no such file or directory"),
    ("damaged.json.gz",
     (": the gzip stream is damaged (Compressed file ended before the end-of-stream marker was "
      "reached)")),
    ("azure-error.json",
     (": the file holds an Azure error response (AuthorizationFailed: The client does not have "
      "authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope "
      "'/providers/Microsoft.ResourceGraph'.), not rows; export again")),
])
def test_bad_input_fixtures(name: str, expected: str) -> None:
    assert message(BAD / name) == f"{BAD / name}{expected}"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("hello", ":1: this is not JSON: expected an object or an array"),
    ("\n\n  <html>", ":3: this is not JSON: expected an object or an array"),
    ('[{"id": "x",\n', (":2: malformed JSON: the text ends before the JSON is complete; fix the "
     "file or export it again")),
    ("[1, 2]", ": row 0: expected an object, got a number"),
    ('{"data": 5, "count": 1}', ": expected a list of rows"),
    ('{"count": {}, "data": []}', ": count: expected an integer or a string, got an object"),
    ('{"data": {"columns": [{"name": "id"}], "rows": [["a", "b"]]}}',
     ": row 0: a table row must have 1 values, one per column"),
    ('{"data": {"rows": []}}', ": data is an object but not a table with columns and rows"),
    (json.dumps([{"id": VM, "type": "microsoft.compute/virtualmachines",
                  "tags": {"env": {"nested": True}}}]),
     ": row 0: tags[...]: expected a boolean, a number or a string, got an object"),
    (json.dumps([{"id": VM, "type": "microsoft.compute/virtualmachines",
                  "properties": {"osProfile": {"windowsConfiguration": []}}}]),
     ": row 0: properties.osProfile.windowsConfiguration: expected an object, got an array"),
    (json.dumps([{"id": f"{VM}/patchInstallationResults/run",
                  "type": "microsoft.compute/virtualmachines/patchinstallationresults",
                  "properties": {"installedPatchCount": [3]}}]),
     ": row 0: properties.installedPatchCount: expected an integer or a string, got an array"),
    (json.dumps([{"id": f"/subscriptions/{SUB}/providers/Microsoft.Maintenance/"
                        "configurationAssignments/a",
                  "type": "microsoft.maintenance/configurationassignments",
                  "properties": {"resourceId": f"/subscriptions/{SUB}"}}]),
     (": row 0: properties.maintenanceConfigurationId: a configuration assignment needs "
      "maintenanceConfigurationId")),
    # A REST result body saved on its own names no machine, and `"error": null` is no error.
    ('{"status": "Succeeded", "assessmentActivityId": "0", "error": null}',
     (": unrecognised JSON shape: expected az graph query output, a Resource Graph or ARM REST "
      "response, a list of rows, a snapshot bundle, an ARM template, what-if output or a "
      "Terraform plan")),
])
def test_bad_json(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "export.json", text)
    assert message(path) == f"{path}{expected}"


def test_a_bad_line_in_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.jsonl",
                 f'{{"id": "{VM}", "type": "microsoft.compute/virtualmachines"}}\n{{"id": \n')
    assert message(path) == f"{path}: row 1: malformed JSON: the text ends before the JSON is " \
        "complete"


def test_an_archive_that_is_not_one(tmp_path: Path) -> None:
    path = write(tmp_path, "bundle.zip", b"PK but not really a zip")
    assert message(path) == f"{path}: not a readable archive (File is not a zip file)"


def test_utf16_that_does_not_decode(tmp_path: Path) -> None:
    path = write(tmp_path, "export.json", b"\xff\xfe[\x00\x00\xd8")  # a lone surrogate
    assert message(path) == f"{path}: not valid UTF-16 text (unexpected end of data)"


def test_no_input_at_all() -> None:
    with pytest.raises(UserError) as caught:
        load_estate([])
    assert str(caught.value) == (
        "nothing to read: no JSON exports or snapshot bundles were found; give files exported "
        "with az graph query, REST responses or a bundle")


def test_every_message_is_one_line() -> None:
    for path in sorted(BAD.iterdir()):
        assert "\n" not in message(path), path.name
