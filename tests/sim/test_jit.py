"""The simulator's functions loaded from numba's cache in a new process: loaded leanly
(without numba's whole CPU target) and giving what the compiled functions give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cxdsl.sim import engine
from support import run_main

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "saas_onboarding.cxj")

#: Modules numba imports when it refreshes its whole CPU target, and a cached load does not
#: need: typed containers, NumPy's random generators, polynomials.
TARGET_ONLY_MODULES = ("numba.typed.typeddict", "numba.np.random.generator_core",
                       "numba.np.polynomial.polynomial_core")


def in_new_process(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=300)


def test_a_warm_process_loads_the_kernel_without_numbas_whole_target():
    engine.warm_up()  # the cache holds the kernel: this process compiled or loaded it
    probe = ("import sys; from cxdsl.sim import engine; engine.warm_up(); "
             f"print([m for m in {TARGET_ONLY_MODULES!r} if m in sys.modules])")
    out = in_new_process("-c", probe)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_kernel_loaded_from_the_cache_gives_what_the_compiled_one_gives(capsys, tmp_path):
    # a forecast's worlds and a sweep's points: the parallel kernel and every table it reads
    for argv in (["run", EXAMPLE, "-n", "20000", "--worlds", "20", "--json"],
                 ["sweep", EXAMPLE, "-n", "20000", "--worlds", "4", "--json"],
                 ["compare", EXAMPLE, "-n", "20000", "--worlds", "8", "--json"]):
        code, here, err = run_main(capsys, *argv)
        assert code in (0, 1), err
        out = in_new_process("-m", "cxdsl", *argv)
        assert out.returncode == code, out.stderr
        assert json.loads(out.stdout) == json.loads(here), argv
    # the respondent table, simulated customer by customer
    code, _, err = run_main(capsys, "sample", EXAMPLE, "-n", "3000", "-o",
                            str(tmp_path / "here.csv"))
    assert code == 0, err
    out = in_new_process("-m", "cxdsl", "sample", EXAMPLE, "-n", "3000", "-o",
                         str(tmp_path / "there.csv"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "there.csv").read_bytes() == (tmp_path / "here.csv").read_bytes()
