"""The simulator: lowering a model to flat tables, the counter-based RNG, the numba kernel and
its wrapper, the reference and exact engines, tallies, metrics and :func:`simulate`.
Imports the language and the model; numba is imported only by the kernel's modules.
"""
