"""Run `policybot serve` as a separate process on a free loopback port, as Slack would meet it.

Shared by the end-to-end tests and the load benchmark.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class ServerDidNotStart(RuntimeError):
    """The server exited or did not answer /healthz in time; the message holds its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    env: dict[str, str], log_path: Path, timeout: float = 120
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start the server, wait until /healthz answers, yield (base URL, process); stop it after."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the process has stopped
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(log_path.read_text()) from None
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
