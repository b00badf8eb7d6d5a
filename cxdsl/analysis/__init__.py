"""Analyses built from many simulations: scenario comparison with paired intervals, sweeps,
moments of truth, and running them on a Dask cluster.
"""
