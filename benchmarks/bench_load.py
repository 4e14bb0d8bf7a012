"""Time and measure loading an estate, every measurement in a fresh Python process.

    python benchmarks/bench_load.py FILE [--repeat 1]
    python benchmarks/bench_load.py --generate 100000 [--format azgraph|bundle] [--workdir DIR]

FILE is a single JSON document (an `az graph query -o json` file) or a snapshot bundle. Each
measurement runs in its own child process, so its peak RSS (ru_maxrss) is its own; imports
happen before the clock starts. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCUMENT_STEPS = {
    "read": "(a) read the file's bytes",
    "json": "(b) json.loads, gc on",
    "json-nogc": "(c) json.loads, gc disabled",
    "orjson": "(d) orjson.loads, gc on",
    "orjson-nogc": "(e) orjson.loads, gc disabled",
    "auditor": "(f) auditor load_estate (load + normalize)",
}
BUNDLE_STEPS = {
    "read": "(a) read every bundle file, decompressed",
    "auditor": "(f) auditor load_estate (load + normalize)",
}


def is_document(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".json"


def read_all(path: Path) -> int:
    """Read every byte the loader would read (gzip members decompressed); return the count."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    total = 0
    for file in files:
        with (gzip.open(file, "rb") if file.suffix == ".gz" else open(file, "rb")) as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
    return total


def child(step: str, path: Path) -> dict[str, Any]:
    """Run one measurement in this (fresh) process; return its result as a JSON-able dict."""
    out: dict[str, Any] = {}
    import orjson  # imported up front so no step pays for it on the clock

    if step == "baseline":
        t0 = time.perf_counter()
    elif step == "read":
        t0 = time.perf_counter()
        out["bytes"] = len(path.read_bytes()) if is_document(path) else read_all(path)
    elif step == "auditor":
        sys.path.insert(0, str(ROOT))
        try:
            from auditor.snapshot import load_estate
        except ImportError as exc:
            return {"unavailable": f"{type(exc).__name__}: {exc}"}
        t0 = time.perf_counter()
        try:
            snap = load_estate([path])
        except Exception as exc:  # a work in progress may fail: report it and go on
            return {"failed": f"{type(exc).__name__}: {exc}"}
        out["machines"] = len(snap.machines)
        out["installation runs"] = sum(len(v) for v in snap.installations.values())
        if hasattr(snap, "orphans"):
            out["orphans"] = snap.orphans.total()
    else:
        data = path.read_bytes()
        loads = orjson.loads if step.startswith("orjson") else json.loads
        if step.endswith("-nogc"):
            gc.disable()
        t0 = time.perf_counter()
        out["rows"] = len(loads(data)["data"])
    out["seconds"] = time.perf_counter() - t0
    out["maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    # The auditor reads a large document's later rows in a forked helper (its peak, apart).
    out["helper_maxrss_bytes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return out


def run_child(step: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", step,
                           str(path)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit code {proc.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(step: str, path: Path, repeat: int) -> dict[str, Any]:
    """Best time over `repeat` fresh processes, with the highest peak RSS seen."""
    runs = [run_child(step, path) for _ in range(repeat)]
    good = [r for r in runs if "seconds" in r]
    if not good:
        return runs[0]
    best = min(good, key=lambda r: r["seconds"])
    return {**best, "maxrss_bytes": max(r["maxrss_bytes"] for r in good),
            "helper_maxrss_bytes": max(r.get("helper_maxrss_bytes", 0) for r in good)}


def report(path: Path, repeat: int) -> None:
    steps = DOCUMENT_STEPS if is_document(path) else BUNDLE_STEPS
    results = {step: measure(step, path, repeat) for step in ["baseline", *steps]}
    size = int(results["read"].get("bytes") or 0)
    on_disk = path.stat().st_size if path.is_file() else sum(
        p.stat().st_size for p in path.rglob("*") if p.is_file())
    orjson_s = results.get("orjson", {}).get("seconds")
    kind = "single JSON document" if is_document(path) else "snapshot bundle (rows (b)-(e) " \
        "apply to single JSON documents only; sizes below are decompressed)"
    print(f"File: `{path.name}`, {kind}")
    print(f"Size: {size / 1e6:,.1f} MB read ({on_disk / 1e6:,.1f} MB on disk). Python "
          f"{platform.python_version()}, {repeat} run(s) each, best time, highest peak RSS.\n")
    print("| measurement | seconds | peak RSS MB | RSS / file size | time / orjson.loads time |")
    print("|---|---:|---:|---:|---:|")
    for step, label in steps.items():
        r = results[step]
        if "seconds" not in r:
            note = "not available" if "unavailable" in r else f"failed: {r['failed']}"
            print(f"| {label} | {note} | | | |")
            continue
        rss = r["maxrss_bytes"]
        ratio = f"{r['seconds'] / orjson_s:.2f}x" if orjson_s else "n/a"
        print(f"| {label} | {r['seconds']:.2f} | {rss / 1e6:,.0f} | "
              f"{rss / size if size else 0:.2f}x | {ratio} |")
    base = results["baseline"]
    if "maxrss_bytes" in base:
        print(f"\nPeak RSS includes the interpreter with json and orjson imported: "
              f"{base['maxrss_bytes'] / 1e6:,.0f} MB.")
    auditor = results["auditor"]
    if "machines" in auditor:
        extra = ", ".join(f"{k}: {auditor[k]:,}" for k in ("machines", "installation runs",
                                                          "orphans") if k in auditor)
        print(f"(f) loaded {extra}.")
        if auditor.get("helper_maxrss_bytes"):
            print(f"(f) the helper process that read the later rows peaked at "
                  f"{auditor['helper_maxrss_bytes'] / 1e6:,.0f} MB, apart from the table.")
    for step in ("json", "orjson"):
        if "rows" in results.get(step, {}):
            print(f"({'b' if step == 'json' else 'd'}) parsed {results[step]['rows']:,} rows.")
            break


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, help="a JSON document or a bundle folder")
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes per measurement")
    ap.add_argument("--generate", type=int, metavar="N",
                    help="first generate an estate of N machines into --workdir and measure it")
    ap.add_argument("--format", choices=["azgraph", "bundle"], default="azgraph",
                    help="what --generate writes")
    ap.add_argument("--workdir", type=Path, default=HERE / "data")
    args = ap.parse_args()
    if args.generate is not None:
        name = f"estate-{args.generate}" + (".json" if args.format == "azgraph" else "")
        args.file = args.workdir / name
        subprocess.run([sys.executable, str(HERE / "generate_estate.py"), str(args.generate),
                        str(args.file), "--format", args.format], check=True)
        print()
    if args.file is None:
        ap.error("give FILE or --generate N")
    if not args.file.exists():
        ap.error(f"{args.file} does not exist")
    report(args.file, max(1, args.repeat))


if __name__ == "__main__":
    main()
