"""A client that goes away cancels its query and frees its worker.

nginx closes the FastCGI connection when its client disconnects; the
responder must notice, cancel the running statement (PQcancel) and take the
next request. Done with as many clients as there are workers, so a single
leaked worker shows up in the timing of the follow-up requests."""

import socket
import threading
import time

import support

SLEEP = 20


def open_sleeping_client():
    sock = socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=10)
    sock.sendall(
        f"GET /api/v1/_diagnostics/sleep?seconds={SLEEP} HTTP/1.1\r\n"
        f"Host: localhost\r\nConnection: close\r\n\r\n".encode())
    return sock


def test_disconnected_clients_cancel_their_queries_and_free_all_workers(diagnostics, no_sleepers):
    n = support.WORKERS
    clients = [open_sleeping_client() for _ in range(n)]
    try:
        took = support.wait_until(lambda: support.active_sleeps() == n, timeout=10, interval=0.1)
        assert took is not None, f"expected {n} pg_sleep backends, saw {support.active_sleeps()}"
    finally:
        for sock in clients:
            sock.close()

    gone = support.wait_until(lambda: support.active_sleeps() == 0, timeout=10, interval=0.05)
    assert gone is not None, "pg_sleep still running 10 s after the clients left"
    assert gone < 3.0, f"queries were cancelled only after {gone:.2f}s"

    # All workers free: n one-second requests at once finish in about one
    # second; a worker still stuck would make one of them wait for another.
    results = [None] * n

    def one(i):
        results[i] = support.get("/api/v1/_diagnostics/sleep?seconds=1", timeout=15)

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    elapsed = time.monotonic() - started
    assert all(r is not None and r.status == 200 for r in results), results
    assert elapsed < 1.9, f"{n} concurrent 1 s requests took {elapsed:.2f}s: a worker is still busy"
