"""A flood of connections: hundreds of idle and half-written ones at nginx's public port, then
more FastCGI connections than the responder can take (its connection limit or its open-file
limit, whichever comes first). Normal requests are served during and after the flood, the
connections that had to wait are served once it is gone, and nothing is left open."""

import errno
import os
import re
import resource
import socket
import time

import pytest

import responder
import support
from support import RecordReader, cgi_params, full_request, read_response
from test_92_observability import status

IDLE = 400
HALF_WRITTEN = 200
BEYOND = 100  # FastCGI connections past what the responder can hold


def allow_open_files(count):
    """Raise our own soft limit on open files (Debian's default is 1024) or skip."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= count:
        return
    if hard != resource.RLIM_INFINITY and hard < count:
        pytest.skip(f"needs {count} open files, the hard limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))


def close_all(sockets):
    for sock in sockets:
        sock.close()


def test_idle_and_half_written_connections_at_nginx(capsys):
    allow_open_files(IDLE + HALF_WRITTEN + 256)
    responder.every_worker_serves()
    before = responder.figures()
    flood = []
    try:
        for i in range(IDLE + HALF_WRITTEN):
            sock = socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=10)
            flood.append(sock)
            if i >= IDLE:
                sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nX-Waiting: ")
        samples = []
        for _ in range(20):
            resp = support.get("/readyz", timeout=10)
            assert resp.status == 200, resp
            now = status()
            samples.append((now["active_processes"], now["listen_queue"]))
    finally:
        close_all(flood)
    after = responder.recovered()
    with capsys.disabled():
        print(f"\n{IDLE} idle and {HALF_WRITTEN} half-written connections at nginx: 20 requests served meanwhile, "
              f"(busy workers, queued) {sorted(set(samples))}\n  before: {before}\n  after:  {after}")
    # nginx never handed the flood to the responder: no worker waited for it.
    assert max(samples) == (0, 0), samples


def fastcgi_capacity():
    """How many connections the responder can hold: PORTAL_MAX_CONNECTIONS (1024 by default), or
    fewer when its soft limit on open files is lower."""
    with open(os.path.join(support.RUN_DIR, "portal-fcgi.env")) as f:
        configured = re.search(r"^PORTAL_MAX_CONNECTIONS=(\d+)$", f.read(), re.M)
    with open(f"/proc/{support.responder_pid()}/limits") as f:
        files = int(re.search(r"^Max open files\s+(\d+)", f.read(), re.M).group(1))
    return min(int(configured.group(1)) if configured else 1024, files)


def open_connections(sock):
    """The responder's open FastCGI connections, from /status asked over `sock`, a connection it
    already accepted (with nginx's internal marker): a new one would wait behind the flood."""
    sock.sendall(full_request(7, params=cgi_params(uri="/status?json") + [("PORTAL_INTERNAL", "1")]))
    resp = read_response(RecordReader(sock), 7)
    assert resp.status == 200, resp.stdout
    return int(re.search(rb'"active_connections":(\d+)', resp.body).group(1))


def steady_open_connections(sock, timeout=20):
    """open_connections() once it stopped growing (the responder accepts in batches)."""
    seen = [open_connections(sock)]
    deadline = time.monotonic() + timeout
    while len(seen) < 4 or len(set(seen[-4:])) > 1:
        assert time.monotonic() < deadline, f"the responder's connections never settled: {seen}"
        time.sleep(0.2)
        seen.append(open_connections(sock))
    return seen[-1]


def test_more_fastcgi_connections_than_the_responder_can_take(capsys):
    capacity = fastcgi_capacity()
    allow_open_files(capacity + BEYOND + 256)
    responder.every_worker_serves()
    before = responder.figures()
    # A connection accepted before the flood, as nginx keeps its own alive.
    kept = support.connect()
    kept.sendall(full_request(1))
    assert read_response(RecordReader(kept), 1).status == 200
    flood, late = [], None
    try:
        for _ in range(capacity + BEYOND):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(2)
            try:
                sock.connect(support.FCGI_SOCKET)
            except OSError as exc:  # the listen backlog is full: enough
                sock.close()
                assert exc.errno in (errno.EAGAIN, errno.ETIMEDOUT) or isinstance(exc, TimeoutError), exc
                break
            flood.append(sock)
        held = steady_open_connections(kept)
        # One more, with a complete request: it waits in the backlog behind the flood.
        late = support.connect(timeout=30)
        late.sendall(full_request(1, flags=0))
        # The responder still serves on the connection it has.
        kept.sendall(full_request(9, params=cgi_params(uri="/readyz")))
        served_during = read_response(RecordReader(kept), 9).status
    finally:
        close_all(flood)
    assert late is not None
    served_late = read_response(RecordReader(late), 1, timeout=30).status
    late.close()
    kept.close()
    after = responder.recovered()
    with capsys.disabled():
        print(f"\n{len(flood)} FastCGI connections opened (capacity {capacity}): the responder held {held}, "
              f"served a request on a kept connection meanwhile ({served_during}) and the waiting one after "
              f"({served_late})\n  before: {before}\n  after:  {after}")
    assert held < len(flood) + 1, "the flood did not exceed what the responder could take"
    assert served_during == 200 and served_late == 200

