"""A streaming hot standby for the DBAs' reports (issue 8; scripts/replica.sh, docs/reports.md):
a second cluster made by pg_basebackup from the test stack's PostgreSQL, where portal_report reads
the reporting views. A change on the primary shows in a report on the standby; the standby
refuses writes; destroying it drops its replication slot on the primary."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

import support
from accounts import create_structure

REPLICA = os.path.join(os.path.dirname(support.STACK), "replica.sh")


def replica(*args, timeout=180):
    proc = subprocess.run(["bash", REPLICA, *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"replica.sh {' '.join(args)} failed:\n{proc.stderr}"
    return proc.stdout


def psql_at(host, port, user, sql):
    """Runs SQL on a cluster; returns the finished process (stdout unaligned, tuples only)."""
    return subprocess.run(
        [shutil.which("psql") or "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(port),
         "-U", user, "-d", support.PG_DB, "-c", sql],
        capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def standby():
    """The standby's directory, socket directory and port; destroyed at the end in any case."""
    directory = tempfile.mkdtemp(prefix="portal-replica.")
    try:
        replica("start", directory, "--primary", support.RUN_DIR)
        env = dict(re.findall(r"^export (\w+)=(.*)$", replica("env", directory), re.M))
        yield {"dir": directory, "host": env["PGHOST"], "port": env["PGPORT"]}
    finally:
        if os.path.isdir(directory):
            subprocess.run(["bash", REPLICA, "destroy", directory], capture_output=True, timeout=120)


def test_a_structure_created_on_the_primary_shows_in_the_reports_of_the_standby(standby):
    def on_standby():
        proc = psql_at(standby["host"], standby["port"], "portal_report",
                       f"SELECT name, has_principal, signed_contracts FROM reporting.structures WHERE structure_id = {created['id']}")
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    created = create_structure()
    took = support.wait_until(lambda: on_standby() == "SARL E2E|f|0", timeout=30, interval=0.1)
    assert took is not None, f"not on the standby after 30 s: {on_standby()!r}"


def test_the_standby_is_read_only(standby):
    assert psql_at(standby["host"], standby["port"], "portal_report", "SELECT pg_is_in_recovery()").stdout.strip() == "t"
    for user, sql in [("portal_owner", "INSERT INTO news (title, body) VALUES ('x', 'y')"),
                      ("portal_owner", "UPDATE structures SET name = 'X'"),
                      (support.PG_SUPERUSER, "CREATE TABLE written_on_standby (x int)")]:
        proc = psql_at(standby["host"], standby["port"], user, sql)
        assert proc.returncode != 0 and "read-only transaction" in proc.stderr, (user, sql, proc.stderr)


def test_portal_report_reads_the_reports_and_no_table_on_the_standby(standby):
    ok = psql_at(standby["host"], standby["port"], "portal_report", "SELECT count(*) FROM reporting.ij_paid_monthly")
    assert ok.returncode == 0 and ok.stdout.strip().isdigit(), ok.stderr
    denied = psql_at(standby["host"], standby["port"], "portal_report", "SELECT nir FROM public.insured_people")
    assert denied.returncode != 0 and "permission denied" in denied.stderr, denied.stderr


def test_destroy_stops_the_standby_and_drops_its_slot(standby):
    slot = f"replica_{standby['port']}"
    assert support.psql(f"SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'") == "t"
    replica("destroy", standby["dir"])
    assert not os.path.exists(standby["dir"])
    assert support.psql(f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'") == "0"
