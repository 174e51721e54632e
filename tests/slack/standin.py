"""A stand-in for Slack's Web API on loopback: records every call, answers like Slack.

``/api/<method>`` takes Web API calls (JSON or form bodies); ``/respond/<id>`` takes posts to a
``response_url``. Faults can be scripted per method: ``fail("chat.postMessage", 500, times=1)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str  # the Web API method, or "respond" for a response_url
    body: dict
    path: str
    headers: dict
    at: float = field(default_factory=time.monotonic)

    def text(self) -> str:
        """Everything the app sent, as one string to search."""
        return json.dumps(self.body, ensure_ascii=False)


class StandIn:
    def __init__(self):
        self.calls: list[Call] = []
        self.faults: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._ts = 1000
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                standin._handle(self, raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, status: int, times: int = 1, headers: dict | None = None) -> None:
        with self.lock:
            self.faults[method].extend([(status, headers or {})] * times)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.faults.clear()

    def _handle(self, handler: BaseHTTPRequestHandler, raw: str) -> None:
        path = handler.path
        if path.startswith("/api/"):
            method = path[len("/api/") :].split("?")[0]
        elif path.startswith("/respond/"):
            method = "respond"
        else:
            handler.send_response(404)
            handler.end_headers()
            return
        if "json" in (handler.headers.get("Content-Type") or ""):
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        with self.lock:
            fault = self.faults[method].pop(0) if self.faults[method] else None
            call = Call(method, body, path, dict(handler.headers))
            self.calls.append(call)
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
            self.changed.notify_all()
        if fault:
            status, headers = fault
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            payload = json.dumps(
                {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
            )
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload.encode())
            return
        reply = self._reply(method, body, ts)
        data = (json.dumps(reply) if method != "respond" else "ok").encode()
        handler.send_response(200)
        handler.send_header(
            "Content-Type", "application/json" if method != "respond" else "text/plain"
        )
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _reply(method: str, body: dict, ts: str) -> dict:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T1",
                "user": "policybot",
            }
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.getPermalink":
            ts_digits = str(body.get("message_ts", "")).replace(".", "")
            return {
                "ok": True,
                "permalink": f"https://council.slack.com/archives/{body.get('channel')}/p{ts_digits}",
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "X"))[1:]}}
        return {"ok": True}

    # Waiting for the app -------------------------------------------------------------------------

    def wait_for(self, predicate, timeout: float = 15.0) -> list[Call]:
        """Wait until some calls satisfy ``predicate``; returns them (empty on timeout)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [c for c in self.calls if predicate(c)]
                if found or time.monotonic() >= deadline:
                    return found
                self.changed.wait(timeout=max(0.0, min(0.5, deadline - time.monotonic())))

    def matching(self, predicate) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if predicate(c)]
