"""The language server driven as a subprocess over stdio with raw bytes, as a broken or
hostile client would: an oversized document gets one diagnostic and is not parsed, and a
document importing a FIFO does not hang the server. Every wait is bounded."""

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
