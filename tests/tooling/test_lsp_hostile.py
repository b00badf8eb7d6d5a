"""The language server driven as a subprocess over stdio with raw bytes, as a broken or
hostile client would: an oversized document gets one diagnostic and is not parsed, a
document importing a FIFO does not hang the server, every request is answered (parameters
that do not fit get InvalidParams), a frame that is too large, has no usable length or is
cut short is answered with an error and the stream recovers. Every wait is bounded."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest
from pygls.uris import from_fs_path

GOOD = 'journey "J"\npersona a share=100% baseline=7\nstage S\nevent e p=10% impact=-1 at S\n'


class RawServer:
    """``cxdsl lsp`` in a subprocess; messages read by a thread, waits with timeouts."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "cxdsl", "lsp"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     env={**os.environ, "CXDSL_LSP_DEBOUNCE": "0"})
        self.messages: queue.Queue = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_log, daemon=True).start()
        self.next_id = 100

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(out.read(length))
            if message.get("method") == "window/logMessage":
                self.log.append(message["params"]["message"])
            self.messages.put(message)

    def _read_log(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line.decode("utf-8", "replace"))

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, method: str, params, timeout: float = 20) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m, timeout)

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, match, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the server did not answer in time")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if match(message):
                return message

    def open(self, uri: str, text: str) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "cxj", "version": 1, "text": text}})

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(10)
        except Exception:
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def server():
    srv = RawServer()
    answer = srv.request("initialize", {"processId": None, "rootUri": None,
                                        "capabilities": {}}, timeout=60)
    assert "result" in answer
    srv.notify("initialized", {})
    yield srv
    srv.close()


def still_answers(server, uri) -> None:
    answer = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": 1, "character": 9}})
    assert "result" in answer, answer


def test_an_oversized_document_gets_one_diagnostic_and_is_not_parsed(server, tmp_path):
    uri = from_fs_path(str(tmp_path / "big.cxj"))
    start = time.monotonic()
    server.open(uri, GOOD + "# padding\n" * 300_000)
    published = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri)
    assert time.monotonic() - start < 10
    diagnostics = published["params"]["diagnostics"]
    assert len(diagnostics) == 1 and diagnostics[0]["code"] == "E003"
    assert "2 MB" in diagnostics[0]["message"]
    still_answers(server, uri)


def test_a_document_importing_a_fifo_does_not_hang(server, tmp_path):
    os.mkfifo(tmp_path / "pipe.cxj")
    uri = from_fs_path(str(tmp_path / "top.cxj"))
    server.open(uri, 'import "pipe.cxj"\n' + GOOD)
    published = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri)
    assert any("FIFO" in d["message"] for d in published["params"]["diagnostics"])
    still_answers(server, uri)


# ------------------------------------------------- every request answered, never silence

HOVER_POSITION = {"line": 1, "character": 9}


def opened(server, tmp_path) -> str:
    uri = from_fs_path(str(tmp_path / "open.cxj"))
    server.open(uri, GOOD)
    server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    return uri


@pytest.mark.parametrize("method", ["textDocument/hover", "textDocument/definition"])
def test_parameters_that_do_not_fit_are_invalid_params(server, tmp_path, method):
    uri = opened(server, tmp_path)
    doc = {"uri": uri}
    for params in ({"textDocument": doc, "position": {"line": -1, "character": 0}},
                   {"textDocument": doc, "position": {"line": 0, "character": 2 ** 40}},
                   {"textDocument": doc, "position": {"line": "one", "character": 0}},
                   {"textDocument": doc, "position": [1, 2]},
                   {"textDocument": 7, "position": HOVER_POSITION},
                   {"textDocument": doc},
                   None, [], 5):
        answer = server.request(method, params, timeout=10)
        assert answer.get("error", {}).get("code") == -32602, (params, answer)
        assert method in answer["error"]["message"]
    still_answers(server, uri)
    assert not any("Traceback" in line for line in server.log)


def answered_with_null_id(server) -> dict:
    return server.wait(lambda m: "error" in m and m.get("id") is None, timeout=10)


def test_a_frame_over_the_bound_is_refused_and_the_next_is_read(server, tmp_path):
    uri = opened(server, tmp_path)
    server.send_raw(b"Content-Length: 99999999999\r\n\r\n")
    assert answered_with_null_id(server)["error"]["code"] == -32600
    still_answers(server, uri)
    assert server.proc.poll() is None
    # a client that really sends 9 MB: refused, skipped, and the stream is still in step
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"text": "x" * (9 * 1024 * 1024)}]}}).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert "8 MB" in answered_with_null_id(server)["error"]["message"]
    still_answers(server, uri)


@pytest.mark.parametrize("frame", [
    b"Content-Length: abc\r\n\r\n{}",
    b"Content-Length: -5\r\n\r\n",
    b"Content-Length: 12\r\n\r\nnot json at!",
    b"Content-Length: 2\r\n\r\n[]",
    b"Content-Length: 4\r\n\r\n[[[[",
])
def test_a_broken_frame_is_answered_and_the_stream_recovers(server, tmp_path, frame):
    uri = opened(server, tmp_path)
    server.send_raw(frame)
    assert answered_with_null_id(server)["error"]["code"] in (-32700, -32600)
    still_answers(server, uri)


def test_a_body_cut_short_loses_no_later_request(server, tmp_path):
    uri = opened(server, tmp_path)
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
                       "params": {"textDocument": {"uri": uri},
                                  "position": HOVER_POSITION}}).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 20) + body)
    # the request right after it is answered: the bytes the cut body swallowed are given back
    server.send({"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover",
                 "params": {"textDocument": {"uri": uri}, "position": HOVER_POSITION}})
    assert answered_with_null_id(server)["error"]["code"] == -32700
    answer = server.wait(lambda m: m.get("id") == 8, timeout=10)
    assert "result" in answer, answer


def test_a_document_that_does_not_exist_has_no_hover_and_no_traceback(server, tmp_path):
    os.mkfifo(tmp_path / "pipe.cxj")
    for name in ("absent.cxj", "pipe.cxj"):
        answer = server.request("textDocument/hover", {
            "textDocument": {"uri": from_fs_path(str(tmp_path / name))},
            "position": HOVER_POSITION}, timeout=10)
        assert answer.get("result", "missing") is None, answer
    answer = server.request("textDocument/documentSymbol", {
        "textDocument": {"uri": "untitled:Untitled-1"}}, timeout=10)
    assert "error" not in answer
    time.sleep(0.2)  # a log message would have arrived by now
    assert not any("Traceback" in line or "failed" in line for line in server.log), server.log
