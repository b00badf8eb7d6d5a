"""Speed of a parameter sweep against one run of the same total number of customers.

    python benchmarks/bench_sweep.py            # 10,000 points x 10,000 customers vs 1e8
    python benchmarks/bench_sweep.py --quick    # 1,000 points x 10,000 customers vs 1e7
    python benchmarks/bench_sweep.py --points 2500 --customers 4000 --json

The sweep goes through the whole API (:func:`cxdsl.analysis.sweep`: building every point's
model, lowering, the batched kernel, the metrics of every point), the single run through
:func:`cxdsl.sim.simulate.simulate`. Target: the sweep takes at most 2x the single run. The
per-point overhead is measured apart, as the sweep of the same grid at one customer per
point divided by its number of points (target: about a millisecond at most).

Journey: ``benchmarks/reference.cxj`` (4 stages, 20 events, 2 personas); grid: ``glitch.p``
x ``Convert.advance``, as square as the number of points allows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import numba  # noqa: E402

import cxdsl  # noqa: E402
from cxdsl import analysis  # noqa: E402
from cxdsl.sim import engine  # noqa: E402
from cxdsl.sim.simulate import simulate  # noqa: E402

JOURNEY = HERE / "reference.cxj"
SEED = 2024


def grid(model, points: int) -> list[analysis.Axis]:
    a = max(1, int(math.isqrt(points)))
    while points % a:
        a -= 1
    b = points // a
    return [analysis.parse_vary(f"glitch.p=0:20%:{a}", model),
            analysis.parse_vary(f"Convert.advance=30%:70%:{b}", model)]


def timed(fn, repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1,000 points instead of 10,000 (about ten times faster)")
    ap.add_argument("--points", type=int, default=None, help="grid points")
    ap.add_argument("--customers", type=int, default=10_000, help="customers per point")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many timings")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    points = args.points or (1_000 if args.quick else 10_000)
    n = args.customers
    model = cxdsl.load(JOURNEY)
    axes = grid(model, points)
    assert math.prod(len(a.values) for a in axes) == points

    engine.warm_up()
    simulate(model, customers=10_000, seed=SEED)          # metrics and lowering warm too
    analysis.sweep(model, axes[:1], file_sweeps=False, customers=10, seed=SEED)

    total = points * n
    t_run = timed(lambda: simulate(model, customers=total, seed=SEED), args.repeat)
    t_sweep = timed(lambda: analysis.sweep(model, axes, file_sweeps=False, customers=n,
                                           seed=SEED), args.repeat)
    t_over = timed(lambda: analysis.sweep(model, axes, file_sweeps=False, customers=1,
                                          seed=SEED), args.repeat)
    figures = {
        "journey": JOURNEY.name, "points": points, "customers_per_point": n,
        "total_customers": total, "threads": numba.config.NUMBA_NUM_THREADS,
        "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "single_run_s": round(t_run, 3), "sweep_s": round(t_sweep, 3),
        "ratio": round(t_sweep / t_run, 3),
        "overhead_ms_per_point": round(1000 * t_over / points, 4),
        "target_ratio": 2.0,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"journey {JOURNEY.name}, {figures['threads']} threads on "
              f"{figures['cores']} cores")
        print(f"one run of {total:,} customers      {t_run:8.3f} s")
        print(f"sweep of {points:,} points x {n:,}   {t_sweep:8.3f} s   "
              f"ratio {t_sweep / t_run:.2f} (target <= 2)")
        print(f"overhead per point (1 customer each)  {1000 * t_over / points:.3f} ms")
    return 0 if t_sweep <= 2 * t_run else 1


if __name__ == "__main__":
    sys.exit(main())
