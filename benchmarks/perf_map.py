"""Run the engine on a benchmark journey with its compiled functions named for ``perf``.

numba's machine code lives in anonymous memory, so ``perf report`` shows it as
``[JIT] tid …`` addresses. This script compiles the kernel afresh (into a temporary numba
cache: functions loaded from a cache keep no list of their symbols), writes
``/tmp/perf-PID.map`` — the start, size and name of every function of ``cxdsl.sim.kernel``
— which ``perf report`` reads for that process, then simulates. The map's sizes run to the
next function, so a function's share includes any padding after it.

    perf record -o kernel.data python benchmarks/perf_map.py plain 1e8
    perf report -i kernel.data --no-children --sort symbol

The share of each function (``_lanes``: the event loops it inlines; ``_leave``: the
advance and compaction; ``_draws``: drawn values; ``_holds``: conditions; ``_sum8``,
``_tally``: the tallies) is where the time of that journey goes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("journey", choices=("plain", "reference"))
    ap.add_argument("customers", type=float, help="customers to simulate, e.g. 1e8")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxdsl-perf-") as cache:
        os.environ["NUMBA_CACHE_DIR"] = cache  # before numba is imported: compile afresh
        run(args.journey, int(args.customers))


def function_addresses(module) -> dict[int, str]:
    """Start address → symbol of every compiled function of ``module``'s dispatchers."""
    found = {}
    for name in dir(module):
        for cres in getattr(getattr(module, name), "overloads", {}).values():
            library = cres.library
            for fn in library._final_module.functions:
                if not fn.is_declaration and (start := library.get_pointer_to_function(fn.name)):
                    found[start] = fn.name
    return found


def run(journey: str, customers: int) -> None:
    sys.path.insert(0, str(HERE.parent))
    import cxdsl
    from cxdsl.sim import engine, kernel

    model = cxdsl.load(HERE / f"{journey}.cxj")
    engine.simulate_tallies(model, 10_000, 1, threads=1)  # compile
    starts = function_addresses(kernel)
    ordered = sorted(starts)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as out:
        for start, end in zip(ordered, ordered[1:] + [ordered[-1] + 4096]):
            out.write(f"{start:x} {min(end - start, 1 << 20):x} {starts[start]}\n")
    print(f"{len(ordered)} functions mapped in /tmp/perf-{os.getpid()}.map", file=sys.stderr)
    t0 = time.process_time()
    engine.simulate_tallies(model, customers, 2024, threads=1)
    ns = 1e9 * (time.process_time() - t0) / customers
    print(f"{journey}: {ns:.2f} ns of CPU per customer, one thread, {customers:,} customers")


if __name__ == "__main__":
    main()
