"""Start-up: CPU and wall time of whole commands with a warm cache, as a user runs them.

    python benchmarks/bench_startup.py             # 9 interleaved rounds (a minute)
    python benchmarks/bench_startup.py --rounds 21

Each command runs in a process of its own (``python -m cxdsl …``), the commands taking
turns within a round; the figures are medians and ranges over the rounds, of the child's
user + system time (``os.wait4``) and its wall time. Before timing, the package's bytecode
is compiled (as ``pip install`` does) and every command runs once, so numba's cache and
the parser's cache are warm. ``PYTHONDONTWRITEBYTECODE`` is dropped from the commands'
environment: with it and without bytecode, every command would compile cxdsl's modules
again (about 0.09 s), which an installed package never does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from timing import cpu_model  # noqa: E402

#: (what it is, argv after ``python -m cxdsl``, target in seconds)
COMMANDS = (
    ("check, small spec", ["check", "examples/online_shop.cxj"], 0.25),
    ("check, saas spec", ["check", "examples/saas_onboarding.cxj"], 0.25),
    ("run -n 1e5", ["run", "-n", "1e5", "examples/online_shop.cxj"], 0.7),
    ("run -n 1e5, a forecast", ["run", "-n", "1e5", "examples/saas_onboarding.cxj"], None),
)


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def timed(argv: list[str], env: dict) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``python -m cxdsl ARGV`` run to its end."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cxdsl", *argv], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped here: Popen must not wait for it again
    if code not in (0, 1):
        sys.exit(f"cxdsl {' '.join(argv)} exited with {code}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds (median)")
    args = ap.parse_args()
    compileall.compile_dir(str(ROOT / "cxdsl"), quiet=1)
    env = child_env()
    for _, argv, _ in COMMANDS:  # warm numba's and the parser's caches
        timed(argv, env)
    cpu: dict = {name: [] for name, _, _ in COMMANDS}
    wall: dict = {name: [] for name, _, _ in COMMANDS}
    for _ in range(args.rounds):
        for name, argv, _ in COMMANDS:
            c, w = timed(argv, env)
            cpu[name].append(c)
            wall[name].append(w)
    print(f"cxdsl start-up: whole commands, warm caches, medians of {args.rounds} "
          "interleaved rounds (range)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; Python "
          f"{platform.python_version()}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{'command':<26} {'CPU s':>18} {'wall s':>18}  target")
    for name, _, target in COMMANDS:
        c, w = cpu[name], wall[name]
        verdict = "" if target is None else (
            f"< {target} s: {'met' if statistics.median(c) < target else 'not met'} (CPU)")
        print(f"{name:<26} {statistics.median(c):6.3f} ({min(c):.2f}–{max(c):.2f})"
              f" {statistics.median(w):6.3f} ({min(w):.2f}–{max(w):.2f})  {verdict}")


if __name__ == "__main__":
    main()
