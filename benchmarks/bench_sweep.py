"""Speed of a parameter sweep against one run of the same total number of customers.

    python benchmarks/bench_sweep.py            # 10,000 points x 10,000 customers vs 1e8
    python benchmarks/bench_sweep.py --quick    # 1,000 points x 10,000 customers vs 1e7
    python benchmarks/bench_sweep.py --points 2500 --customers 4000 --json
    python benchmarks/bench_sweep.py --forecast # 63 points x 200 worlds, 2e5 customers

The sweep goes through the whole API (:func:`cxdsl.analysis.sweep`: writing every point's
numbers into the kernel's tables, the batched kernel, the metrics of every point), the
single run through :func:`cxdsl.sim.simulate.simulate`. Timings are CPU time of this process
(``process_time``: with several threads it adds their time up), the candidates run in
turn ``--repeat`` times, and the median is reported. Target: the sweep takes at most 1.3x
the single run. The fixed cost per point is measured apart, as the sweep of the same grid
at one customer per point divided by its number of points.

``--forecast``: the grid's points are forecasts over ``--worlds`` worlds of the journey
with four uncertain values (those of ``bench_forecast.py``), ``--customers`` customers per
point split over the worlds, against one plain run of the same total customers.

Journey: ``benchmarks/reference.cxj`` (4 stages, 20 events, 2 personas); grid: ``glitch.p``
x ``Convert.advance``, as square as the number of points allows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import numba  # noqa: E402
from timing import interleaved  # noqa: E402

import cxdsl  # noqa: E402
from cxdsl import analysis  # noqa: E402
from cxdsl.sim import engine  # noqa: E402
from cxdsl.sim.simulate import simulate  # noqa: E402

JOURNEY = HERE / "reference.cxj"
SEED = 2024
UNCERTAIN = """
uncertain glitch.p ~ beta(5, 95)
uncertain demo.impact ~ uniform(1, 2)
uncertain enterprise.baseline ~ normal(7.5, 0.3)
uncertain Convert.advance ~ beta(50, 50)
"""


def grid(model, points: int) -> list[analysis.Axis]:
    a = max(1, int(math.isqrt(points)))
    while points % a:
        a -= 1
    b = points // a
    return [analysis.parse_vary(f"glitch.p=0:20%:{a}", model),
            analysis.parse_vary(f"Convert.advance=30%:70%:{b}", model)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1,000 points instead of 10,000 (about ten times faster)")
    ap.add_argument("--forecast", action="store_true",
                    help="forecast points (uncertain values) over --worlds worlds; "
                         "default 63 points x 200,000 customers")
    ap.add_argument("--worlds", type=int, default=200, help="worlds of --forecast")
    ap.add_argument("--points", type=int, default=None, help="grid points")
    ap.add_argument("--customers", type=int, default=None,
                    help="customers per point (default 10,000; 200,000 with --forecast)")
    ap.add_argument("--repeat", type=int, default=3, help="timings of each, interleaved")
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default all)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    points = args.points or (63 if args.forecast else 1_000 if args.quick else 10_000)
    n = args.customers or (200_000 if args.forecast else 10_000)
    model = cxdsl.load(JOURNEY)
    plain = model
    worlds = None
    if args.forecast:
        model = cxdsl.loads(JOURNEY.read_text(encoding="utf-8") + UNCERTAIN)
        plain = dataclasses.replace(model, uncertain=())
        worlds = args.worlds
    axes = grid(model, points)
    assert math.prod(len(a.values) for a in axes) == points
    fixed_n = worlds or 1

    engine.warm_up()
    simulate(plain, customers=10_000, seed=SEED)          # metrics and lowering warm too
    analysis.sweep(model, axes[:1], file_sweeps=False, customers=fixed_n, seed=SEED,
                   worlds=worlds)

    total = points * n
    got = interleaved({
        "run": lambda: simulate(plain, customers=total, seed=SEED, threads=args.threads),
        "sweep": lambda: analysis.sweep(model, axes, file_sweeps=False, customers=n,
                                        seed=SEED, threads=args.threads, worlds=worlds),
        "fixed": lambda: analysis.sweep(model, axes, file_sweeps=False, customers=fixed_n,
                                        seed=SEED, threads=args.threads, worlds=worlds),
    }, args.repeat)
    t_run, t_sweep, t_over = got["run"], got["sweep"], got["fixed"]
    figures = {
        "journey": JOURNEY.name, "points": points, "customers_per_point": n,
        "worlds": worlds, "total_customers": total,
        "threads": args.threads or numba.config.NUMBA_NUM_THREADS,
        "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "load": os.getloadavg()[0], "repeat": args.repeat,
        "single_run_cpu_s": round(t_run, 3), "sweep_cpu_s": round(t_sweep, 3),
        "ratio": round(t_sweep / t_run, 3),
        "fixed_ms_per_point": round(1000 * t_over / points, 4),
        "target_ratio": 1.3,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        kind = f"forecast points over {worlds} worlds" if worlds else "points"
        print(f"journey {JOURNEY.name}, {figures['threads']} threads on "
              f"{figures['cores']} cores, load {figures['load']:.1f}; CPU seconds, "
              f"medians of {args.repeat} interleaved")
        print(f"one run of {total:,} customers      {t_run:8.3f} s")
        print(f"sweep of {points:,} {kind} x {n:,}   {t_sweep:8.3f} s   "
              f"ratio {t_sweep / t_run:.2f} (target <= 1.3)")
        print(f"fixed cost per point ({fixed_n} customer(s) each)  "
              f"{1000 * t_over / points:.3f} ms")
    return 0 if t_sweep <= 1.3 * t_run else 1


if __name__ == "__main__":
    sys.exit(main())
