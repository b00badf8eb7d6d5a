"""numba, for the simulator's compiled functions: import it from here.

numba builds its CPU target the first time a compiled function is called or loaded from its
cache, importing its implementations of NumPy. One of them, ``numba.np.arraymath``, imports
``scipy.linalg`` at import time (0.2 s of CPU, a sixth of a warm ``cxdsl run``) only to
choose between BLAS and a plain loop for ``np.correlate`` and ``np.convolve`` in compiled
code, which no function of cxdsl calls. This module imports it once with ``scipy.linalg``
hidden, so that choice falls on the loop and scipy is not imported for it. Everything else
that needs BLAS (``np.dot``, ``np.linalg``) asks for scipy when it is compiled
(``numba.np.linalg.ensure_blas``), so it still works.
"""

from __future__ import annotations

import sys

import numba

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

__all__ = ["numba"]
