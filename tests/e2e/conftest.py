"""End-to-end tests through the real nginx, portal-fcgi and PostgreSQL.

Run them with scripts/test.sh (or `make test`), which starts a throwaway
stack and exports its coordinates; without that environment every test is
skipped.
"""

import subprocess

import pytest

import support


def pytest_collection_modifyitems(config, items):
    if support.CONFIGURED:
        return
    skip = pytest.mark.skip(reason="no stack: run through scripts/test.sh (PORTAL_E2E_* unset)")
    for item in items:
        item.add_marker(skip)


def pg_ready():
    return subprocess.run(
        ["pg_isready", "-q", "-h", support.PG_HOST, "-p", str(support.PG_PORT),
         "-U", support.PG_SUPERUSER, "-d", "postgres", "-t", "1"],
        check=False).returncode == 0


@pytest.fixture(autouse=True)
def stack_is_up():
    """Each test starts on a serving stack, even if an earlier one killed a
    piece of it (that test has already failed on its own assertions)."""
    if not support.CONFIGURED:
        yield
        return
    if not pg_ready():
        support.stack("pg-start")
    if not support.pid_alive(support.responder_pid()):
        support.stack("responder-start")
    support.wait_http_200("/healthz", timeout=20)
    yield


@pytest.fixture
def diagnostics():
    if not support.DIAGNOSTICS:
        pytest.skip("needs the responder's diagnostics endpoints (stack started without --diagnostics)")


@pytest.fixture
def no_sleepers():
    """Wait for sleeps of earlier tests to be gone before measuring."""
    support.wait_until(lambda: support.active_sleeps() == 0, timeout=30, interval=0.2)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so fixtures can tell a failed test (the
    browser tests save a screenshot of the page it failed on)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
