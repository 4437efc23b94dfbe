"""The three ratios of issue 15, measured in one run and printed side by side with their targets:

    make bench
    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fee_center .venv/bin/python benchmarks/ratios.py \
    #         [--accounts 10000] [--duration 15] [--skip-night | --skip-load]

| ratio | target |
|---|---|
| the whole night / the honest full bare-SQL floor (benchmarks/night.py + night_floor.py) | <= 3x |
| checkouts (create + pay) per second / `/health/` requests per second (benchmarks/load.py) | >= 0.15x |

A checkout is measured as the API offers it in one call (POST .../orders/ with tenders: created and paid in
one transaction); the same checkout in two calls (create, then pay) is printed beside it.
| ingestion rows per second / raw `COPY` rows per second (benchmarks/load.py) | >= 10 % |

Each benchmark runs as a subprocess, one after the other (never at the same time: they would slow each other),
with its own database; their output streams through, and their figures are parsed from what they print:
the night's last line (`night_seconds=... full_floor_seconds=... night_vs_full=...`), and load.py's table
(the `health` and `checkout` rows' units/s) and its "ingestion is N% of COPY" line, or `key=value` tokens
(`checkout_vs_health=`, `ingestion_vs_copy=`) if it prints them. The load average is printed beside each
figure: on a shared machine the ratios are what compare, not the absolute times. Exit status 0 when all three
targets are met, 1 otherwise, 2 when a benchmark failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"night": ("<=", 3.0), "checkout": (">=", 0.15), "ingestion": (">=", 0.10)}


def run(command: list[str]) -> tuple[int, str, float, float]:
    """Run a benchmark, streaming its output; returns (exit status, output, load before, load after)."""
    before = os.getloadavg()[0]
    print("$ " + " ".join(command), flush=True)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        print("    " + line, end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines), before, os.getloadavg()[0]


def tokens(output: str) -> dict[str, str]:
    """Every `key=value` token of the output (the last one wins)."""
    return dict(re.findall(r"\b([a-z0-9_]+)=([-+0-9.eE]+|nan)\b", output))


def night_ratio(output: str) -> tuple[float, str]:
    found = tokens(output)
    ratio = float(found["night_vs_full"])
    detail = (f"night {float(found['night_seconds']):.2f} s / full floor {float(found['full_floor_seconds']):.2f} s"
              f" (allocation-only floor {float(found['alloc_floor_seconds']):.2f} s: "
              f"{float(found['night_vs_alloc']):.2f}x; {found['rows']} rows, chunks of {found['chunk_size']}, "
              f"peak {found['peak_mb']} MB)")
    return ratio, detail


def load_ratios(output: str) -> dict[str, tuple[float, str]]:
    found = tokens(output)
    rates = {m.group(1): float(m.group(2))
             for m in re.finditer(r"^(health|checkout-2|checkout|ingestion)\s+([0-9.]+)\s", output, re.MULTILINE)}
    result: dict[str, tuple[float, str]] = {}
    if "checkout_vs_health" in found and "health" in rates and "checkout" in rates:
        two = (f"; in two calls (create, then pay) {rates['checkout-2']:.1f}/s = "
               f"{float(found.get('checkout2_vs_health', 0)):.3f}x" if "checkout-2" in rates else "")
        result["checkout"] = (float(found["checkout_vs_health"]),
                              f"{rates['checkout']:.1f} one-call checkouts/s / {rates['health']:.1f} health req/s"
                              + two)
    elif "checkout_vs_health" in found:
        result["checkout"] = (float(found["checkout_vs_health"]), "as printed by load.py")
    elif "health" in rates and "checkout" in rates and rates["health"]:
        result["checkout"] = (rates["checkout"] / rates["health"],
                              f"{rates['checkout']:.1f} checkouts/s / {rates['health']:.1f} health req/s")
    copy = re.search(r"ingestion is ([0-9.]+)% of COPY", output)
    detail = re.search(r"= ([0-9,]+) rows/s; raw COPY of the same ([0-9,]+) rows: ([0-9,]+) rows/s", output)
    text = f"{detail.group(1)} rows/s / COPY {detail.group(3)} rows/s" if detail else "as printed by load.py"
    if "ingestion_vs_copy" in found:
        value = float(found["ingestion_vs_copy"])
        result["ingestion"] = (value / 100 if value > 1 else value, text)
    elif copy:
        result["ingestion"] = (float(copy.group(1)) / 100, text)
    return result


def met(name: str, value: float) -> bool:
    op, target = TARGETS[name]
    return value <= target if op == "<=" else value >= target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000, help="night benchmark size (default 10,000)")
    parser.add_argument("--duration", type=float, default=15.0, help="load.py seconds per phase")
    parser.add_argument("--skip-night", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL (the PostgreSQL server the benchmarks create their own databases on).")

    figures: dict[str, tuple[float, str, str]] = {}  # name -> (ratio, detail, load)
    failed = False
    if not args.skip_night:
        status, output, before, after = run([sys.executable, "benchmarks/night.py", "--accounts",
                                             str(args.accounts), "--skip-rerun"])
        if status == 0 and "night_vs_full=" in output:
            ratio, detail = night_ratio(output)
            figures["night"] = (ratio, detail, f"{before:.1f} -> {after:.1f}")
        else:
            failed = True
    if not args.skip_load:
        status, output, before, after = run([sys.executable, "benchmarks/load.py", "--duration",
                                             str(args.duration)])
        parsed = load_ratios(output) if status == 0 else {}
        for name, (ratio, detail) in parsed.items():
            figures[name] = (ratio, detail, f"{before:.1f} -> {after:.1f}")
        failed = failed or status != 0 or len(parsed) < 2

    labels = {"night": "night / full floor", "checkout": "checkout / health", "ingestion": "ingestion / COPY"}
    print()
    print(f"{'ratio':<22}{'measured':>10}  {'target':<9}{'met':<5}{'load avg':<14}detail")
    for name, label in labels.items():
        if name not in figures:
            print(f"{label:<22}{'-':>10}  {' '.join(map(str, TARGETS[name])):<9}{'-':<5}{'':<14}not measured")
            continue
        ratio, detail, load = figures[name]
        shown = f"{ratio * 100:.1f} %" if name == "ingestion" else f"{ratio:.3f}x"
        op, target = TARGETS[name]
        target_text = f"{op} {target * 100:.0f} %" if name == "ingestion" else f"{op} {target}x"
        print(f"{label:<22}{shown:>10}  {target_text:<9}{'yes' if met(name, ratio) else 'NO':<5}{load:<14}{detail}")
    summary = " ".join(f"{name}={figures[name][0]:.4f}" for name in labels if name in figures)
    print(f"ratios {summary}")
    if failed:
        sys.exit(2)
    sys.exit(0 if all(met(n, figures[n][0]) for n in figures) and len(figures) == 3 else 1)


if __name__ == "__main__":
    main()
