"""Two versions of the engine timed against each other in one process.

On a shared machine the same engine measures 10-15% apart from one process to the next
(where its compiled code and arrays land, what the neighbours do), more than most single
changes to the kernel are worth. This script imports both versions side by side, as
packages ``cxdsl_a`` and ``cxdsl_b`` copied into a scratch folder (cxdsl imports itself
relatively, so a copy under another name is a second, independent engine with its own numba
cache), and times them in turns on the benchmark journeys: CPU time of one thread per
customer, the order alternating every round, then the median of the paired ratios B/A.

    python benchmarks/compare_kernels.py fbd5329 HEAD      # two git revisions
    python benchmarks/compare_kernels.py HEAD .            # HEAD against the working tree

Each run compiles both kernels in a scratch folder it deletes afterwards (about 20 s each).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JOURNEYS = ("plain", "reference")


def materialise(version: str, folder: Path, name: str) -> None:
    """Package ``name`` in ``folder``: cxdsl at git revision ``version``, or the cxdsl of
    the working tree at path ``version``."""
    target = folder / name
    if Path(version).is_dir():
        shutil.copytree(Path(version) / "cxdsl", target,
                        ignore=shutil.ignore_patterns("__pycache__"))
        return
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", version, "cxdsl"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "cxdsl").rename(target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", help="git revision or folder of version A")
    ap.add_argument("b", help="git revision or folder of version B")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--customers", type=int, default=524_288)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxdsl-compare-") as scratch:
        compare(args, Path(scratch))


def compare(args, scratch: Path) -> None:
    versions = {"cxdsl_a": args.a, "cxdsl_b": args.b}
    for name, version in versions.items():
        materialise(version, scratch, name)
    sys.path.insert(0, str(scratch))
    packages = {name: importlib.import_module(name) for name in versions}
    engines = {name: importlib.import_module(name + ".sim.engine") for name in versions}
    models = {j: {name: pkg.load(HERE / f"{j}.cxj") for name, pkg in packages.items()}
              for j in JOURNEYS}
    for j in JOURNEYS:
        for name, eng in engines.items():
            eng.simulate_tallies(models[j][name], 10_000, 1, threads=1)  # compile or load
    n = args.customers
    times = {(name, j): [] for name in versions for j in JOURNEYS}
    for r in range(args.rounds):
        for j in JOURNEYS:
            for name in (list(versions) if r % 2 == 0 else list(versions)[::-1]):
                t0 = time.process_time()
                engines[name].simulate_tallies(models[j][name], n, 2024, threads=1)
                times[(name, j)].append(1e9 * (time.process_time() - t0) / n)
    print(f"A = {args.a}, B = {args.b}: CPU ns per customer, one thread, {args.rounds} rounds "
          f"of {n:,} customers")
    for j in JOURNEYS:
        a, b = times[("cxdsl_a", j)], times[("cxdsl_b", j)]
        paired = [y / x for x, y in zip(a, b)]
        print(f"  {j:10s} A {statistics.median(a):6.2f}  B {statistics.median(b):6.2f}  "
              f"B/A {statistics.median(paired):.3f} (paired rounds {min(paired):.3f}-"
              f"{max(paired):.3f})")


if __name__ == "__main__":
    main()
