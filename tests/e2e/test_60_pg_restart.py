"""PostgreSQL goes away and comes back; the responder keeps running and
recovers its connections by itself (same pid)."""

import time

import support


def readyz_recovers(within):
    """Seconds until /readyz is 200 ten times in a row, or None. Each worker
    may fail once on its dead connection, but only once."""
    started = time.monotonic()
    streak = 0
    while time.monotonic() - started < within:
        resp = support.get("/readyz", timeout=5)
        if resp.status == 200:
            streak += 1
            if streak >= 10:
                return time.monotonic() - started
        else:
            support.assert_problem(resp, 503)
            streak = 0
            time.sleep(0.1)
    return None


def test_readyz_fails_fast_while_postgres_is_down_and_recovers():
    pid = support.responder_pid()
    try:
        support.stack("pg-stop")
        for _ in range(support.WORKERS + 2):
            resp = support.get("/readyz", timeout=10)
            support.assert_problem(resp, 503)
            assert resp.elapsed < 5, f"/readyz took {resp.elapsed:.2f}s with PostgreSQL down"
        # Liveness does not depend on the database.
        assert support.get("/healthz").status == 200
    finally:
        support.stack("pg-start")
    took = readyz_recovers(within=5)
    assert took is not None, "/readyz not steadily 200 within 5 s of PostgreSQL being back"
    assert support.responder_pid() == pid and support.pid_alive(pid), "responder was restarted"


def test_readyz_recovers_after_pg_restart():
    pid = support.responder_pid()
    # Make sure every worker holds a connection that the restart will break.
    for _ in range(support.WORKERS * 3):
        assert support.get("/readyz").status == 200
    support.stack("pg-restart")
    took = readyz_recovers(within=5)
    assert took is not None, "/readyz not steadily 200 within 5 s of pg-restart"
    assert support.responder_pid() == pid and support.pid_alive(pid), "responder was restarted"
