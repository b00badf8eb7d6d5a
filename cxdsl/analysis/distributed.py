"""Running analysis work on a Dask distributed cluster (the optional ``cxdsl[dask]`` extra).

    with connect(scheduler="tcp://10.0.0.5:8786") as ex:     # or connect(local=4)
        result = analysis.sweep(model, executor=ex)

The analysis functions hand an executor independent tasks — a group of sweep points, or a
few variants to run block by block — and get their tallies back in order. Every draw is
keyed by (seed, stream, persona, customer) and the kernel's float sums are exact, so a
point's tallies do not depend on which worker ran it with how many threads: a cluster run
gives the same numbers as a local one, to the last bit.

Workers need the same cxdsl version installed (checked when connecting). Dask is imported
only here, only when a cluster is asked for; without it the error says how to install it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence

from .._version import __version__

#: Seconds to wait for a scheduler (and for its first worker) before giving up; the
#: environment variable CXDSL_DASK_TIMEOUT overrides it for the command line.
CONNECT_TIMEOUT = 10.0

INSTALL_HINT = "install it with: pip install 'cxdsl[dask]'"


class DistributedError(RuntimeError):
    """The cluster cannot be used: Dask missing, scheduler unreachable, no workers,
    workers with another cxdsl version, or the cluster lost during the run."""


class AddressError(DistributedError):
    """A scheduler address that is not one: a usage mistake, found before connecting."""


#: schemes a Dask scheduler listens on; all but inproc need a host and a port
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_HOST_PORT = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9._-]+))"
                        r":(?P<port>\d{1,5})")


def check_address(scheduler: str) -> str:
    """The address to connect to (``tcp://`` added when no scheme is given); raises
    :class:`AddressError` at once for one that cannot be an address, so a typo is not a
    wait for a connection that cannot happen."""
    address = scheduler.strip()
    example = "e.g. tcp://10.0.0.5:8786 or 10.0.0.5:8786"
    if not address:
        raise AddressError(f"--scheduler needs an address, {example}")
    if "://" not in address:
        address = "tcp://" + address
    scheme, _, where = address.partition("://")
    if scheme not in _SCHEMES:
        raise AddressError(f"--scheduler '{scheduler}': unknown scheme '{scheme}://' "
                           f"(one of {', '.join(s + '://' for s in _SCHEMES)})")
    if scheme == "inproc":
        if not where:
            raise AddressError(f"--scheduler '{scheduler}': no address after inproc://")
        return address
    m = _HOST_PORT.fullmatch(where)
    if m is None or not 1 <= int(m.group("port")) <= 65535:
        raise AddressError(f"--scheduler '{scheduler}': not a HOST:PORT address "
                           f"({example})")
    return address


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """distributed's own logging silenced: its reconnection attempts and tracebacks are
    pages of noise around the one message a command prints."""
    logger = logging.getLogger("distributed")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old)


def _import_distributed():
    try:
        import distributed  # noqa: F401  # lazy: the optional cxdsl[dask] extra
    except ImportError:
        raise DistributedError("Dask distributed is not installed; " + INSTALL_HINT) from None
    return distributed


def parse_local(spec: str) -> int | None:
    """``local`` (one worker per core) or ``local:N`` → N (None for one per core); raises
    DistributedError for anything else."""
    m = re.fullmatch(r"local(?::(\d+))?", spec.strip())
    if not m:
        raise DistributedError(f"--dask '{spec}': write local or local:N (N workers)")
    if m.group(1) is None:
        return None
    n = int(m.group(1))
    if n < 1:
        raise DistributedError(f"--dask '{spec}': a local cluster needs at least 1 worker")
    return n


def _worker_version() -> str:
    return __version__


class DaskExecutor:
    """Runs tasks ``fn(*args)`` on a Dask cluster and returns their results in order.

    ``parallelism``: worker threads of the cluster (tasks are split to keep them busy);
    ``task_threads``: numba threads each task may use (1 on a local cluster, whose workers
    share this machine's cores; None elsewhere: all of the worker's cores)."""

    def __init__(self, client, cluster=None, task_threads: int | None = None):
        self.client = client
        self.cluster = cluster
        self.task_threads = task_threads

    @property
    def parallelism(self) -> int:
        try:
            info = self.client.scheduler_info()
            return max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        except Exception:  # pragma: no cover - the scheduler went away
            return 1

    def map(self, fn: Callable, tasks: Sequence[tuple],
            progress: Callable[[list[int]], None] | None = None) -> list:
        from distributed import as_completed  # lazy: the optional cxdsl[dask] extra

        futures = [self.client.submit(fn, *args, pure=False) for args in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        done: list[int] = []
        task_error: BaseException | None = None
        try:
            with _quiet():
                for fut in as_completed(futures, loop=self.client.loop):
                    if fut.status == "error":
                        try:
                            fut.result()  # raises the task's exception here
                        except BaseException as exc:
                            task_error = exc
                            raise
                    done.append(index[fut.key])
                    if progress is not None:
                        progress(done)
                return [f.result() for f in futures]
        except BaseException as exc:
            self._cancel(futures)
            if exc is task_error or not isinstance(exc, Exception):
                raise  # the task's own error, or Ctrl-C
            raise DistributedError("the Dask cluster was lost during the run: its "
                                   "scheduler or workers went away "
                                   f"({type(exc).__name__})") from None

    def _cancel(self, futures) -> None:
        with _quiet(), contextlib.suppress(Exception):
            self.client.cancel(futures)

    def close(self) -> None:
        """Close the client and the local cluster, if any; a cluster already gone is no
        error (nothing is left to close)."""
        with _quiet():
            try:
                with contextlib.suppress(Exception):
                    self.client.close(timeout=5)
            finally:
                if self.cluster is not None:
                    with contextlib.suppress(Exception):
                        self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(scheduler: str | None = None, local: int | None | bool = None, *,
            processes: bool = True, timeout: float = CONNECT_TIMEOUT) -> DaskExecutor:
    """An executor on the scheduler at ``scheduler`` (``tcp://host:port`` or
    ``host:port``), or on a new local cluster (``local``: the number of workers, or True
    for one per core; ``processes=False`` keeps the workers in this process, as threads).

    Raises :class:`AddressError` at once for a malformed address, and
    :class:`DistributedError` when Dask is missing, when nothing answers at the address
    within ``timeout`` seconds, or when the workers run another cxdsl."""
    address = check_address(scheduler) if scheduler is not None else None
    _import_distributed()
    from distributed import Client  # lazy: the optional cxdsl[dask] extra

    cluster = None
    if address is not None:
        try:
            with _quiet():
                client = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except Exception as exc:
            raise DistributedError(f"cannot reach the Dask scheduler at {scheduler} "
                                   f"within {timeout:g} s ({_reason(exc)})") from None
        task_threads = None
    else:
        from distributed import LocalCluster  # lazy: the optional cxdsl[dask] extra

        n = (os.cpu_count() or 1) if local in (None, True) else int(local)
        try:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster, set_as_default=False)
        except Exception as exc:
            if cluster is not None:
                cluster.close()
            raise DistributedError(f"cannot start a local Dask cluster: {_reason(exc)}"
                                   ) from None
        task_threads = 1
    executor = DaskExecutor(client, cluster, task_threads)
    try:
        _check_workers(executor, timeout)
    except BaseException:
        executor.close()
        raise
    return executor


def _check_workers(executor: DaskExecutor, timeout: float) -> None:
    client = executor.client
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        raise DistributedError(f"the Dask scheduler has no workers (waited {timeout:g} s)"
                               ) from None
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise DistributedError("the Dask workers cannot import cxdsl; install cxdsl "
                               f"{__version__} on every worker ({_reason(exc)})") from None
    other = sorted({v for v in versions.values() if v != __version__})
    if other:
        raise DistributedError(f"the Dask workers run cxdsl {', '.join(other)}, this is "
                               f"{__version__}; install the same version everywhere")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def connect_timeout() -> float:
    """:data:`CONNECT_TIMEOUT`, or the seconds in CXDSL_DASK_TIMEOUT when that is set."""
    raw = os.environ.get("CXDSL_DASK_TIMEOUT")
    if not raw:
        return CONNECT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise DistributedError(f"CXDSL_DASK_TIMEOUT={raw!r} is not a number of seconds"
                               ) from None
    if not (value > 0 and value < 1e6):
        raise DistributedError(f"CXDSL_DASK_TIMEOUT={raw!r} must be a positive number of "
                               "seconds")
    return value


def from_options(scheduler: str | None, dask: str | None, *,
                 timeout: float | None = None) -> DaskExecutor | None:
    """The executor the command-line options ``--scheduler`` / ``--dask`` ask for (None for
    neither)."""
    timeout = connect_timeout() if timeout is None else timeout
    if scheduler and dask:
        raise DistributedError("give --scheduler or --dask, not both")
    if scheduler:
        return connect(scheduler=scheduler, timeout=timeout)
    if dask:
        n = parse_local(dask)
        return connect(local=True if n is None else n, timeout=timeout)
    return None


__all__ = ["AddressError", "DistributedError", "DaskExecutor", "check_address", "connect",
           "from_options", "parse_local", "CONNECT_TIMEOUT"]
