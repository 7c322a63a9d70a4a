"""SIGTERM drains: a request in flight completes, then the process exits.
Runs last; it leaves a freshly started responder behind."""

import subprocess
import threading
import time

import support


def test_sigterm_lets_the_request_in_flight_complete(diagnostics, no_sleepers):
    pid = support.responder_pid()
    result = {}

    def slow_request():
        try:
            result["resp"] = support.get("/api/v1/_diagnostics/sleep?seconds=2", timeout=20)
        except Exception as exc:  # asserted below
            result["error"] = exc

    client = threading.Thread(target=slow_request)
    client.start()
    try:
        assert support.wait_until(lambda: support.active_sleeps() == 1, timeout=5) is not None
        # responder-stop sends SIGTERM and waits for the process to exit.
        stopped_at = time.monotonic()
        stop = subprocess.run(["bash", support.STACK, "responder-stop", support.RUN_DIR],
                              capture_output=True, text=True, timeout=60)
        stop_took = time.monotonic() - stopped_at
        client.join(20)
        assert not client.is_alive(), "the in-flight request never finished"
        assert "error" not in result, result
        assert result["resp"].status == 200, result["resp"]
        assert stop.returncode == 0, stop.stderr
        assert "SIGKILL" not in stop.stderr, stop.stderr
        assert not support.pid_alive(pid), "responder still running after responder-stop"
        assert stop_took < 15, f"drain took {stop_took:.1f}s for a 2 s request"
    finally:
        client.join(20)
        support.stack("responder-start")
    new_pid = support.responder_pid()
    assert new_pid != pid and support.pid_alive(new_pid)
    support.wait_http_200("/readyz", timeout=10)
