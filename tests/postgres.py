"""A throwaway PostgreSQL server for the store tests, started from the machine's own binaries.

Used when ``POLICYBOT_TEST_POSTGRES_URL`` is not set and ``initdb``/``pg_ctl`` are installed;
listens on loopback only and is removed at the end of the session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path


def find_binaries() -> tuple[str, str] | None:
    for folder in [None, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb = shutil.which("initdb", path=folder)
        pg_ctl = shutil.which("pg_ctl", path=folder)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user when we are root."""
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class TemporaryPostgres:
    def __init__(self, folder: Path):
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL server binaries not found")
        self.initdb, self.pg_ctl = binaries
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        run = {"check": True, "capture_output": True, "timeout": 120}
        subprocess.run(
            _as_postgres([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "policybot"]),
            **run,
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -F"
        subprocess.run(
            _as_postgres(
                [
                    self.pg_ctl,
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(self.folder / "log.txt"),
                    "start",
                ]
            ),
            **run,
        )
        return f"postgresql+psycopg://policybot@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
