"""Helpers for the collector tests: a static credential, a fake clock, one-call collection."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from fakegraph import FakeResourceGraph, Pki, Row, load_rows

from auditor.cli import example_estate
from auditor.collect.paging import Policy
from auditor.collect.progress import Progress
from auditor.collect.request import CollectRequest, Scope
from auditor.collect.run import Summary, collect

SUB = "00000000-0000-0000-0000-000000000001"
EXAMPLE_ROWS = load_rows(example_estate())


class StaticTokenCredential:
    """Any object with get_token works; this one records the scopes it was asked for."""

    def __init__(self, token: str = "test-token") -> None:
        self.token, self.calls = token, list[tuple[str, ...]]()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)  # past the 300 s refresh window


class FakeClock:
    """`now` and `sleep` for the pager: sleeping advances time at once, and is recorded."""

    def __init__(self) -> None:
        self.time, self.sleeps = 1000.0, list[float]()

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.time += seconds


class Run:
    """One library-level collection against a fake, with everything a test may look at."""

    def __init__(self, pki: Pki, tmp_path: Path) -> None:
        self.pki, self.tmp_path = pki, tmp_path
        self.clock, self.credential = FakeClock(), StaticTokenCredential()
        self.stderr = io.StringIO()

    def __call__(self, fake: FakeResourceGraph, output: str = "snapshot.zip",
                 scope: Scope | None = None, policy: Policy | None = None,
                 include_patches: bool = False) -> Summary:
        request = CollectRequest(self.tmp_path / output, scope or Scope(), "AzureCloud",
                                 fake.base_url,
                                 include_patches=include_patches)
        return collect(request, Progress(self.stderr, live=False, verbose=True),
                       credential=self.credential, policy=policy or Policy(backoff=1.0),
                       client_options={"connection_verify": str(self.pki.ca),
                                       "use_env_settings": False},
                       clock=self.clock.now, sleep=self.clock.sleep)


def machines(count: int, subscriptions: Sequence[str] = (SUB,)) -> list[Row]:
    """`count` small VM rows, ids in order, spread over the subscriptions in turn."""
    rows = []
    for i in range(count):
        sub = subscriptions[i % len(subscriptions)]
        rows.append({"id": f"/subscriptions/{sub}/resourceGroups/rg-a/providers/"
                           f"Microsoft.Compute/virtualMachines/vm-{i:05d}",
                     "name": f"vm-{i:05d}", "type": "microsoft.compute/virtualmachines",
                     "subscriptionId": sub, "resourceGroup": "rg-a", "location": "westeurope",
                     "tags": {}, "properties": {"storageProfile": {"osDisk": {"osType": "Linux"}}}})
    return rows


def tables(resources: list[Row]) -> dict[str, list[Row]]:
    return {"resources": resources, "maintenanceresources": [],
            "patchassessmentresources": [], "patchinstallationresources": []}


def fake_az(directory: Path, token: str = "cli-token") -> Path:
    """A folder holding an `az` that answers `az account get-access-token` as the real CLI
    does, and appends its arguments to `az.log` beside it; put the folder first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "az"
    script.write_text(f"""#!{sys.executable}
import json, sys, time
with open({str(directory / "az.log")!r}, "a", encoding="utf-8") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
print(json.dumps({{"accessToken": {token!r}, "expires_on": int(time.time()) + 3600,
                  "expiresOn": "2099-01-01 00:00:00.000000", "tokenType": "Bearer",
                  "subscription": "{SUB}", "tenant": "00000000-0000-0000-0000-000000000000"}}))
""", encoding="utf-8")
    script.chmod(0o755)
    return directory


def cli_environment(pki: Pki, bin_dir: Path) -> dict[str, str]:
    """The environment for running the CLI against a fake: its CA trusted through
    REQUESTS_CA_BUNDLE, loopback never sent to a proxy, the fake `az` first on PATH."""
    return {"REQUESTS_CA_BUNDLE": str(pki.ca), "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
