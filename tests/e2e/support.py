"""Helpers for the end-to-end tests: HTTP through nginx, psql, the stack script,
and a small FastCGI client for talking to the responder's socket directly.

Everything comes from the environment printed by `scripts/stack.sh env DIR`
(scripts/test.sh exports it). Python standard library only.
"""

import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.parse

# --------------------------------------------------------------------------- environment

BASE_URL = os.environ.get("PORTAL_E2E_BASE_URL", "")
FCGI_SOCKET = os.environ.get("PORTAL_E2E_FCGI_SOCKET", "")
STACK = os.environ.get("PORTAL_E2E_STACK", "")
RUN_DIR = os.environ.get("PORTAL_TEST_RUN_DIR", "")
WORKERS = int(os.environ.get("PORTAL_E2E_WORKERS", "4"))
QUEUE = int(os.environ.get("PORTAL_E2E_QUEUE", "16"))
DIAGNOSTICS = os.environ.get("PORTAL_E2E_DIAGNOSTICS", "0") == "1"
PG_HOST = os.environ.get("PORTAL_TEST_PG_HOST", "")
PG_PORT = os.environ.get("PORTAL_TEST_PG_PORT", "")
PG_SUPERUSER = os.environ.get("PORTAL_TEST_PG_SUPERUSER", "postgres")
PG_DB = os.environ.get("PORTAL_TEST_DB", "portal")

CONFIGURED = bool(BASE_URL and FCGI_SOCKET and STACK and RUN_DIR and PG_HOST)
RESPONDER_PIDFILE = os.path.join(RUN_DIR, "portal-fcgi.pid")
RESPONDER_LOG = os.path.join(RUN_DIR, "logs", "portal-fcgi.log")

_url = urllib.parse.urlsplit(BASE_URL) if BASE_URL else None
HTTP_HOST = _url.hostname if _url else "127.0.0.1"
HTTP_PORT = _url.port if _url else 0

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
}

# --------------------------------------------------------------------------- HTTP


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        self.elapsed = elapsed

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip()

    def __repr__(self):
        return f"<Response {self.status} {self.content_type} {self.body[:200]!r}>"


def request(method, path, body=None, headers=None, timeout=15.0):
    """One HTTP request through nginx on a fresh connection."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(HTTP_HOST, HTTP_PORT, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, hdrs, data, time.monotonic() - started)
    finally:
        conn.close()


def get(path, timeout=15.0):
    return request("GET", path, timeout=timeout)


def wait_http_200(path="/healthz", timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = get(path, timeout=2.0)
            if last.status == 200:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"GET {path} did not return 200 within {timeout}s (last: {last!r})")


def assert_problem(resp, status, code=None):
    assert resp.status == status, resp
    assert resp.content_type == "application/problem+json", resp
    doc = resp.json()
    assert isinstance(doc.get("code"), str) and doc["code"], doc
    # Every problem, nginx's own included, tells the user in French what happened.
    assert isinstance(doc.get("detail"), str) and doc["detail"], doc
    assert doc.get("status") == status, doc
    if code is not None:
        assert doc["code"] == code, doc
    return doc


# --------------------------------------------------------------------------- PostgreSQL


def psql(sql, timeout=10.0):
    """Run SQL as the superuser; returns stdout (unaligned, tuples only)."""
    exe = shutil.which("psql") or "psql"
    out = subprocess.run(
        [exe, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", PG_HOST, "-p", str(PG_PORT),
         "-U", PG_SUPERUSER, "-d", PG_DB, "-c", sql],
        check=True, capture_output=True, text=True, timeout=timeout,
    )
    return out.stdout.strip()


def active_sleeps():
    """Backends of the responder currently inside pg_sleep."""
    return int(psql(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE usename = 'portal_app' AND state = 'active' "
        "AND query ILIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
    ))


def wait_until(predicate, timeout, interval=0.05):
    """Poll predicate until true; returns elapsed seconds or None on timeout."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(interval)


# --------------------------------------------------------------------------- stack


def stack(*args, timeout=120):
    return subprocess.run(["bash", STACK, args[0], RUN_DIR, *args[1:]],
                          check=True, capture_output=True, text=True, timeout=timeout)


def responder_pid():
    try:
        with open(RESPONDER_PIDFILE) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(pid):
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_responder_alive(expected_pid):
    """Same responder process still there and still serving through nginx."""
    # Give a crash a moment to happen before declaring victory.
    time.sleep(0.2)
    assert pid_alive(expected_pid), f"responder pid {expected_pid} died"
    assert responder_pid() == expected_pid, "responder was replaced"
    resp = get("/healthz", timeout=5.0)
    assert resp.status == 200, resp


def server_side_connections(path):
    """Inodes of accepted (connected) sockets of the unix listener at `path`.

    Accepted sockets carry the listener's address in /proc/net/unix, the
    connecting side (nginx) has none; state 03 is SS_CONNECTED."""
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and parts[7] == path and parts[5] == "03":
                inodes.add(parts[6])
    return inodes


# --------------------------------------------------------------------------- FastCGI

FCGI_VERSION_1 = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA, \
    GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = range(1, 12)
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
KEEP_CONN = 1
REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE = range(4)

_HEADER = struct.Struct("!BBHHBx")


def record(rtype, request_id, content=b"", version=FCGI_VERSION_1, padding=None):
    if padding is None:
        padding = (-len(content)) % 8
    return _HEADER.pack(version, rtype, request_id, len(content), padding) + content + b"\0" * padding


def encode_pairs(pairs):
    out = bytearray()
    for name, value in pairs:
        name = name.encode() if isinstance(name, str) else name
        value = value.encode() if isinstance(value, str) else value
        for item in (name, value):
            if len(item) < 128:
                out.append(len(item))
            else:
                out += struct.pack("!I", len(item) | 0x80000000)
        out += name + value
    return bytes(out)


def decode_pairs(data):
    pairs, i = {}, 0

    def length():
        nonlocal i
        if data[i] < 128:
            i += 1
            return data[i - 1]
        i += 4
        return struct.unpack("!I", data[i - 4:i])[0] & 0x7FFFFFFF

    while i < len(data):
        nlen = length()
        vlen = length()
        pairs[data[i:i + nlen].decode()] = data[i + nlen:i + nlen + vlen].decode()
        i += nlen + vlen
    return pairs


def begin_body(role=RESPONDER, flags=KEEP_CONN):
    return struct.pack("!HB5x", role, flags)


def stream(rtype, request_id, data, chunk=65535):
    """A stream's records for data, plus the empty record that closes it."""
    out = bytearray()
    for i in range(0, len(data), chunk):
        out += record(rtype, request_id, data[i:i + chunk])
    out += record(rtype, request_id)
    return bytes(out)


def cgi_params(method="GET", uri="/healthz", body=b"", content_type="", request_id="raw-fcgi-test"):
    path, _, query = uri.partition("?")
    return [
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "e2e-raw"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_SCHEME", "http"),
        ("REQUEST_METHOD", method),
        ("REQUEST_URI", uri),
        ("DOCUMENT_URI", path),
        ("SCRIPT_NAME", path),
        ("QUERY_STRING", query),
        ("CONTENT_TYPE", content_type),
        ("CONTENT_LENGTH", str(len(body)) if body else ""),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("REMOTE_PORT", "40000"),
        ("SERVER_ADDR", "127.0.0.1"),
        ("SERVER_PORT", "80"),
        ("SERVER_NAME", "localhost"),
        ("HTTP_HOST", "localhost"),
        ("REQUEST_ID", request_id),
    ]


def full_request(request_id=1, flags=KEEP_CONN, params=None, body=b""):
    params = cgi_params() if params is None else params
    return (record(BEGIN_REQUEST, request_id, begin_body(RESPONDER, flags))
            + stream(PARAMS, request_id, encode_pairs(params))
            + stream(STDIN, request_id, body))


def connect(timeout=10.0):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(FCGI_SOCKET)
    return sock


class Record:
    def __init__(self, version, rtype, request_id, content, padding):
        self.version, self.type, self.request_id = version, rtype, request_id
        self.content, self.padding = content, padding

    def __repr__(self):
        return f"<Record v{self.version} type={self.type} id={self.request_id} len={len(self.content)}>"


class RecordReader:
    """Reads records from a socket, keeping leftover bytes between calls."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete FastCGI record in time")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                self.eof = True
                return False
            self.buf += chunk
        return True

    def next(self, timeout=10.0):
        """Next record, or None at a clean end of stream."""
        deadline = time.monotonic() + timeout
        if not self._fill(8, deadline):
            assert self.buf == b"", f"connection closed inside a record header: {self.buf!r}"
            return None
        version, rtype, rid, clen, plen = _HEADER.unpack(self.buf[:8])
        if not self._fill(8 + clen + plen, deadline):
            raise AssertionError("connection closed inside a record body")
        content = self.buf[8:8 + clen]
        self.buf = self.buf[8 + clen + plen:]
        return Record(version, rtype, rid, content, plen)


class FcgiResponse:
    def __init__(self, records):
        self.records = records
        self.stdout = b"".join(r.content for r in records if r.type == STDOUT)
        self.stderr = b"".join(r.content for r in records if r.type == STDERR)
        end = [r for r in records if r.type == END_REQUEST]
        self.app_status, self.protocol_status = struct.unpack("!IB3x", end[-1].content) if end else (None, None)
        head, _, self.body = self.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, self.body = self.stdout.partition(b"\n\n")
        self.headers = {}
        for line in head.decode("latin1").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
        status = self.headers.get("status", "200")
        self.status = int(status.split()[0])


def read_response(reader, request_id, timeout=15.0):
    """Read one response and check its framing: records of this request only,
    STDOUT data, one empty STDOUT, then exactly one END_REQUEST."""
    records = []
    stdout_closed = False
    while True:
        rec = reader.next(timeout=timeout)
        assert rec is not None, f"connection closed before END_REQUEST (got {records})"
        assert rec.version == FCGI_VERSION_1, rec
        assert rec.request_id == request_id, f"record for request {rec.request_id}, expected {request_id}"
        records.append(rec)
        if rec.type == STDOUT:
            assert not stdout_closed, "STDOUT data after the empty STDOUT record"
            if not rec.content:
                stdout_closed = True
        elif rec.type == STDERR:
            pass
        elif rec.type == END_REQUEST:
            assert len(rec.content) == 8, rec
            assert stdout_closed, "END_REQUEST before the empty STDOUT record"
            return FcgiResponse(records)
        else:
            raise AssertionError(f"unexpected record type {rec.type} in a response")


def read_until_closed(sock, timeout):
    """Read and discard until the peer closes; True if it closed in time."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except (TimeoutError, socket.timeout):
        return False
    return False


def send_ignoring_close(sock, data):
    """Send as much as the peer accepts; it may legitimately close early."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False
