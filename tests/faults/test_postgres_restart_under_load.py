"""PostgreSQL stopped and started again while clients keep asking: requests fail only while it
is down (with the responder's 503, never a hang or a 502), the responder recovers by itself
within 5 seconds of PostgreSQL being back, and no worker thread is lost. The figures are
printed, also when the test passes."""

import time
import uuid

import responder
import scaleout
import support
from accounts import logged_in_principal

DOWN_SECONDS = 2
RECOVERY_SECONDS = 5


def test_requests_fail_only_while_postgres_is_down_and_every_worker_comes_back(diagnostics, no_sleepers, capsys):
    structure, cookie, _ = logged_in_principal(f"faults.pg.{uuid.uuid4().hex[:10]}@example.fr")
    home = f"/api/v1/structures/{structure['id']}/home"
    operations = {
        "GET /readyz": scaleout.readyz,
        "GET /api/v1/structures/{id}/home": lambda stack: stack.request("GET", home, headers={"Cookie": cookie}),
    }
    pid = support.responder_pid()
    # Every worker holds a connection that the restart will break.
    responder.every_worker_serves()
    before = responder.backends()
    assert before == support.WORKERS, f"{before} connections of the responder, expected one per worker"

    main = scaleout.ScaledStack(support.RUN_DIR, support.HTTP_PORT)
    with scaleout.Load(main, operations, threads=8) as load:
        assert support.wait_until(lambda: min(load.total(name) for name in operations) >= 100, timeout=60) is not None
        stopping = time.monotonic()
        support.stack("pg-stop")
        time.sleep(DOWN_SECONDS)
        support.stack("pg-start")
        up = time.monotonic()
        time.sleep(RECOVERY_SECONDS)
        at_recovery = {name: load.total(name) for name in operations}
        time.sleep(5)
    served_since = {name: load.total(name) - at_recovery[name] for name in operations}
    failures = sorted(load.failures)
    last_failure = max((end for _, end in failures), default=None)
    recovered_in = last_failure - up if last_failure is not None else 0.0
    with capsys.disabled():
        load.report(f"PostgreSQL stopped for {up - stopping:.1f} s (pg-stop, {DOWN_SECONDS} s, pg-start) under load")
        print(f"  failed requests: {len(failures)}, first {failures[0][1] - stopping:+.2f} s after pg-stop began"
              if failures else "  no failed request")
        print(f"  last failure {recovered_in:+.2f} s after PostgreSQL was back; served in the 5 s after: {served_since}")

    assert failures, "no request failed: PostgreSQL was not really down under load"
    for name in operations:
        outcomes = {o for o in load.outcomes[name] if not isinstance(o, int) or o >= 500}
        assert outcomes <= {503}, f"{name}: failures other than the responder's 503: {load.outcomes[name]}"
    # Only while it was down: nothing failed that ended before the stop began…
    assert failures[0][1] >= stopping, failures[:3]
    # …and nothing after the recovery allowance, while requests kept being served.
    assert recovered_in <= RECOVERY_SECONDS, f"requests still failing {recovered_in:.2f} s after PostgreSQL was back"
    assert min(served_since.values()) >= 50, f"hardly any request in the 5 s after the recovery allowance: {served_since}"

    # Same process, every worker idle, one connection per worker, and each worker serves.
    assert support.responder_pid() == pid and support.pid_alive(pid), "the responder was restarted"
    responder.settled()
    responder.every_worker_serves()
    assert responder.backends() == support.WORKERS
