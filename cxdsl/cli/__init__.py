"""The command line: the click entry point (:mod:`cxdsl.cli.main`) and one module per command,
each a thin layer over the Python API.
"""

from .main import main

__all__ = ["main"]
