"""Clients that go away in the middle of a request, over and over, through nginx and straight
to the responder's FastCGI socket: a normal request succeeds meanwhile and afterwards, and the
responder keeps no FastCGI connection, worker, transaction or PostgreSQL connection for them."""

import os
import random
import socket
import struct
import threading
import time

import pytest

import responder
import scaleout
import support
from support import BEGIN_REQUEST, PARAMS, STDIN, begin_body, cgi_params, encode_pairs, full_request, record, stream
from test_80_exports import big_structure  # noqa: F401
from test_92_observability import status

ROUNDS = 25
CLIENTS = 2  # at once, below the worker count: the normal requests beside them must not queue


def why_readyz_failed(load, overloaded_before):
    """What the responder says of the failed readiness checks: queue full, or the database check."""
    overloaded = status()["overloaded_requests"] - overloaded_before
    with open(os.path.join(support.RUN_DIR, "logs", "portal-fcgi.log"), encoding="utf-8") as log:
        failed = [line.strip() for line in log if '"readiness check failed"' in line]
    return (f"{load.outcomes}; refused as overloaded meanwhile: {overloaded}; readiness checks failed: {len(failed)}, "
            f"the last: {failed[-1:]}")


def http_socket():
    return socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=10)


def sent_then_closed(sock, data):
    sock.sendall(data)
    sock.close()


def reset_close(sock):
    """Close with a TCP reset rather than a FIN, as a crashed client or a middlebox does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def through_nginx(rng, cookie_and_export):
    cookie, export = cookie_and_export
    yield "headers cut short", lambda: sent_then_closed(http_socket(), b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nX-A:")
    yield "half a body", lambda: sent_then_closed(http_socket(), 
        b"POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n" + b'{"email": "gone@example.fr", ' + b" " * 20)

    def slow_request_left():
        sock = http_socket()
        sock.sendall(b"GET /api/v1/_diagnostics/sleep?seconds=2 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        time.sleep(rng.uniform(0.05, 0.5))
        sock.close()
    yield "slow request left running", slow_request_left

    def export_left():
        sock = http_socket()
        sock.sendall(f"GET {export} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\n\r\n".encode())
        sock.recv(1024)
        reset_close(sock)
    yield "export left after its first bytes", export_left

    def reset_right_after():
        sock = http_socket()
        sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reset_close(sock)
    yield "reset right after the request", reset_right_after


def straight_to_the_responder(rng, cookie_and_export):
    cookie, export = cookie_and_export
    yield "params cut short", lambda: sent_then_closed(
        support.connect(), record(BEGIN_REQUEST, 1, begin_body()) + record(PARAMS, 1, encode_pairs(cgi_params())[:40]))

    def body_cut_short():
        params = cgi_params(method="POST", uri="/api/v1/session", body=b"x" * 100, content_type="application/json")
        sent_then_closed(support.connect(), record(BEGIN_REQUEST, 1, begin_body()) + stream(PARAMS, 1, encode_pairs(params))
                         + record(STDIN, 1, b'{"email": '))
    yield "body cut short", body_cut_short

    def slow_request_left():
        sock = support.connect()
        sock.sendall(full_request(params=cgi_params(uri="/api/v1/_diagnostics/sleep?seconds=2")))
        time.sleep(rng.uniform(0.05, 0.5))
        sock.close()
    yield "slow request left running", slow_request_left

    def export_never_read():
        path, _, query = export.partition("?")
        params = [(k, {"REQUEST_URI": export, "DOCUMENT_URI": path, "SCRIPT_NAME": path, "QUERY_STRING": query}.get(k, v))
                  for k, v in cgi_params()] + [("HTTP_COOKIE", cookie)]
        sock = support.connect()
        sock.sendall(full_request(params=params))
        time.sleep(rng.uniform(0.0, 0.3))
        sock.close()
    yield "export never read", export_never_read


@pytest.mark.parametrize("side", [through_nginx, straight_to_the_responder], ids=["through nginx", "FastCGI socket"])
def test_clients_leaving_mid_request_leave_nothing_behind(diagnostics, no_sleepers, big_structure, side, capsys):  # noqa: F811
    sid, cookie = big_structure
    rng = random.Random()
    faults = list(side(rng, (cookie, f"/api/v1/structures/{sid}/insured?format=csv")))
    responder.every_worker_serves()
    before = responder.figures()
    overloaded_before = status()["overloaded_requests"]
    main = scaleout.ScaledStack(support.RUN_DIR, support.HTTP_PORT)
    done = []
    with scaleout.Load(main, {"GET /readyz": scaleout.readyz}, threads=1) as during:
        def client():
            for _ in range(ROUNDS):
                name, fault = rng.choice(faults)
                fault()
                done.append(name)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(done) == CLIENTS * ROUNDS, "a client thread failed or hung"
    after = responder.recovered()
    with capsys.disabled():
        during.report(f"{len(done)} clients leaving mid-request ({side.__name__}: "
                      f"{', '.join(sorted(set(done)))})")
        print(f"  before: {before}\n  after:  {after}")
    assert during.total("GET /readyz") > 0 and during.error_count("GET /readyz") == 0, why_readyz_failed(during, overloaded_before)
