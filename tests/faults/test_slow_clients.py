"""Slow clients, slowloris style: requests written byte by byte (headers, or the body) through
nginx and straight to the responder's FastCGI socket, and readers that take their time. While
they crawl, no worker thread waits for them and normal requests are served; when they finish,
each gets its complete answer; afterwards nothing is left open."""

import socket
import threading
import time
import uuid

import pytest

import responder
import support
from support import RecordReader, cgi_params, full_request, read_response
from test_80_exports import ROWS, big_structure, export_request  # noqa: F401
from test_92_observability import status

CLIENTS = 40
BYTE_INTERVAL = 0.1  # seconds between two bytes through nginx
RECORD_BYTE_INTERVAL = 0.01  # FastCGI requests are longer (all the CGI parameters)
# Client i starts dripping i × STAGGER seconds after connecting. Requests of the same length
# dripped at the same pace would otherwise all complete within a few milliseconds: 20 logins
# (Argon2id) and 20 readiness checks at once overflow the test stack's queue of 16, and the 503s
# `overloaded` that follow are the server doing its job, not what this test is about.
STAGGER = 0.05


def drip(sock, data, interval):
    for i in range(len(data)):
        sock.sendall(data[i:i + 1])
        time.sleep(interval)


def http_status(sock):
    """Reads an HTTP/1.1 answer sent with Connection: close to its end; returns its status."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return int(data.split(b" ", 2)[1])


def slow_http(kind):
    """(bytes to drip, bytes sent at once before, expected status) of a slow HTTP client."""
    if kind == "headers":
        return b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", b"", 200
    body = ('{"email": "slow.%s@example.fr", "password": "Pas-Le-Bon-2026"}' % uuid.uuid4().hex[:10]).encode()
    head = (b"POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
    return body, head, 401  # an unknown address: refused, never a 5xx


def slow_fastcgi(kind, request_id):
    """(bytes to drip, bytes sent at once before, expected status) of a slow FastCGI client: the
    parameters (nginx's headers) drip, and the body after them."""
    if kind == "headers":
        return full_request(request_id, params=cgi_params(uri="/readyz")), b"", 200
    body = ('{"email": "slow.%s@example.fr", "password": "Pas-Le-Bon-2026"}' % uuid.uuid4().hex[:10]).encode()
    whole = full_request(request_id, params=cgi_params(method="POST", uri="/api/v1/session", body=body,
                                                       content_type="application/json"), body=body)
    return whole, b"", 401


def shortest_crawl(via):
    """Seconds at the least before a slow client has sent its whole request."""
    if via == "nginx":
        return min(len(slow_http(kind)[0]) for kind in ("headers", "body")) * BYTE_INTERVAL
    return min(len(slow_fastcgi(kind, 1)[0]) for kind in ("headers", "body")) * RECORD_BYTE_INTERVAL


def crawl(via, results, i):
    kind = "headers" if i % 2 == 0 else "body"
    try:
        if via == "nginx":
            dripped, upfront, expected = slow_http(kind)
            with socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=60) as sock:
                sock.sendall(upfront)
                time.sleep(i * STAGGER)
                drip(sock, dripped, BYTE_INTERVAL)
                results[i] = (expected, http_status(sock))
        else:
            dripped, upfront, expected = slow_fastcgi(kind, request_id=i + 1)
            with support.connect(timeout=60) as sock:
                sock.sendall(upfront)
                time.sleep(i * STAGGER)
                drip(sock, dripped, RECORD_BYTE_INTERVAL)
                results[i] = (expected, read_response(RecordReader(sock), i + 1, timeout=30).status)
    except Exception as exc:  # asserted on below
        results[i] = (None, exc)


@pytest.mark.parametrize("via", ["nginx", "fastcgi"], ids=["through nginx", "FastCGI socket"])
def test_requests_written_byte_by_byte_hold_no_worker(via, capsys):
    responder.every_worker_serves()
    before = responder.figures()
    results = [None] * CLIENTS
    threads = [threading.Thread(target=crawl, args=(via, results, i)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    # While they crawl (before the quickest of them can be complete), sample between normal requests.
    samples = []
    started, window = time.monotonic(), 0.7 * shortest_crawl(via)
    while True:
        resp = support.get("/readyz", timeout=10)
        assert resp.status == 200, resp
        now = status()
        if time.monotonic() - started > window:
            break
        samples.append((now["active_processes"], now["listen_queue"], now["active_connections"]))
        time.sleep(0.2)
    for thread in threads:
        thread.join(120)
    after = responder.recovered()
    with capsys.disabled():
        print(f"\n{CLIENTS} slow clients ({via}): (busy workers, queued, FastCGI connections) in {len(samples)} samples "
              f"while they crawled {sorted(set(samples))}\n  before: {before}\n  after:  {after}")
    # (client, expected status, what it got): only those that did not get their answer.
    failed = [(i, *r) if r else (i, None, "no result") for i, r in enumerate(results) if r is None or r[0] != r[1]]
    assert not failed, failed
    assert samples, "no sample taken while the slow clients crawled"
    assert max(s[0] for s in samples) == 0 and max(s[1] for s in samples) == 0, \
        f"a worker or a queue slot waited for a slow client: {samples}"


def test_slow_readers_of_an_export_hold_no_worker(big_structure, capsys):  # noqa: F811
    """nginx buffers the answer: the responder is done long before a slow reader is."""
    sid, cookie = big_structure
    responder.every_worker_serves()
    readers = [export_request(sid, cookie) for _ in range(support.WORKERS * 2)]
    received = []
    try:
        for _, resp in readers:
            assert resp.status == 200
            received.append(resp.read(1024))
        # Every export finished on the responder's side while nobody read further.
        idle = responder.settled()
        assert responder.backends() == responder.backends("idle")
        for i, (_, resp) in enumerate(readers):
            received[i] += resp.read()
            time.sleep(0.05)
    finally:
        for conn, _ in readers:
            conn.close()
    after = responder.recovered()
    with capsys.disabled():
        print(f"\n{len(readers)} slow export readers: workers idle while they read ({idle['idle_processes']} of "
              f"{idle['total_processes']}); after: {after}")
    # Every row and the header line, for every reader.
    assert [body.count(b"\r\n") for body in received] == [ROWS + 1] * len(readers)
