"""Failures: one line naming the table and page, exit 2 when the user can fix it, 3 otherwise,
and never a half-written snapshot: whatever was at the output before stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from collect_support import Run, cli_environment, fake_az, machines, tables
from fakegraph import Pki, Reply, error, make_pki

from auditor import cli
from auditor.collect import run as run_module
from auditor.collect.errors import CollectError, ServiceError
from auditor.collect.paging import Policy

ROWS = machines(2500)
INVALID = Reply(400, body=error(
    "BadRequest", "Please provide below info when asking for support: timestamp = "
    "2026-11-16T06:00:00Z, correlationId = 00000000-0000-0000-0000-000000000000.",
    ("InvalidQuery", "Query is invalid. Please refer to the documentation for the Azure "
     "Resource Graph service and fix the error before retrying."),
    ("UnknownFunction", "Unknown function: 'projectt'.")))
DROPPED = {n: Reply(drop=True) for n in range(3, 30)}


def test_a_400_is_one_line_with_every_detail_and_is_not_retried(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: INVALID})
    with pytest.raises(CollectError) as raised:
        run(fake)
    assert str(raised.value) == (
        "resources, page 2: Resource Graph answered 400: (BadRequest) Please provide below "
        "info when asking for support: timestamp = 2026-11-16T06:00:00Z, correlationId = "
        "00000000-0000-0000-0000-000000000000.; (InvalidQuery) Query is invalid. Please refer "
        "to the documentation for the Azure Resource Graph service and fix the error before "
        "retrying.; (UnknownFunction) Unknown function: 'projectt'.")
    assert len(fake.calls) == 2
    assert list(run.tmp_path.iterdir()) == []


def test_a_403_says_which_role_is_missing(serve: Any, run: Run) -> None:
    denied = Reply(403, body=error("AuthorizationFailed", "The client does not have "
                                   "authorization to perform action "
                                   "'Microsoft.ResourceGraph/resources/read'."))
    fake = serve(tables(ROWS), script={1: denied})
    with pytest.raises(CollectError) as raised:
        run(fake)
    assert str(raised.value) == (
        "resources, page 1: Resource Graph answered 403: (AuthorizationFailed) The client does "
        "not have authorization to perform action 'Microsoft.ResourceGraph/resources/read'.; "
        "the identity needs the Reader role on every subscription or management group in scope")


def test_a_truncated_page_without_a_skip_token_is_an_error(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), truncated=["resources"])
    with pytest.raises(CollectError) as raised:
        run(fake)
    assert str(raised.value) == (
        "resources, page 1: Resource Graph returned 1000 of 2500 rows and no skip token to page "
        "on, so the snapshot would be incomplete; narrow the query: collect fewer subscriptions "
        "at a time (--subscription), and keep `id` projected and no limit, take or sample in "
        "the query")
    assert list(run.tmp_path.iterdir()) == []


def test_a_failed_sign_in_is_a_user_error(serve: Any, run: Run) -> None:
    def refuse(*scopes: str, **kwargs: Any) -> Any:
        raise ClientAuthenticationError("AzureCliCredential: Please run 'az login' to set up "
                                        "an account\nmore detail on a second line")
    run.credential.get_token = refuse  # type: ignore[method-assign]
    fake = serve(tables(ROWS))
    with pytest.raises(CollectError) as raised:
        run(fake)
    assert str(raised.value) == ("resources, page 1: sign-in failed: AzureCliCredential: "
                                 "Please run 'az login' to set up an account")
    assert fake.calls == []


def test_an_untrusted_certificate_is_a_user_error(
        serve: Any, run: Run, tmp_path_factory: pytest.TempPathFactory) -> None:
    fake = serve(tables(ROWS))
    run.pki = make_pki(tmp_path_factory.mktemp("another-ca"))  # trusts some other CA only
    with pytest.raises(CollectError) as raised:
        run(fake)
    assert str(raised.value) == ("resources, page 1: the endpoint's TLS certificate is not "
                                 "trusted; set REQUESTS_CA_BUNDLE to a file holding its "
                                 "certificate authority")
    assert fake.calls == []


@pytest.mark.parametrize("output", ["snapshot.zip", "snapshot"])
def test_a_connection_lost_midway_leaves_the_earlier_snapshot_as_it_was(
        serve: Any, run: Run, output: str) -> None:
    first = run(serve(tables(machines(10))), output=output)
    before = sorted((p.relative_to(run.tmp_path), p.read_bytes())
                    for p in run.tmp_path.rglob("*") if p.is_file())
    fake = serve(tables(ROWS), script=DROPPED)
    with pytest.raises(ServiceError) as raised:
        run(fake, output=output, policy=Policy(attempts=3, backoff=1.0))
    assert str(raised.value).startswith("resources, page 3: connection failed (")
    assert str(raised.value).endswith("), still after 3 attempts; try again later")
    after = sorted((p.relative_to(run.tmp_path), p.read_bytes())
                   for p in run.tmp_path.rglob("*") if p.is_file())
    assert after == before  # no staging left behind either
    assert [p.name for p in run.tmp_path.iterdir()] == [first.path.name]


def cli_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pki: Pki,
            tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """`auditor ARGS` in this process, signed in through a fake `az`, with short backoffs."""
    for name, value in cli_environment(pki, fake_az(tmp_path / "bin")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(run_module, "Policy", lambda: Policy(backoff=0.001))
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_exits_3_with_one_line_when_the_service_keeps_failing(
        serve: Any, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    previous = tmp_path / "snapshot.zip"
    previous.write_bytes(b"last week's snapshot")
    fake = serve(tables(ROWS), script=DROPPED)
    code, out, err = cli_run(monkeypatch, capsys, pki, tmp_path, "collect", "--auth", "cli",
                             "--endpoint", fake.base_url, "--output", str(previous))
    assert code == 3
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("resources, page 3: connection failed (")
    assert previous.read_bytes() == b"last week's snapshot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "snapshot.zip"]


def test_the_cli_exits_2_with_one_line_on_a_bad_request(
        serve: Any, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake = serve(tables(ROWS), script={1: INVALID})
    code, out, err = cli_run(monkeypatch, capsys, pki, tmp_path, "audit", "--collect",
                             "--auth", "cli", "--endpoint", fake.base_url,
                             "--output-dir", str(tmp_path / "results"))
    assert (code, out) == (2, ""), err
    assert err.startswith("resources, page 1: Resource Graph answered 400: (BadRequest) ")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "results").exists()
