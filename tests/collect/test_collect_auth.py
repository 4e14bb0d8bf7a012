"""Clouds and credentials: each cloud's endpoint and token scope, and what `--auth` picks.

No test asks a real credential for a token, except AzureCliCredential, which runs a fake `az`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from azure.identity import (
    AzureCliCredential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
)
from collect_support import SUB, StaticTokenCredential, cli_environment, fake_az, machines, tables
from fakegraph import Pki

from auditor.collect.client import credential_for, open_client, sender, target_for
from auditor.collect.errors import CollectError
from auditor.snapshot import load_estate


@pytest.mark.parametrize(("cloud", "base_url", "scope"), [
    ("AzureCloud", "https://management.azure.com", "https://management.azure.com/.default"),
    ("AzureUSGovernment", "https://management.usgovcloudapi.net",
     "https://management.core.usgovcloudapi.net/.default"),
    ("AzureChinaCloud", "https://management.chinacloudapi.cn",
     "https://management.chinacloudapi.cn/.default"),
])
def test_a_cloud_sets_both_the_endpoint_and_the_token_scope(
        cloud: str, base_url: str, scope: str) -> None:
    target = target_for(cloud)
    assert (target.name, target.base_url, target.scope) == (cloud, base_url, scope)


def test_an_endpoint_brings_its_own_scope_unless_one_is_given() -> None:
    stack = "https://management.local.azurestack.external/"
    assert target_for(endpoint=stack).scope == \
        "https://management.local.azurestack.external/.default"
    given = "https://management.adfs.azurestack.local/00000000-0000-0000-0000-000000000000/.default"
    assert target_for(endpoint=stack, scope=given).scope == given
    assert target_for(endpoint=stack).name == "https://management.local.azurestack.external"
    with pytest.raises(CollectError) as raised:
        target_for(endpoint="http://127.0.0.1:8080")
    assert str(raised.value) == "--endpoint must be an https:// URL, got 'http://127.0.0.1:8080'"


def test_the_government_scope_is_what_the_credential_is_asked_for(serve: Any, pki: Pki) -> None:
    fake = serve(tables(machines(1)))
    target = dataclasses.replace(target_for("AzureUSGovernment"), base_url=fake.base_url)
    credential = StaticTokenCredential()
    with open_client(credential, target, connection_verify=str(pki.ca),
                     use_env_settings=False) as client:
        reply = sender(client)({"query": "resources", "options": {"$top": 1}})
    assert reply.status == 200
    assert credential.calls == [("https://management.core.usgovcloudapi.net/.default",)]


@pytest.mark.parametrize(("auth", "kind"), [
    ("default", DefaultAzureCredential), ("cli", AzureCliCredential),
    ("managed-identity", ManagedIdentityCredential), ("environment", EnvironmentCredential),
])
def test_auth_picks_the_credential(auth: str, kind: type) -> None:
    credential = credential_for(auth, target_for("AzureUSGovernment"))  # constructed only
    assert isinstance(credential, kind)


def test_workload_identity_without_its_environment_is_a_user_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CollectError) as raised:
        credential_for("workload-identity", target_for())
    assert str(raised.value).startswith("--auth workload-identity: ")


def test_the_cli_credential_runs_az_and_its_token_reaches_the_service(
        serve: Any, pki: Pki, tmp_path: Path) -> None:
    fake = serve()
    bin_dir = fake_az(tmp_path / "bin")
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "collect", "--auth", "cli", "--endpoint",
         fake.base_url, "--subscription", SUB, "--output", "snap"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, **cli_environment(pki, bin_dir)})
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == ("wrote snap: 108 rows (resources 30, maintenanceresources 15, "
                           "patchassessmentresources 24, patchinstallationresources 39) in 4 "
                           "pages, 4 requests\n")
    resource = fake.base_url  # AzureCliCredential asks for the scope minus /.default
    assert (bin_dir / "az.log").read_text("utf-8").splitlines() == [
        f"account get-access-token --output json --resource {resource}"]
    assert {c.headers["authorization"] for c in fake.calls} == {"Bearer cli-token"}
    assert len(load_estate([tmp_path / "snap"]).machines) == 23  # of 44, in subscription 1
