"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 nothing failing at or above --fail-on; 1 findings at or above it (with
--fail-on-new, only those not failing in the baseline); 2 bad input
or bad rules; 3 internal error, or Azure Resource Graph kept failing; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import NoReturn

from auditor import TOOL_NAME, __version__
from auditor.collect.errors import ServiceError
from auditor.collect.request import add_arguments as collect_arguments
from auditor.collect.request import stray_flags
from auditor.errors import UserError
from auditor.files import replacing
from auditor.planned.context import add_arguments as planned_arguments

EXIT_OK, EXIT_FINDINGS, EXIT_USER, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
SEVERITIES = ("critical", "high", "medium", "low", "info")


def example_estate() -> Path:
    """The bundled example estate (a snapshot bundle inside the package)."""
    return Path(str(resources.files("auditor").joinpath("examples/estate")))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="auditor", description="Policy-as-code compliance "
                                   "auditor for Azure Update Manager.")
    root.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    collect = commands.add_parser("collect", help="write a snapshot of the estate from Azure "
                                  "Resource Graph")
    collect_arguments(collect, output=True)

    inspect = commands.add_parser("inspect", help="list the machines in an export and what "
                                  "was loaded")
    _inputs(inspect)
    inspect.add_argument("--format", choices=("table", "csv", "json"), default="table")
    planned_arguments(inspect, subscription=True)

    audit = commands.add_parser("audit", help="judge an estate with the rules")
    _inputs(audit)
    audit.add_argument("--rules", action="append", type=Path, default=[], metavar="PATH",
                       help="a rule file or directory to add (repeatable)")
    audit.add_argument("--no-builtin-rules", action="store_true",
                       help="use only the rules given with --rules")
    audit.add_argument("--config", type=Path, help="auditor.yaml (default: ./auditor.yaml)")
    audit.add_argument("--preset", help="baseline or pre-deployment")
    audit.add_argument("--select", default="", metavar="IDS",
                       help="comma-separated rule ids or tag:NAME")
    audit.add_argument("--format", default="json", metavar="FORMATS",
                       help="comma-separated: json (default), html (report.html), "
                            "md (summary.md), sarif (results.sarif), junit (junit.xml), "
                            "csv (findings.csv)")
    audit.add_argument("--output-dir", type=Path, default=Path("auditor-results"))
    audit.add_argument("--fail-on", choices=SEVERITIES,
                       help="exit 1 when a finding at or above this severity fails "
                            "(default: low, or failOn in the config)")
    audit.add_argument("--baseline", type=Path, metavar="PREVIOUS_RESULTS.json",
                       help="an earlier results.json: mark each failing finding new or "
                            "unchanged, and list those resolved since")
    audit.add_argument("--fail-on-new", action="store_true",
                       help="with --baseline: only failing findings that are new fail the run")
    audit.add_argument("--history", type=Path, metavar="DIR",
                       help="a folder of earlier results.json files: the HTML report charts "
                            "compliance over time")
    audit.add_argument("--collect", action="store_true",
                       help="first collect a snapshot from Azure Resource Graph, then judge it")
    collect_arguments(audit, output=False)
    audit.add_argument("--planned", action="append", type=Path, default=[], metavar="FILE",
                       help="a template, what-if output or Terraform plan to lay over the "
                            "inputs (the live snapshot): the results say what the change does")
    audit.add_argument("--fail-on-unknown", action="store_true",
                       help="exit 1 when a verdict at or above --fail-on is unknown until "
                            "deployment")
    planned_arguments(audit, subscription=False)

    rules = commands.add_parser("rules", help="list, show and validate rules")
    actions = rules.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the rules, one per line")
    listing.add_argument("--rules", action="append", type=Path, default=[], metavar="PATH")
    show = actions.add_parser("show", help="a rule's documentation")
    show.add_argument("id")
    show.add_argument("--rules", action="append", type=Path, default=[], metavar="PATH")
    validate = actions.add_parser("validate", help="check rule files; every error is listed")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    actions.add_parser("schema", help="print where the rule JSON Schema is installed")
    return root


def _inputs(command: argparse.ArgumentParser) -> None:
    command.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                         help="exported JSON files, snapshot bundles or directories")
    command.add_argument("--example", action="store_true",
                         help="add the bundled example estate to the inputs")
    command.add_argument("--as-of", type=_timestamp, metavar="ISO8601",
                         help="judge as of this time instead of the snapshot's capture time")


def _timestamp(text: str) -> datetime:
    from auditor.snapshot.coerce import to_time
    try:
        value = to_time(text)
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time such as "
                                         f"2026-11-16T06:00:00Z, got {text!r}")
    return value


def _paths(args: argparse.Namespace) -> list[Path]:
    paths = list(args.paths) + ([example_estate()] if args.example else [])
    if not paths:
        raise UserError("give at least one export, bundle or directory (or --example)")
    return paths


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as stream:
        stream.write(data)


def cmd_collect(args: argparse.Namespace) -> int:
    print(_collect(args, args.output))
    return EXIT_OK


def _collect(args: argparse.Namespace, output: Path) -> str:
    """Collect into `output`; the line saying what was written."""
    from auditor.collect.progress import Progress
    from auditor.collect.request import request_from
    from auditor.collect.run import collect
    return collect(request_from(args, output), Progress(verbose=args.verbose)).line()


def cmd_inspect(args: argparse.Namespace) -> int:
    from auditor import inventory
    from auditor.audit import as_of_for
    from auditor.planned.context import context_from
    from auditor.snapshot import load_estate
    snapshot = load_estate(_paths(args), context=context_from(args))
    as_of, source = as_of_for(snapshot, args.as_of, datetime.now(UTC))
    lines = inventory.machine_lines(snapshot, as_of)
    if args.format == "json":
        sys.stdout.write(inventory.as_json(lines, snapshot, as_of, source))
    elif args.format == "csv":
        sys.stdout.write(inventory.as_csv(lines))
    else:
        sys.stdout.write(inventory.as_table(lines) + "\n")
        sys.stdout.write(inventory.summary_text(snapshot, as_of, source))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from auditor.audit import AuditRequest, run_audit
    from auditor.config import find_config, load_config
    from auditor.engine.baseline import only_new
    from auditor.history import with_earlier
    from auditor.report import RENDERERS, changes, github_annotations
    from auditor.report.terminal import gate, summary
    from auditor.rules.spec import Severity
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown or not formats:
        raise UserError(f"unknown format {', '.join(unknown) or '(none)'}; known: "
                        f"{', '.join(RENDERERS)}")
    if args.fail_on_new and args.baseline is None:
        raise UserError("--fail-on-new needs --baseline PREVIOUS_RESULTS.json to tell new "
                        "findings from old ones")
    config = load_config(find_config(args.config, Path()))
    if args.collect:
        snapshot = args.snapshot or args.output_dir / "snapshot.zip"
        print(_collect(args, snapshot))
        args.paths = [*args.paths, snapshot]
    elif stray := [f for f in stray_flags(args) if f not in _planned_flags(args)]:
        raise UserError(f"{', '.join(stray)} {'is a' if len(stray) == 1 else 'are'} collection "
                        f"flag{'s' * (len(stray) > 1)}; add --collect to collect first")
    elif args.snapshot:  # with --planned: the live snapshot the change is laid over
        args.paths = [*args.paths, args.snapshot]
    from auditor.planned.context import context_from
    request = AuditRequest(
        inputs=_paths(args) if args.paths or args.example or not args.planned else [],
        rule_paths=args.rules, builtin_rules=not args.no_builtin_rules,
        config=config, preset=args.preset,
        select=tuple(s.strip() for s in args.select.split(",") if s.strip()), as_of=args.as_of,
        planned=args.planned, context=context_from(args),
        require_planned=bool(args.resource_group or args.location or args.parameters
                             or (args.subscription and not args.collect)))
    if args.no_builtin_rules and not args.rules:
        raise UserError("--no-builtin-rules needs at least one --rules PATH")
    result = with_earlier(run_audit(request, datetime.now(UTC)), args.baseline, args.history)
    written = []
    for name in formats:
        render, file_name = RENDERERS[name]
        target = args.output_dir / file_name
        write_atomic(target, render(result))
        written.append(target)
    threshold = Severity(args.fail_on) if args.fail_on else config.fail_on or Severity.LOW
    gated = only_new(result) if args.fail_on_new else result
    if os.environ.get("GITHUB_ACTIONS"):
        sys.stdout.write(github_annotations.render(result))
    sys.stdout.write(summary(result, threshold, written, args.fail_on_unknown))
    sys.stdout.write(changes.terminal_lines(result, threshold, args.fail_on_new))
    return gate(gated, threshold, args.fail_on_unknown)


def _planned_flags(args: argparse.Namespace) -> tuple[str, ...]:
    """Collection flags that also serve a pre-deployment check: with --planned, --snapshot
    names the live snapshot and --subscription the planned resources' subscription (so does
    --subscription beside --resource-group, --location or --parameters)."""
    if args.planned:
        return ("--subscription", "--snapshot")
    if args.resource_group or args.location or args.parameters:
        return ("--subscription",)
    return ()


def cmd_rules(args: argparse.Namespace) -> int:
    from auditor.report import terminal
    from auditor.rules.load import load_rules
    if args.action == "schema":
        print(resources.files("auditor").joinpath("schemas/rule.schema.json"))
        return EXIT_OK
    if args.action == "validate":
        from auditor.engine.examples import example_problems
        from auditor.errors import UserErrors
        rules = load_rules(False, args.paths)
        problems = [problem for rule in rules for problem in example_problems(rule)]
        if problems:
            raise UserErrors(problems)
        examples = sum(len(rule.docs.examples) for rule in rules)
        print(f"{len(rules)} rule(s) valid; {examples} example(s) give their stated outcomes")
        return EXIT_OK
    rules = load_rules(True, args.rules)
    if args.action == "list":
        sys.stdout.write(terminal.rule_list(rules))
        return EXIT_OK
    chosen = [rule for rule in rules if rule.id.upper() == args.id.upper()
              or rule.name == args.id]
    if not chosen:
        raise UserError(f"no rule '{args.id}'; `auditor rules list` shows them all")
    sys.stdout.write(terminal.rule_docs(chosen[0]))
    return EXIT_OK


COMMANDS = {"collect": cmd_collect, "inspect": cmd_inspect, "audit": cmd_audit, "rules": cmd_rules}


def run() -> NoReturn:
    """The console script and `python -m auditor`: main, then leave without tearing the
    interpreter down. A large audit leaves millions of records behind; freeing them one by
    one takes longer than writing a report, and the system takes the memory back at once.
    Output is flushed first, and the auditor needs no exit handlers."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away: what it missed is not ours to report
        pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as error:
        sys.stdout.flush()
        print(error, file=sys.stderr)
        return EXIT_USER
    except ServiceError as error:  # not our bug: no traceback
        sys.stdout.flush()
        print(error, file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception:
        traceback.print_exc()
        print(f"internal error in {TOOL_NAME} {__version__}: please report it with the "
              "traceback above", file=sys.stderr)
        return EXIT_INTERNAL
