"""Loopback stand-ins for the end-to-end gateway test: OpenAI-compatible servers and a running HAProxy.

A `StandIn` answers `/health` (200, or 503 when made unhealthy) and `POST /v1/completions`, admits a fixed
number of requests at once (more get 429, which the gateway's maxconn must prevent) and holds each until
its gate opens (bounded), so a test decides when requests finish instead of sleeping. `Gateway` runs the
real haproxy binary on a rendered configuration and speaks its runtime API over the unix socket.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOLD_LIMIT_S = 5.0  # no request is held longer than this, whatever a test does
WAIT_LIMIT_S = 5.0  # no wait for a state change is longer than this


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """HAProxy closes health-check connections with a reset once it has the status: not an error."""


class StandIn:
    def __init__(self, name: str, admits: int) -> None:
        self.name = name
        self.admits = admits
        self.healthy = True
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()
        self.inflight = 0
        self.peak = 0
        self.served = 0
        self.refused = 0
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def reset(self) -> None:
        with self.lock:
            self.peak = self.inflight
            self.served = self.refused = 0

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/health":
                    self._send(200 if standin.healthy else 503, {})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/completions":
                    self._send(404, {"error": "not found"})
                    return
                with standin.lock:
                    if standin.inflight >= standin.admits:
                        standin.refused += 1
                        admitted = False
                    else:
                        standin.inflight += 1
                        standin.served += 1
                        standin.peak = max(standin.peak, standin.inflight)
                        admitted = True
                if not admitted:
                    self._send(429, {"error": "over capacity"})
                    return
                standin.gate.wait(HOLD_LIMIT_S)
                with standin.lock:  # the work is done before the answer leaves: the slot is free again
                    standin.inflight -= 1
                body = {"object": "text_completion", "model": "m", "site": standin.name,
                        "choices": [{"index": 0, "text": "ok", "finish_reason": "stop"}]}  # fmt: skip
                self._send(200, body)

        return Handler


def free_port() -> int:
    """A port the kernel has just handed out on loopback (xdist workers never collide on it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], what: str, limit: float = WAIT_LIMIT_S) -> float:
    """Poll until `condition` holds (bounded); the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"timed out after {limit} s waiting for {what}")
        time.sleep(0.01)
    return time.monotonic() - start


class Gateway:
    """The real haproxy running `config`, in the foreground, ended by `close`."""

    def __init__(self, haproxy: str, config: str, folder: Path, port: int, socket_path: Path) -> None:
        self.port = port
        self.socket_path = socket_path
        cfg = folder / "haproxy.cfg"
        cfg.write_text(config, encoding="utf-8")
        self.log = (folder / "haproxy.log").open("w")
        self.process = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.socket_path.exists() or self.process.poll() is not None, "the runtime API socket")
        if self.process.poll() is not None:
            raise AssertionError(f"haproxy exited: {(folder / 'haproxy.log').read_text()}")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()

    def command(self, line: str) -> str:
        """One runtime-API command over the admin socket; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(WAIT_LIMIT_S)
            s.connect(str(self.socket_path))
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stat(self, column: str) -> dict[str, str]:
        """Server name -> one `show stat` column (status: UP/DOWN; scur: requests in progress) of the backend."""
        text = self.command("show stat").lstrip("# ")
        return {
            r["svname"]: r[column]
            for r in csv.DictReader(io.StringIO(text))
            if r["pxname"] == "spill" and r["svname"] != "BACKEND"
        }

    def states(self) -> dict[str, str]:
        return self.stat("status")

    def sequential(self, n: int) -> list[tuple[int, str, float]]:
        """`n` requests one after the other, each once the gateway has closed the last one's server slot
        (a client can read a whole answer a moment before HAProxy releases the slot it used)."""
        results = []
        for _ in range(n):
            wait_for(lambda: all(v == "0" for v in self.stat("scur").values()), "idle servers")
            results.append(self.request())
        return results

    def request(self) -> tuple[int, str, float]:
        """One completion through the gateway: (status, serving site or "", seconds)."""
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HOLD_LIMIT_S + 5)
        try:
            conn.request("POST", "/v1/completions", body=b'{"model":"m","prompt":"hi","max_tokens":1}',
                         headers={"Content-Type": "application/json", "Connection": "close"})  # fmt: skip
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        site = json.loads(body).get("site", "") if response.status == 200 else ""
        return response.status, site, time.monotonic() - start


def burst(gateway: Gateway, standins: list[StandIn], n: int, admitted: int) -> list[tuple[int, str, float]]:
    """`n` concurrent requests while every stand-in holds: release once `admitted` have reached the stand-ins
    and the rest have had their answer or are queued; the answers in completion order."""
    for s in standins:
        s.gate.clear()
    results: list[tuple[int, str, float]] = []
    lock = threading.Lock()

    def one() -> None:
        answer = gateway.request()
        with lock:
            results.append(answer)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    try:
        for t in threads:
            t.start()
        wait_for(lambda: sum(s.served for s in standins) >= admitted, f"{admitted} requests at the stand-ins")
        wait_for(lambda: len(results) >= n - admitted, f"{n - admitted} answers from the gateway itself")
    finally:
        for s in standins:
            s.gate.set()
        for t in threads:
            t.join(HOLD_LIMIT_S + 5)
    return results


def by_site(results: list[tuple[int, str, float]]) -> Counter[str]:
    return Counter(site or str(status) for status, site, _ in results)
