"""Shared test fixtures. Keep this file small: plain helpers that several test modules use
live in support.py, and those that only one module needs live in that module."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def cxdsl_cli():
    """Run the ``cxdsl`` command line in a subprocess, as a user would.

    ``cxdsl_cli("check", "x.cxj", input=b"...", cwd=...)`` returns the
    ``CompletedProcess`` (stdout and stderr as text)."""

    def run(*args: str, input: bytes | None = None, cwd: str | os.PathLike | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("CXDSL_DEBUG", None)
        proc = subprocess.run([sys.executable, "-m", "cxdsl", *map(str, args)], input=input,
                              capture_output=True, cwd=cwd, env=env, timeout=timeout)
        return subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))

    return run
