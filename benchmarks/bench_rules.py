"""Time rule evaluation against a hand-written loop, and a whole `auditor audit` run.

    python benchmarks/bench_rules.py FILE_OR_BUNDLE

The three reference rules: AUM002 (scheduled VMs use Customer Managed Schedules), AUM001
(periodic assessment on) and AUM004 (no failed installation in 30 days). Each measurement
after the first table runs in a fresh process, like bench_load.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

RULES = "AUM001,AUM002,AUM004"
AS_OF = "2026-11-16T06:00:00Z"  # the generator's capture time


def hand_written(snapshot, as_of) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The three rules as a plain Python loop over the same model, producing the same job's
    output: one (rule, resource, outcome, message) record per machine and rule, with a
    message for each failure. The floor to compare the engine with."""
    findings = []
    cutoff = as_of - timedelta(days=30)
    configurations = snapshot.configurations
    for machine in snapshot.machines:
        patch = machine.patch
        mode = patch.assessment_mode
        findings.append(("AUM001", machine.id, "pass", "") if mode == "AutomaticByPlatform"
                        else ("AUM001", machine.id, "fail",
                              f"assessmentMode={mode}; expected AutomaticByPlatform"))
        scheduled = machine.kind == "azureVm" and any(
            (c := configurations.get(cov.configuration_key)) is not None
            and (c.maintenance_scope or "").lower() == "inguestpatch"
            for cov in snapshot.coverage.get(machine.key, ()))
        if not scheduled:
            findings.append(("AUM002", machine.id, "not_applicable", "not scheduled"))
        elif patch.mode == "AutomaticByPlatform" \
                and patch.bypass_platform_safety_checks_on_user_schedule:
            findings.append(("AUM002", machine.id, "pass", ""))
        else:
            findings.append(("AUM002", machine.id, "fail",
                             f"patchMode={patch.mode}, bypassPlatformSafetyChecksOnUserSchedule="
                             f"{patch.bypass_platform_safety_checks_on_user_schedule}; expected "
                             "AutomaticByPlatform with bypass true"))
        failed = [run for run in snapshot.installations.get(machine.key, ())
                  if run.status == "Failed" and run.start_date_time is not None
                  and run.start_date_time >= cutoff]
        findings.append(("AUM004", machine.id, "fail",
                         f"{len(failed)} failed run(s), the latest {failed[0].start_date_time}")
                        if failed else ("AUM004", machine.id, "pass", ""))
    failing = {"AUM001": 0, "AUM002": 0, "AUM004": 0}
    for rule, _, outcome, _ in findings:
        failing[rule] += outcome == "fail"
    return failing


def in_process(path: Path) -> None:
    from auditor.audit import compile_rules
    from auditor.config import Config
    from auditor.engine.evaluate import evaluate
    from auditor.rules.load import load_rules
    from auditor.snapshot import load_estate

    start = time.perf_counter()
    snapshot = load_estate([path])
    loaded = time.perf_counter() - start
    as_of = datetime.fromisoformat(AS_OF)
    start = time.perf_counter()
    expected = hand_written(snapshot, as_of)
    loop = time.perf_counter() - start
    rules = [r for r in load_rules(True) if r.id in RULES.split(",")]
    compiled = compile_rules(rules, Config())
    start = time.perf_counter()
    findings, _ = evaluate([(c, c.rule.severity) for c in compiled], snapshot, as_of)
    engine = time.perf_counter() - start
    got = {rule: sum(1 for f in findings if f.rule_id == rule and f.outcome == "fail")
           for rule in expected}
    print(f"| load + normalize | {loaded:.2f} | |")
    print(f"| hand-written loop, 3 rules | {loop:.2f} | 1.00x |")
    print(f"| engine, 3 rules (findings for every machine) | {engine:.2f} | {engine / loop:.2f}x |")
    print(f"\nfailing per rule: engine {got}, loop {expected}"
          + ("" if got == expected else "  << MISMATCH"))


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    print("| measurement | seconds | vs loop |\n|---|---:|---:|")
    in_process(args.path)
    if args.path.is_file():
        orjson = timed([sys.executable, "-c", "import orjson,sys; "
                        f"orjson.loads(open({str(args.path)!r}, 'rb').read())"])
    with tempfile.TemporaryDirectory() as out:
        whole = timed([sys.executable, "-m", "auditor", "audit", str(args.path), "--select",
                       RULES, "--as-of", AS_OF, "--format", "json", "--output-dir", out])
    print("\n| whole run | seconds | vs orjson.loads |\n|---|---:|---:|")
    if args.path.is_file():
        print(f"| orjson.loads (own process, gc on) | {orjson:.2f} | 1.00x |")
        print(f"| auditor audit --select {RULES} --format json | {whole:.2f} | "
              f"{whole / orjson:.2f}x |")
    else:
        print(f"| auditor audit --select {RULES} --format json | {whole:.2f} | |")


if __name__ == "__main__":
    main()
