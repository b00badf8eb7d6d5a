"""The checker's passes, in the order they run over one shared :class:`Context`.

Each pass is one module with one entry, ``run(ctx)``: it reads what the passes before it
left in the context and adds its part. A pass that finds the file too broken to go on
(no persona, after errors) sets ``ctx.stopped``; the passes after it do not run.

Conditions are checked with the event that owns them (:mod:`.conditions`), by the
declarations pass and, for the events a scenario adds, by the scenarios pass.
"""

from __future__ import annotations

from . import declarations, header, imports, lints, scenarios, surveys, sweeps, targets, uncertain
from .context import Context, Loader

PASSES = (
    imports.run,       # the file's statements with imports merged in
    header.run,        # journey, scale, customers, seed, volume, goal: at most once each
    declarations.run,  # personas, stages, events (and their conditions), `for` lines, goal
    surveys.run,       # named with the declarations; asked at a stage or at end
    targets.run,       # a survey's metrics name a survey
    scenarios.run,
    sweeps.run,
    uncertain.run,     # uncertain values and worlds
    lints.run,         # warnings about the checked model
)


def run_passes(ctx: Context) -> None:
    for apply in PASSES:
        apply(ctx)
        if ctx.stopped:
            return


__all__ = ["PASSES", "Context", "Loader", "run_passes"]
