"""A second stack for the scale-out tests: two responders behind one nginx upstream and
PgBouncer (scripts/stack.sh --responders 2 --pgbouncer), and a bounded load of requests on
fresh connections, counted per method and outcome."""

import http.client
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter

import support

RESPONDERS = 2


class ScaledStack:
    def __init__(self, run_dir, http_port):
        self.run_dir = run_dir
        self.http_port = http_port

    def stack(self, *args, timeout=180):
        return subprocess.run(["bash", support.STACK, args[0], self.run_dir, *args[1:]],
                              check=True, capture_output=True, text=True, timeout=timeout)

    def instance(self, k):
        """(pid file, log file) of responder instance k (1-based), named as stack.sh names them."""
        name = "portal-fcgi" if k == 1 else f"portal-fcgi-{k}"
        return os.path.join(self.run_dir, f"{name}.pid"), os.path.join(self.run_dir, "logs", f"{name}.log")

    def pid(self, k):
        try:
            with open(self.instance(k)[0]) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def served_requests(self, k):
        """Request lines in instance k's log (one structured line per request)."""
        with open(self.instance(k)[1], encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if '"msg":"request"' in line)

    def request(self, method, path, body=None, headers=None, timeout=15.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()


def start_scaled_stack():
    """Started with the binaries of the main test stack; stopped and removed by stop()."""
    run_dir = tempfile.mkdtemp(prefix="portal-scale.")
    os.chmod(run_dir, 0o755)
    pg_port, http_port = free_ports(2)
    scaled = ScaledStack(run_dir, http_port)
    env = {**os.environ, "PORTAL_PASSWORD_HASH": "minimal"}
    proc = subprocess.run(
        ["bash", support.STACK, "start", run_dir, "--pg-port", str(pg_port), "--http-port", str(http_port),
         "--bin-dir", os.environ["PORTAL_E2E_BIN_DIR"], "--ephemeral", "--workers", "4", "--queue", "64",
         "--responders", str(RESPONDERS), "--pgbouncer"],
        env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        stop(scaled)
        raise AssertionError(f"the scaled stack did not start:\n{proc.stderr[-4000:]}")
    return scaled


def stop(scaled):
    subprocess.run(["bash", support.STACK, "stop", scaled.run_dir], capture_output=True, text=True, timeout=300)
    subprocess.run(["rm", "-rf", scaled.run_dir], check=False)


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# --------------------------------------------------------------------------- load


def readyz(scaled):
    """GET that reads PostgreSQL (through PgBouncer)."""
    return scaled.request("GET", "/readyz")


def failed_login(scaled):
    """POST that writes to PostgreSQL: a login for an unknown address is counted and audited
    (401). A fresh address each time, so no lockout (429) interferes."""
    body = ('{"email": "nobody-%s@example.fr", "password": "Pas-Le-Bon-2026"}' % uuid.uuid4().hex).encode()
    return scaled.request("POST", "/api/v1/session", body=body, headers={"Content-Type": "application/json"})


class Load:
    """`threads` clients, each repeating its operation on fresh connections until stopped, or
    for at most `max_seconds`. An outcome is the HTTP status, or the exception's class name:
    a 5xx or an exception is an error."""

    def __init__(self, scaled, operations, threads=6, max_seconds=120):
        self.scaled = scaled
        self.operations = operations  # name -> callable(scaled) -> status
        self.threads = threads
        self.max_seconds = max_seconds
        self.outcomes = {name: Counter() for name in operations}
        self.errors = []  # (monotonic time, operation, outcome), the first few
        self.failures = []  # (start, end) monotonic times of every failed operation
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = []

    def __enter__(self):
        names = list(self.operations)
        self.started = time.monotonic()
        for i in range(self.threads):
            worker = threading.Thread(target=self._run, args=(names[i % len(names)],), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for worker in self._workers:
            worker.join(30)
        self.elapsed = time.monotonic() - self.started

    def _run(self, name):
        operation = self.operations[name]
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            try:
                outcome = operation(self.scaled)
            except Exception as exc:  # counted as an error
                outcome = type(exc).__name__
            with self._lock:
                self.outcomes[name][outcome] += 1
                if not isinstance(outcome, int) or outcome >= 500:
                    self.failures.append((started, time.monotonic()))
                    if len(self.errors) < 20:
                        self.errors.append((round(time.monotonic() - self.started, 3), name, outcome))

    def total(self, name):
        with self._lock:
            return sum(self.outcomes[name].values())

    def error_count(self, name):
        with self._lock:
            return sum(n for outcome, n in self.outcomes[name].items() if not isinstance(outcome, int) or outcome >= 500)

    def report(self, title):
        lines = [f"\n{title}: {self.elapsed:.1f} s of load, {self.threads} client threads"]
        for name in self.operations:
            total, errors = self.total(name), self.error_count(name)
            rate = 100.0 * errors / total if total else 0.0
            lines.append(f"  {name}: {total} requests, {errors} errors ({rate:.3f}%), outcomes {dict(self.outcomes[name])}")
        if self.errors:
            lines.append(f"  first errors (s since start, operation, outcome): {self.errors}")
        print("\n".join(lines))
