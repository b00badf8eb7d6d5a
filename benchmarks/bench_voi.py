"""CPU time of ``cxdsl voi`` on the SaaS example (5 uncertain values, 4 scenarios), split
into its parts: the simulation of every option in every world, and the estimators with
their bootstrap.

    python benchmarks/bench_voi.py               # medians of 3 interleaved repeats
    python benchmarks/bench_voi.py --repeats 5

The kernel is compiled (or loaded from numba's cache) before timing. Each repeat times
the whole analysis (``cxdsl.analysis.voi.voi`` with the command's defaults: 200 worlds,
50,000 customers per world) and, separately, the estimators on its per-world values.
Target: the whole command under 10 s of CPU on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

import numpy as np  # noqa: E402
from timing import cpu  # noqa: E402

import cxdsl  # noqa: E402
from cxdsl.analysis import voi as v  # noqa: E402
from cxdsl.sim import engine  # noqa: E402

SPEC = HERE.parent / "examples" / "saas_onboarding.cxj"


def estimators(model) -> None:
    """The estimators alone, on synthetic per-world values of the example's shape."""
    rng = np.random.default_rng(0)
    W, U, D = 200, len(model.uncertain), len(model.scenarios)
    draws = rng.uniform(0, 1, (W, U))
    y = draws.sum(axis=1) + rng.normal(0, 0.1, W)
    inb = draws[:, :D] - 0.5 + rng.normal(0, 0.1, (W, D))
    bases = [v.spline_basis(draws[:, u]) for u in range(U)]
    joint = v.joint_basis(bases, draws)
    with v.one_blas_thread():
        point = v.estimate(bases, joint, y, inb, np.zeros(W), direct=False)
        v.bootstrap(bases, joint, y, inb, np.zeros(W), False, v.BOOTSTRAP, 0,
                    point.lambdas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = cxdsl.load(SPEC)
    engine.warm_up()
    whole, parts = [], []
    for _ in range(args.repeats):  # interleaved: a slow spell of the machine hits both
        whole.append(cpu(lambda: v.voi(model)))
        parts.append(cpu(lambda: estimators(model)))
    print(f"voi, SaaS example (200 worlds, 10,000,000 customers): "
          f"{statistics.median(whole):.2f} s CPU (median of {args.repeats})")
    print(f"  of which the estimators with {v.BOOTSTRAP} bootstrap resamples: "
          f"{statistics.median(parts):.2f} s CPU")


if __name__ == "__main__":
    main()
