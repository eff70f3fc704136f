"""What the benchmarks share: their own database, a free port, a browser-like HTTP client on
127.0.0.1, percentiles and the CPU the server's processes use (read from /proc)."""

import http.client
import math
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PSQL = ["-h", "127.0.0.1", "-U", "postgres"]


def database_recreate(name: str) -> None:
    """Drops the benchmark's database if it is there and makes it again, empty."""
    database_drop(name)
    subprocess.run(["createdb", *PSQL, name], check=True)


def database_drop(name: str) -> None:
    subprocess.run(["dropdb", *PSQL, "--if-exists", name], check=True)


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"No free port in {ports.start}-{ports.stop - 1}.")


class Client:
    """One keep-alive connection with the cookies a browser would keep; `headers` holds the last
    response's headers (lower-case names)."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, body, seconds); status 0 when the connection failed."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.headers = {}
            return 0, b"", time.perf_counter() - started
        elapsed = time.perf_counter() - started
        self.headers = {}
        for header, value in response.getheaders():
            self.headers[header.lower()] = value
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, elapsed

    def close(self) -> None:
        self.connection.close()


def csrf_of(page: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return match.group(1).decode() if match else ""


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class ServerCpu:
    """CPU time used by the children of some master processes (gunicorn's workers, Celery's pool)
    and by the PostgreSQL backends of one database: unlike latency, it hardly changes when
    other work shares the machine, so it tells a busy machine from a slow request."""

    def __init__(self, database: str, masters: dict[int, str]):
        self.database = database
        self.masters = masters  # pid -> what its children count as

    def pids(self) -> dict[int, str]:
        found = {}
        for master, kind in self.masters.items():
            found[master] = kind
            for task in Path(f"/proc/{master}/task").glob("*/children"):
                found.update(dict.fromkeys((int(pid) for pid in task.read_text().split()), kind))
        sql = f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.database}' AND pid <> pg_backend_pid()"
        backends = subprocess.run(
            ["psql", *PSQL, "-d", self.database, "-Atc", sql], capture_output=True, text=True
        ).stdout.split()
        return {**found, **{int(pid): "db" for pid in backends}}

    def snapshot(self) -> dict[int, tuple[str, float]]:
        return {pid: (kind, cpu_seconds(pid)) for pid, kind in self.pids().items()}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds per kind between two snapshots (processes new in `after` count from 0)."""
        used: dict[str, float] = {}
        for pid, (kind, seconds) in after.items():
            used[kind] = used.get(kind, 0.0) + seconds - before.get(pid, (kind, 0.0))[1]
        return used
