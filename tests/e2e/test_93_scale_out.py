"""Two responders behind one nginx upstream (and PgBouncer), on a stack of their own: one killed
with SIGKILL under load costs at most 0.1% of the GETs; a rolling reload costs no request at all,
GET or POST. The counts are printed, also when the tests pass."""

import os
import signal
import time

import pytest

import scaleout
import support


@pytest.fixture(scope="module")
def scaled():
    stack = scaleout.start_scaled_stack()
    try:
        yield stack
    finally:
        scaleout.stop(stack)


@pytest.fixture
def both_serving(scaled):
    """Every instance alive (an earlier test may have killed one) and taking requests."""
    scaled.stack("responder-start")
    for k in range(1, scaleout.RESPONDERS + 1):
        assert support.pid_alive(scaled.pid(k)), f"responder {k} is not running"
    assert support.wait_until(lambda: scaleout.readyz(scaled) == 200, timeout=20) is not None


def test_both_instances_take_requests(scaled, both_serving):
    before = [scaled.served_requests(k) for k in (1, 2)]
    for _ in range(40):
        assert scaleout.readyz(scaled) == 200
    after = [scaled.served_requests(k) for k in (1, 2)]
    assert all(a > b for a, b in zip(after, before)), f"requests per instance before {before}, after {after}"


def test_sigkill_of_one_responder_under_load_loses_at_most_0_1_percent_of_gets(scaled, both_serving, capsys):
    victim = scaled.pid(2)
    with scaleout.Load(scaled, {"GET /readyz": scaleout.readyz}, threads=6) as load:
        assert support.wait_until(lambda: load.total("GET /readyz") >= 1000, timeout=60) is not None
        os.kill(victim, signal.SIGKILL)
        killed_at, kill_time = load.total("GET /readyz"), time.monotonic()
        assert support.wait_until(lambda: not support.pid_alive(victim), timeout=5) is not None
        # Past nginx's fail_timeout (10 s), when it tries the dead instance again.
        assert support.wait_until(lambda: time.monotonic() - kill_time > 12
                                  and load.total("GET /readyz") >= killed_at + 1000, timeout=90) is not None
    with capsys.disabled():
        load.report("SIGKILL of one of two responders")
    total, errors = load.total("GET /readyz"), load.error_count("GET /readyz")
    assert errors <= total / 1000, f"{errors} failed GETs out of {total}: {load.errors}"
    # The survivor served everything since; the dead one comes back with responder-start.
    assert support.pid_alive(scaled.pid(1))
    scaled.stack("responder-start")
    assert support.pid_alive(scaled.pid(2)) and scaled.pid(2) != victim


def test_rolling_reload_under_load_fails_no_get_and_no_post(scaled, both_serving, capsys):
    old = [scaled.pid(k) for k in (1, 2)]
    operations = {"GET /readyz": scaleout.readyz, "POST /api/v1/session": scaleout.failed_login}
    with scaleout.Load(scaled, operations, threads=6) as load:
        assert support.wait_until(lambda: load.total("POST /api/v1/session") >= 200, timeout=60) is not None
        started = time.monotonic()
        reload = scaled.stack("responder-reload", timeout=300)
        reload_took = time.monotonic() - started
        during = {name: load.total(name) for name in operations}
        time.sleep(1)
    with capsys.disabled():
        load.report(f"responder-reload of two responders ({reload_took:.1f} s)")
    new = [scaled.pid(k) for k in (1, 2)]
    assert all(n is not None and n not in old and support.pid_alive(n) for n in new), f"pids before {old}, after {new}"
    assert "SIGKILL" not in reload.stderr, reload.stderr
    for name in operations:
        assert during[name] > 100, f"hardly any {name} while reloading: {during}"
        assert load.error_count(name) == 0, f"{name}: {load.errors}"
    # Logins for unknown addresses are refused and counted, never served as errors.
    assert set(load.outcomes["POST /api/v1/session"]) == {401}, load.outcomes
