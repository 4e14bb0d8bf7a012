"""What to collect, as the command line says it; importing this module does not load the SDK."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from auditor.collect.errors import CollectError

CLOUD_NAMES = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")  # as `az cloud list`
AUTH_METHODS = ("default", "cli", "managed-identity", "environment", "workload-identity")
_GUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE)
_FLAGS = {"subscription": "--subscription", "management_group": "--management-group",
          "cloud": "--cloud", "auth": "--auth", "endpoint": "--endpoint", "scope": "--scope",
          "include_patches": "--include-patches", "snapshot": "--snapshot",
          "verbose": "--verbose"}


@dataclass(frozen=True, slots=True)
class Scope:
    """Explicit subscriptions, or management groups, or neither: every subscription readable."""

    subscriptions: tuple[str, ...] = ()
    management_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectRequest:
    """One collection: where to write, what to read, from which cloud, signed in how."""

    output: Path
    scope: Scope = Scope()
    cloud: str = "AzureCloud"
    endpoint: str | None = None
    token_scope: str | None = None
    auth: str = "default"
    include_patches: bool = False


def add_arguments(command: argparse.ArgumentParser, output: bool) -> None:
    """The collection flags; `output` adds `--output` (for collect), else `--snapshot`."""
    group = command.add_argument_group("collecting from Azure Resource Graph")
    group.add_argument("--subscription", action="append", default=[], metavar="ID",
                       help="a subscription id to read (repeatable, or comma-separated; "
                            "default: every subscription the identity can read)")
    group.add_argument("--management-group", action="append", default=[], metavar="ID",
                       help="a management group to read, instead of subscriptions (repeatable)")
    group.add_argument("--cloud", choices=CLOUD_NAMES,
                       help="the cloud: its endpoint, token scope and sign-in host "
                            "(default: AzureCloud)")
    group.add_argument("--auth", choices=AUTH_METHODS,
                       help="the credential to use (default: DefaultAzureCredential's chain)")
    group.add_argument("--endpoint", metavar="URL",
                       help="another ARM-compatible endpoint, such as Azure Stack Hub's; TLS "
                            "trust follows REQUESTS_CA_BUNDLE")
    group.add_argument("--scope", metavar="SCOPE",
                       help="the token scope to ask for (default: the cloud's, or URL/.default "
                            "with --endpoint)")
    group.add_argument("--include-patches", action="store_true",
                       help="also read one row per update (the softwarepatches rows)")
    group.add_argument("--verbose", action="store_true",
                       help="log every request on stderr (status, size, quota; never tokens)")
    if output:
        group.add_argument("--output", type=Path, default=Path("snapshot.zip"), metavar="FILE",
                           help="a .zip archive, or any other name for a folder "
                                "(default: snapshot.zip)")
    else:
        group.add_argument("--snapshot", type=Path, metavar="FILE",
                           help="where --collect writes the snapshot "
                                "(default: OUTPUT_DIR/snapshot.zip); with --planned and no "
                                "--collect, the live snapshot the change is laid over")


def request_from(args: argparse.Namespace, output: Path) -> CollectRequest:
    """The request the parsed flags describe, checked before anything touches the network."""
    subscriptions = _unique(args.subscription)
    groups = _unique(args.management_group)
    wrong = [s for s in subscriptions if not _GUID.fullmatch(s)]
    if wrong:
        raise CollectError(f"--subscription expects a subscription id such as "
                           f"00000000-0000-0000-0000-000000000000, got {wrong[0]!r}")
    if subscriptions and groups:
        raise CollectError("give --subscription or --management-group, not both: Resource "
                           "Graph reads one kind of scope per query")
    if args.scope and not args.scope.endswith("/.default"):
        raise CollectError(f"--scope should end in /.default, got {args.scope!r}")
    return CollectRequest(output, Scope(subscriptions, groups), args.cloud or "AzureCloud",
                          args.endpoint, args.scope, args.auth or "default",
                          args.include_patches)


def stray_flags(args: argparse.Namespace) -> list[str]:
    """Collection flags given to `audit` without `--collect`: a mistake, not to be ignored."""
    return [flag for name, flag in _FLAGS.items() if getattr(args, name, None)]


def _unique(values: list[str]) -> tuple[str, ...]:
    """Values from repeated and comma-separated flags, the first spelling of each kept."""
    seen: dict[str, str] = {}
    for value in values:
        for item in re.split(r"[\s,]+", value.strip()):
            if item:
                seen.setdefault(item.lower(), item)
    return tuple(seen.values())
