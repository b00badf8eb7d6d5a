"""Speed of a forecast (a spec with uncertain values) against a plain run of the same total
number of customers.

    python benchmarks/bench_forecast.py                      # 200 worlds; 2e5 and 1e6
    python benchmarks/bench_forecast.py --customers 1e6 --repeat 9 --threads 1
    python benchmarks/bench_forecast.py --json

Both go through :func:`cxdsl.sim.simulate.simulate`: the forecast draws the worlds, writes
their draws into the tables, runs one kernel call with the customers split over the
worlds, and computes and combines the worlds' metrics over arrays; the plain run is the same journey
without its ``uncertain`` lines. Timings are CPU time of this process (``process_time``:
with several threads it adds their time up), the two runs interleaved, ``--repeat`` times
each, and the median is reported. Target: the forecast costs at most 1.3x the plain run at
10^6 customers. The fixed cost per world is measured apart, as the forecast at one customer
per world minus a plain run of as many customers, divided by the worlds, with its parts
(draws, the worlds' tables, packing, the kernel run, metrics and combining; and, for
comparison, what making and lowering a model per world would cost).

Journey: ``benchmarks/reference.cxj`` (4 stages, 20 events, 2 personas) with four
uncertain values: an event's ``p`` (beta), an impact (uniform, shifted), a persona's
baseline distribution (shifted) and a stage's ``advance`` (beta).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import numba  # noqa: E402
import numpy as np  # noqa: E402
from timing import interleaved  # noqa: E402

import cxdsl  # noqa: E402
from cxdsl.sim import engine, lower  # noqa: E402
from cxdsl.sim.forecast import combine_tallies  # noqa: E402
from cxdsl.sim.simulate import simulate  # noqa: E402
from cxdsl.sim.worlds import (  # noqa: E402
    WorldModels,
    world_draws,
    world_models,
    world_tables,
    world_values,
)

JOURNEY = HERE / "reference.cxj"
UNCERTAIN = """
uncertain glitch.p ~ beta(5, 95)
uncertain demo.impact ~ uniform(1, 2)
uncertain enterprise.baseline ~ normal(7.5, 0.3)
uncertain Convert.advance ~ beta(50, 50)
"""
SEED = 2024


def parts(model, worlds: int, repeat: int) -> dict[str, float]:
    """Median CPU milliseconds per world of each fixed-cost step of a forecast."""
    draws = world_draws(model, worlds, SEED)
    tables = world_tables(model, draws)
    models = WorldModels(model, draws)
    values = world_values(model, draws)
    tallies = engine.simulate_points(tables, worlds, SEED, threads=1,
                                     world_of=range(worlds))
    steps = {
        "draws": lambda: world_draws(model, worlds, SEED),
        "world tables": lambda: world_tables(model, draws),
        "packing": lambda: engine.pack(tables, SEED),
        "kernel run, 1 customer each": lambda: engine.simulate_points(
            tables, worlds, SEED, threads=1, world_of=range(worlds)),
        "metrics and combining": lambda: combine_tallies(tallies, models,
                                                         {"customers": worlds}, draws,
                                                         values),
        "(a model per world, lowered)": lambda: lower.lower_points(world_models(model,
                                                                               draws)),
    }
    got = interleaved(steps, repeat)
    return {k: 1000 * v / worlds for k, v in got.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worlds", type=int, default=200)
    ap.add_argument("--customers", type=float, nargs="+", default=[2e5, 1e6],
                    help="total customers of each comparison")
    ap.add_argument("--repeat", type=int, default=7, help="timings of each, interleaved")
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default all)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    model = cxdsl.loads(JOURNEY.read_text(encoding="utf-8") + UNCERTAIN)
    plain = dataclasses.replace(model, uncertain=())
    W = args.worlds

    engine.warm_up()
    simulate(model, customers=10 * W, seed=SEED, worlds=W)  # metrics and lowering warm too

    rows = []
    for n in (int(x) for x in args.customers):
        got = interleaved({
            "forecast": lambda n=n: simulate(model, customers=n, seed=SEED, worlds=W,
                                             threads=args.threads),
            "plain": lambda n=n: simulate(plain, customers=n, seed=SEED,
                                          threads=args.threads),
        }, args.repeat)
        rows.append({"customers": n, "forecast_s": round(got["forecast"], 4),
                     "plain_s": round(got["plain"], 4),
                     "ratio": round(got["forecast"] / got["plain"], 3)})
    fixed = interleaved({
        "forecast": lambda: simulate(model, customers=W, seed=SEED, worlds=W, threads=1),
        "plain": lambda: simulate(plain, customers=W, seed=SEED, threads=1),
    }, args.repeat)
    per_world = 1000 * (fixed["forecast"] - fixed["plain"]) / W
    steps = parts(model, W, args.repeat)
    figures = {"journey": JOURNEY.name, "worlds": W, "uncertain": len(model.uncertain),
               "threads": args.threads or numba.config.NUMBA_NUM_THREADS,
               "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "load": os.getloadavg()[0], "runs": rows,
               "fixed_ms_per_world": round(per_world, 4),
               "steps_ms_per_world": {k: round(v, 4) for k, v in steps.items()},
               "target_ratio_at_1e6": 1.3}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"journey {JOURNEY.name} + {len(model.uncertain)} uncertain values, {W} "
              f"worlds, {figures['threads']} threads on {figures['cores']} cores, load "
              f"{figures['load']:.1f}; CPU seconds, medians of {args.repeat} interleaved")
        for r in rows:
            print(f"{r['customers']:>12,} customers   forecast {r['forecast_s']:8.4f} s   "
                  f"plain {r['plain_s']:8.4f} s   ratio {r['ratio']:.2f}")
        print(f"fixed cost per world: {per_world:.4f} ms")
        for k, v in steps.items():
            print(f"  {k:30s} {v:8.4f} ms per world")
    big = [r for r in rows if r["customers"] >= 10 ** 6]
    return 0 if all(r["ratio"] <= 1.3 for r in big) else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
