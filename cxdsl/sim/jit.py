"""numba, for the simulator's compiled functions: import it from here.

numba builds its CPU target the first time a compiled function is called or loaded from its
cache, importing its implementations of NumPy. One of them, ``numba.np.arraymath``, imports
``scipy.linalg`` at import time (0.2 s of CPU, a sixth of a warm ``cxdsl run``) only to
choose between BLAS and a plain loop for ``np.correlate`` and ``np.convolve`` in compiled
code, which no function of cxdsl calls. This module imports it once with ``scipy.linalg``
hidden, so that choice falls on the loop and scipy is not imported for it. Everything else
that needs BLAS (``np.dot``, ``np.linalg``) asks for scipy when it is compiled
(``numba.np.linalg.ensure_blas``), so it still works.

:func:`njit` is ``numba.njit`` for the simulator's functions, with a leaner load from the
cache. numba refreshes its whole CPU target before it loads a cached function: it imports
and installs every implementation it has (typed containers, NumPy's random generators,
polynomials, datetimes) and its typing templates, 0.15–0.2 s of CPU in a warm
``cxdsl run``. A function loaded from the cache is machine code already linked with its
callees; what it needs of the target is numba's runtime (allocations) and the C helpers'
symbols, which numba registers when it is imported, and a parallel function starts its
threads through the hook it was cached with. So the cache here starts the runtime and
loads. A function that must be compiled (no cache yet, or a stale one) refreshes the whole
target as before, because numba's compiler does that itself. A numba whose cache lacks the
parts this subclass builds on gets numba's own cache.
"""

from __future__ import annotations

import sys

import numba
from numba.core.caching import FunctionCache
from numba.core.runtime import rtsys

_HIDDEN = "scipy.linalg"


def _import_arraymath_without_scipy() -> None:
    if "numba.np.arraymath" in sys.modules or _HIDDEN in sys.modules:
        return  # already chosen, or scipy.linalg already paid for: nothing to save
    sys.modules[_HIDDEN] = None  # type: ignore[assignment]  # its import raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401  # lazy: see the module docstring
    finally:
        del sys.modules[_HIDDEN]


_import_arraymath_without_scipy()


class _LeanLoadCache(FunctionCache):
    """numba's per-function cache, loading without refreshing the whole target."""

    def load_overload(self, sig, target_context):
        rtsys.initialize(target_context)  # what loaded code needs of the target's refresh
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)


#: Whether this numba's cache has what :class:`_LeanLoadCache` builds on.
_CAN_LOAD_LEANLY = all(hasattr(FunctionCache, name) for name in
                       ("_load_overload", "_guard_against_spurious_io_errors"))


def njit(*args, **options):
    """``numba.njit``, with :class:`_LeanLoadCache` as the cache when ``cache=True``."""
    if args:  # used bare, as ``@njit``
        return njit(**options)(*args)
    decorate = numba.njit(**options)
    if not (options.get("cache") and _CAN_LOAD_LEANLY):
        return decorate

    def decorate_leanly(py_func):
        dispatcher = decorate(py_func)
        dispatcher._cache = _LeanLoadCache(dispatcher.py_func)
        return dispatcher

    return decorate_leanly


__all__ = ["njit", "numba"]
