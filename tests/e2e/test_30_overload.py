"""Saturation: far more concurrent clients than workers + queue slots.

Every client must get an answer (200, or a fast 503 `overloaded`), none may
hang, and the workers must still get real work done."""

import threading
import time

import support

CLIENTS = 200
CLIENT_TIMEOUT = 15.0


def hammer(path):
    results = [None] * CLIENTS
    barrier = threading.Barrier(CLIENTS)

    def client(i):
        try:
            barrier.wait(timeout=30)
            results[i] = support.get(path, timeout=CLIENT_TIMEOUT)
        except Exception as exc:  # recorded and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CLIENT_TIMEOUT + 35)
    assert not any(t.is_alive() for t in threads), "a client thread is still waiting"
    return results


def check(results):
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} clients failed or hung, e.g. {errors[0]!r}"
    statuses = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    assert set(statuses) <= {200, 503}, statuses
    rejected = [r for r in results if r.status == 503]
    for r in rejected:
        support.assert_problem(r, 503, "overloaded")
    if rejected:
        # Rejection must not wait for a worker.
        slowest = max(r.elapsed for r in rejected)
        assert slowest < 5.0, f"slowest 503 took {slowest:.2f}s"
    assert statuses.get(200, 0) >= support.WORKERS, statuses
    return statuses


def test_many_concurrent_slow_requests_get_200_or_fast_503(diagnostics, no_sleepers):
    started = time.monotonic()
    statuses = check(hammer("/api/v1/_diagnostics/sleep?seconds=0.2"))
    print(f"statuses {statuses} in {time.monotonic() - started:.2f}s")
    # With that many rejected, the queue really was bounded.
    assert statuses.get(503, 0) > 0, statuses
    # Still serving afterwards.
    support.wait_http_200("/readyz", timeout=10)


def test_many_concurrent_readyz_get_200_or_fast_503():
    check(hammer("/readyz"))
