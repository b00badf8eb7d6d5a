"""cxdsl: a declarative language for customer-experience journeys, its compiler and a fast
simulator.

    model = cxdsl.load("examples/saas_onboarding.cxj")   # or cxdsl.loads(text)
    result = cxdsl.simulate(model, customers=100_000, seed=42)
"""

from __future__ import annotations

from ._version import __version__
from .lang.api import check_text, load, loads, parse  # noqa: E402
from .lang.diagnostics import CompileError, Diagnostic  # noqa: E402


def __getattr__(name: str):
    if name == "simulate":
        from .sim.simulate import simulate  # lazy: the simulator loads numpy; when asked for

        return simulate
    raise AttributeError(f"module 'cxdsl' has no attribute {name!r}")


__all__ = ["CompileError", "Diagnostic", "check_text", "load", "loads", "parse", "simulate",
           "__version__"]
