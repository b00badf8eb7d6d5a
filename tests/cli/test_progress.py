"""The progress bar: made once and updated safely from the analyses' worker threads, gone
before any later output, and every long command run many times with stderr a terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time

import pytest

from support import write

SPEC = """\
journey "Progress"
persona a share=60% baseline=6 value=50
persona b share=40% baseline=5 value=30
stage S advance=50%
stage T advance=80%
stage U
event good p=40% impact=+3 at S
event bad p=10% impact=-2 at S
event late p=50% impact=+1 at T
event slow p=20% impact=-1 at T
event finale p=30% impact=+2 at U
scenario fix { bad.p = 5% }
scenario more { good.p = 60% }
"""


def test_many_threads_share_one_bar(monkeypatch):
    import rich.progress

    from cxdsl.cli.common import LazyProgress

    real_start, real_add = rich.progress.Progress.start, rich.progress.Progress.add_task
    tasks = []

    def slow_start(self):  # widens the moment in which a bar exists but its task not yet
        time.sleep(0.05)
        real_start(self)

    def add_task(self, *args, **kwargs):
        tasks.append(args)
        return real_add(self, *args, **kwargs)

    monkeypatch.setattr(rich.progress.Progress, "start", slow_start)
    monkeypatch.setattr(rich.progress.Progress, "add_task", add_task)
    bar = LazyProgress(True)
    bar.start -= 5  # the run has lasted long enough to show a bar
    gate = threading.Barrier(8)
    errors = []

    def worker(k: int) -> None:
        gate.wait()
        try:
            for i in range(50):
                bar(k * 50 + i, 400)
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    bar.close()
    assert errors == []
    assert len(tasks) == 1
    bar(399, 400)  # a worker's update after the command has closed the bar
    assert bar.progress is None


def test_progress_after_from_the_environment(monkeypatch):
    from cxdsl.cli.common import PROGRESS_AFTER, LazyProgress, progress_after

    monkeypatch.setenv("CXDSL_PROGRESS_AFTER", "0")
    bar = LazyProgress(True)
    bar(1, 10)
    assert bar.progress is not None
    bar.close()
    for bad in ("soon", "-1", "nan", ""):
        monkeypatch.setenv("CXDSL_PROGRESS_AFTER", bad)
        assert progress_after() == PROGRESS_AFTER


# ------------------------------------------------------------ under a pseudo-terminal

#: Runs the command line many times in one process (one start-up for all), stderr a
#: terminal; the delay before the bar varies so that it appears now on the main thread,
#: now on a worker thread in the middle of the work. Prints one exit code per run.
DRIVER = """
import os, sys
from cxdsl.cli.main import main
times, args = int(sys.argv[1]), sys.argv[2:]
for i in range(times):
    os.environ["CXDSL_PROGRESS_AFTER"] = str((i % 10) * 0.01)
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    sys.stdout.flush()
    print("exit", code, flush=True)
"""


def _under_terminal(argv: list[str], cwd, timeout: float) -> tuple[int, str, str]:
    """(exit code, stdout, what the terminal showed) of ``argv`` run with stderr a
    pseudo-terminal and stdout a pipe."""
    primary, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "CXDSL_NO_PROGRESS", "CXDSL_DEBUG")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=secondary, cwd=cwd, env=env)
    os.close(secondary)
    shown = b""
    deadline = time.monotonic() + timeout
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(primary, 65536)
            except OSError:  # the terminal closes when the process ends
                break
            if not data:
                break
            shown += data
        else:
            proc.kill()
            pytest.fail(f"{argv[3:]} did not finish within {timeout} s")
    finally:
        os.close(primary)
    code = proc.wait(timeout=10)
    reader.join(timeout=10)
    return code, b"".join(out).decode("utf-8", "replace"), shown.decode("utf-8", "replace")


LONG_COMMANDS = {
    "run": (["run", "j.cxj", "-n", "20000", "--threads", "2"], 20),
    "compare": (["compare", "j.cxj", "-n", "20000", "--threads", "2"], 20),
    "sweep": (["sweep", "j.cxj", "--vary", "good.p=0.1:0.9:9", "-n", "20000",
               "--threads", "2"], 20),
    "mot": (["mot", "j.cxj", "-n", "20000", "--threads", "2"], 20),
    "report": (["report", "j.cxj", "-n", "20000", "-o", "r.html"], 5),
}


@pytest.mark.parametrize("name", list(LONG_COMMANDS))
def test_long_commands_under_a_terminal(tmp_path, name):
    write(tmp_path, "j.cxj", SPEC)
    args, times = LONG_COMMANDS[name]
    code, out, shown = _under_terminal([sys.executable, "-c", DRIVER, str(times), *args],
                                       tmp_path, timeout=60)
    assert code == 0, shown[-2000:]
    assert "internal error" not in shown and "Traceback" not in shown, shown[-2000:]
    assert [line for line in out.splitlines() if line.startswith("exit ")] == (
        ["exit 0"] * times), shown[-2000:]
    assert "simulating" not in out  # the bar is on stderr only


@pytest.mark.parametrize("name", ["mot", "compare"])
def test_console_script_under_a_terminal(tmp_path, name):
    """Once through the real entry point, as a user in a terminal runs it."""
    write(tmp_path, "j.cxj", SPEC)
    args, _times = LONG_COMMANDS[name]
    code, out, shown = _under_terminal([sys.executable, "-m", "cxdsl", *args], tmp_path,
                                       timeout=60)
    assert code == 0 and "internal error" not in shown, shown[-2000:]
    assert out.strip()
