"""tools/openloop, the benchmark's open-loop load generator, against the real stack: it must count
every response, count error statuses as errors, and measure latency from the time each request was
due, not from when it could leave (no coordinated omission). Counts only: no timing is asserted
beyond what the served sleeps impose."""

import json
import os
import shutil
import subprocess

import pytest

import support

SOURCE = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "openloop", "openloop.c")


@pytest.fixture(scope="module")
def openloop(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("clang")
    assert compiler, "no C compiler (cc, or the Swift toolchain's clang) to build tools/openloop"
    binary = str(tmp_path_factory.mktemp("openloop") / "openloop")
    subprocess.run([compiler, "-O2", "-Wall", "-o", binary, SOURCE, "-lm"], check=True)
    return binary


def run(binary, path, rate, duration, connections):
    proc = subprocess.run([binary, "--url", support.BASE_URL + path, "--rate", str(rate), "--duration", str(duration),
                           "--connections", str(connections)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_response_of_a_steady_rate_is_counted(openloop):
    result = run(openloop, "/healthz", rate=100, duration=1, connections=4)
    assert result["requests"] == 100
    assert result["completed"] == 100
    assert result["status"]["2xx"] == 100
    assert result["errors"] == 0


def test_error_statuses_are_errors(openloop):
    result = run(openloop, "/api/v1/nothing-here", rate=50, duration=1, connections=4)
    assert result["requests"] == 50
    assert result["status"]["4xx"] == 50
    assert result["errors_status"] == 50
    assert result["errors_io"] == 0 and result["errors_timeout"] == 0
    assert result["latency_ms"] is None  # no successful response to measure


def test_latency_runs_from_when_each_request_was_due(openloop, diagnostics, no_sleepers):
    # One connection, 10 requests due over 0.9 s, each served in 0.3 s: they queue at the client.
    result = run(openloop, "/api/v1/_diagnostics/sleep?seconds=0.3", rate=10, duration=1, connections=1)
    assert result["completed"] == 10 and result["errors"] == 0
    # The last was due at 0.9 s and could not leave before the nine others were served (2.7 s).
    assert result["latency_ms"]["max"] >= 2100
    assert result["latency_ms"]["p50"] > result["service_ms"]["p50"]
