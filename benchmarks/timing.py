"""The timing every benchmark here shares: CPU time, and candidates run in turns."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable


def cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of this process spent in ``fn()``."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def interleaved(candidates: dict, rounds: int, clock=time.process_time) -> dict:
    """Median seconds of each candidate over ``rounds`` rounds, the candidates taking
    turns within a round (so a change in the machine's load hits them all alike).
    ``clock``: CPU time of this process by default."""
    times: dict = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def cpu_model() -> str:
    """The machine's CPU model, as /proc/cpuinfo names it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
