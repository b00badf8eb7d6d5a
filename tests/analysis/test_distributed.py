"""Sweeps, comparisons and mot on a Dask cluster give the local results to the last bit;
an unreachable scheduler fails fast and clearly, writing nothing."""

from __future__ import annotations

import builtins
import json
import socket
import time

import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.analysis.distributed import DistributedError, connect, parse_local
from support import invoke, write

distributed = pytest.importorskip("distributed")

SPEC = """\
persona a share=60% baseline=normal(7, 1) value=100
persona b share=40% baseline=8 value=300
stage S advance=60% slope=0.3
stage T
event e p=50% impact=+2 at S
event f p=20% impact=uniform(-4, -1) at T
event g p=30% impact=+1 at T when f
scenario more { e.p = 80% }
scenario bot { event chat p=10% impact=+1 at S }
sweep e.p from 0% to 100% step 25%
sweep S.advance in [40%, 60%]
"""


@pytest.fixture(scope="module")
def cluster():
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None, silence_logs=logging.ERROR) as c:
        yield c


@pytest.fixture(scope="module")
def executor(cluster):
    ex = connect(scheduler=cluster.scheduler_address)
    yield ex
    ex.close()


@pytest.fixture
def spec(tmp_path):
    return write(tmp_path, "j.cxj", SPEC)


def test_identical_to_local(executor):
    model = cxdsl.loads(SPEC)
    kw = {"customers": 9000, "seed": 4}
    assert executor.parallelism == 2
    assert (analysis.sweep(model, executor=executor, **kw).to_dict()
            == analysis.sweep(model, **kw).to_dict())
    assert (analysis.compare(model, executor=executor, **kw).to_dict()
            == analysis.compare(model, **kw).to_dict())
    assert (analysis.mot(model, executor=executor, tornado_by=0.2, **kw).to_dict()
            == analysis.mot(model, tornado_by=0.2, **kw).to_dict())


def test_exact_engine_on_the_cluster(executor):
    model = cxdsl.loads(SPEC.replace("normal(7, 1)", "7").replace("uniform(-4, -1)", "-2"))
    assert (analysis.sweep(model, engine="exact", executor=executor).to_dict()
            == analysis.sweep(model, engine="exact").to_dict())


def test_cli_scheduler(cluster, spec):
    args = ["sweep", str(spec), "-n", "5000", "--json"]
    local = invoke(*args)
    remote = invoke(*args, "--scheduler", cluster.scheduler_address)
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.output) == json.loads(local.output)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler(spec, tmp_path, monkeypatch):
    monkeypatch.setenv("CXDSL_DASK_TIMEOUT", "2")
    target = tmp_path / "out.csv"
    start = time.monotonic()
    out = invoke("sweep", spec, "-n", "1000", "-o", target,
                 "--scheduler", f"tcp://127.0.0.1:{_free_port()}")
    assert time.monotonic() - start < 10
    assert out.exit_code == 2, out.output
    assert "cannot reach the Dask scheduler" in out.output
    assert "nothing written" in out.output and "Traceback" not in out.output
    assert not target.exists()


def test_missing_dask_is_explained(spec, monkeypatch):
    real_import = builtins.__import__

    def no_dask(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "distributed" or name.startswith("distributed.")):
            raise ImportError("No module named 'distributed'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    out = invoke("compare", spec, "--dask", "local:1")
    assert out.exit_code == 2
    assert "pip install 'cxdsl[dask]'" in out.output


def test_parse_local():
    assert parse_local("local") is None
    assert parse_local("local:3") == 3
    for bad in ("remote", "local:0", "local:x", "local:"):
        with pytest.raises(DistributedError):
            parse_local(bad)
    out = invoke("mot", "x.cxj", "--dask", "locl")
    assert out.exit_code in (1, 2)  # x.cxj does not exist: reported before the cluster


def test_bad_dask_option(spec):
    out = invoke("mot", spec, "--dask", "locl:2")
    assert out.exit_code == 2 and "local or local:N" in out.output


@pytest.mark.parametrize("address", ["bogus", "tcp://", ":::", "tcp://host:99999",
                                     "http://host:8786", "[::1]:port", " "])
def test_a_malformed_address_is_a_usage_error_at_once(spec, address):
    start = time.monotonic()
    out = invoke("sweep", spec, "-n", "1000", "--scheduler", address)
    assert time.monotonic() - start < 2
    assert out.exit_code == 2, out.output
    assert "--scheduler" in out.output and "Traceback" not in out.output


def test_through_the_entry_point_one_line_and_no_traceback(spec, cxdsl_cli, monkeypatch):
    """Malformed and unreachable, as a user runs it: no 'Exception ignored in
    Client.__del__' when the process exits, no traceback, one message."""
    monkeypatch.setenv("CXDSL_DASK_TIMEOUT", "2")
    for address, wanted, most in (("bogus", "not a HOST:PORT address", 10),
                                  (f"127.0.0.1:{_free_port()}", "cannot reach", 15)):
        start = time.monotonic()
        r = cxdsl_cli("sweep", spec, "-n", "1000", "--scheduler", address, timeout=60)
        assert time.monotonic() - start < most, address
        assert r.returncode == 2, r.stderr
        assert wanted in r.stderr
        assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr


def _closing_at_first_progress(monkeypatch):
    """Close each executor's cluster as soon as its first task is done, as when the
    scheduler is killed in the middle of a run."""
    from cxdsl.analysis.distributed import DaskExecutor

    real_map = DaskExecutor.map

    def map_then_lose(self, fn, tasks, progress=None):
        def lose(done):
            if len(done) == 1:
                self.cluster.close()
            if progress is not None:
                progress(done)
        return real_map(self, fn, tasks, lose)

    monkeypatch.setattr(DaskExecutor, "map", map_then_lose)


def test_a_cluster_lost_during_a_sweep_is_one_clear_error(monkeypatch):
    _closing_at_first_progress(monkeypatch)
    model = cxdsl.loads(SPEC)
    ex = connect(local=2, processes=False, timeout=10)
    start = time.monotonic()
    with pytest.raises(DistributedError, match="lost during the run"):
        analysis.sweep(model, [analysis.parse_vary("e.p=0:1:60", model)], customers=2000,
                       executor=ex)
    ex.close()
    assert time.monotonic() - start < 30


def test_a_cluster_lost_during_a_command(spec, tmp_path, monkeypatch, capsys):
    from cxdsl.analysis import distributed as dist

    _closing_at_first_progress(monkeypatch)
    monkeypatch.setattr(dist, "from_options", lambda scheduler, dask, **kw: connect(
        local=2, processes=False, timeout=10))
    target = tmp_path / "out.csv"
    out = invoke("sweep", spec, "--vary", "e.p=0:1:60", "-n", "2000", "-o", target,
                 "--dask", "local:2")
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert lines == [lines[0]] and "lost during the run" in lines[0], out.output
    assert "nothing written" in lines[0] and not target.exists()
