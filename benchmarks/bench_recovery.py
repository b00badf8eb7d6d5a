"""CPU time of checking a spec with syntax errors, against its size.

    python benchmarks/bench_recovery.py [--repeat R]

Checks generated journeys of 6,000 and 24,000 events (about 0.4 and 1.6 MB) with 5 and 20
syntax errors spread evenly, interleaving the repeats, and prints the median CPU seconds of
each and their ratio. Target: the ratio stays under 6 (recovery near linear in the size);
parsing the whole file again after each error made it about 16."""

from __future__ import annotations

import argparse
import statistics
import time

from cxdsl.lang import api


def journey(events: int, errors: int) -> str:
    lines = ['persona a "A" share=100% baseline=7', "stage S advance=50%", "stage T"]
    every = events // errors
    for i in range(events):
        broken = i % every == every // 2
        lines.append(f'event e{i} "Label number {i} of the journey" p=5% impact=-1 at S'
                     + (" when" if broken else ""))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    specs = {"6,000 events, 5 errors": journey(6_000, 5),
             "24,000 events, 20 errors": journey(24_000, 20)}
    times: dict[str, list[float]] = {name: [] for name in specs}
    for _ in range(args.repeat):
        for name, text in specs.items():
            start = time.process_time()
            comp = api.check_text(text, "bench.cxj")
            times[name].append(time.process_time() - start)
            assert comp.diagnostics.has_errors
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, text in specs.items():
        print(f"{name:28} {len(text) / 1e6:5.2f} MB  {medians[name]:6.2f} s CPU")
    small, large = medians.values()
    print(f"ratio {large / small:.2f} (target < 6)")


if __name__ == "__main__":
    main()
