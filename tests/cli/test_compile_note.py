"""The one-line note on stderr while numba compiles the simulator, terminal or not."""

from __future__ import annotations

import numba
from numba.core import event

from cxdsl.cli import common
from cxdsl.sim import kernel, rng


def _compile(dispatcher) -> None:
    with event.trigger_event("numba:compile", data={"dispatcher": dispatcher}):
        pass


def test_the_note_is_said_once_when_a_cached_function_of_the_package_compiles(capsys):
    common.announce_compiling()
    common.announce_compiling()  # idempotent: one listener
    common._compile_note[0].said = False
    try:
        _compile(numba.njit(lambda x: x))  # not ours: silent
        _compile(rng.uniforms_nb)  # ours, but not cached (compiles in a moment): silent
        assert capsys.readouterr().err == ""
        _compile(kernel.simulate_blocks)
        _compile(kernel.simulate_blocks)
        assert capsys.readouterr().err == common.COMPILING_NOTE + "\n"
    finally:
        common._compile_note[0].said = True
