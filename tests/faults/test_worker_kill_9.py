"""kill -9 of ij-worker at 20 random points of a large IJ file, then a rerun: after each kill the
batch is there entirely or not at all, and after the rerun the database holds exactly what one
clean load of the same payments holds (counts, sums, and an md5 of the rows in order), nothing
twice.

The points are drawn from a clean load of the same payments (under another batch id and other
refs), watched in pg_stat_activity: a record of the file during the COPY, or a statement of the
set-based merge after it. Each attempt is killed once its worker has reached its point, so the
kills land before the commit instead of after an earlier attempt already loaded the file.
"""

import os
import random
import signal
import subprocess
import time

import batchfiles as bf
import support
from test_85_worker import DEMO_TARGETS, WORKER, WORKER_URL, batch_files, demo, ingest, lit, rows, workdir  # noqa: F401

LINES = 300_000
KILLS = 20


def backend_state():
    """(statement, records copied or None) of the worker's backend, or None without one."""
    found = rows("SELECT left(split_part(a.query, E'\\n', 1), 48), coalesce(c.tuples_processed::text, '') FROM pg_stat_activity a "
                 "LEFT JOIN pg_stat_progress_copy c ON c.pid = a.pid "
                 "WHERE a.application_name = 'ij-worker' AND a.pid <> pg_backend_pid()")
    if not found:
        return None
    statement, copied = found[0]
    return statement, int(copied) if copied else None


def watch(process):
    """The states of a running worker's backend until it exits: (statement, records copied or
    None, seconds since that statement was first seen)."""
    seen, first_seen = [], {}
    while process.poll() is None:
        state = backend_state()
        if state is not None:
            since = first_seen.setdefault(state[0], time.monotonic())
            seen.append((*state, time.monotonic() - since))
    return seen


class Point:
    """A moment of a load: the n-th distinct statement of the clean load, and within it the number
    of records already copied (the COPY) or a time into the statement (the others, halved so that
    a faster run of the statement is still in it: past the last one, the load commits)."""

    def __init__(self, statements, observed):
        statement, self.copied, into = observed
        self.statements = statements
        self.index = statements.index(statement)
        self.into = 0.5 * into if self.copied is None else 0.0
        self.entered = None

    def reached(self, state):
        """Whether a worker in `state` (from backend_state()) is at or past this point."""
        if state is None or state[0] not in self.statements:
            return False
        index = self.statements.index(state[0])
        if index != self.index:
            return index > self.index
        if self.copied is not None:
            return (state[1] or 0) >= self.copied
        if self.entered is None:
            self.entered = time.monotonic()
        return time.monotonic() - self.entered >= self.into

    def __repr__(self):
        if self.copied is not None:
            return f"COPY at record {self.copied}"
        return f"{self.into:.2f} s into '{self.statements[self.index][:32]}'"


def checksum(batch_id, prefix):
    """Counts, sums and md5s of a batch's payments and lines, refs without their prefix."""
    cut = len(prefix) + 1
    return tuple(rows(f"""
        WITH p AS (SELECT structure_id, id, substr(payment_ref, {cut}) AS ref, payment_date, amount
                   FROM ij_payments WHERE batch_id = {lit(batch_id)}),
             l AS (SELECT p.ref, l.line_no, l.insured_id, l.period_start, l.days, l.amount
                   FROM ij_payment_lines l JOIN p ON p.structure_id = l.structure_id AND p.id = l.payment_id)
        SELECT (SELECT count(*) FROM p), (SELECT coalesce(sum(amount), 0) FROM p),
               (SELECT count(*) FROM l), (SELECT coalesce(sum(amount), 0) FROM l),
               (SELECT md5(coalesce(string_agg(concat_ws(';', ref, payment_date, amount), E'\\n' ORDER BY ref COLLATE "C"), ''))
                FROM p),
               (SELECT md5(coalesce(string_agg(concat_ws(';', ref, line_no, insured_id, period_start, days, amount), E'\\n'
                                               ORDER BY ref COLLATE "C", line_no), '')) FROM l)""", timeout=60)[0])


def table_counts():
    return rows("SELECT (SELECT count(*) FROM batch_files), (SELECT count(*) FROM batch_rejects), "
                "(SELECT count(*) FROM ij_payments), (SELECT count(*) FROM ij_payment_lines)")[0]


def wait_for_worker_backends(timeout=120):
    """A killed worker's backend may still be running its statement; wait until it is gone."""
    gone = support.wait_until(lambda: backend_state() is None, timeout=timeout, interval=0.1)
    assert gone is not None, "a killed worker's backend is still there"


def test_kill_9_at_20_points_then_rerun_ends_as_one_clean_load(demo, workdir, capsys):  # noqa: F811
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    before = table_counts()

    reference_batch = bf.unique("kref-")
    reference = os.path.join(workdir, "kill-reference.txt")
    ref_stats = bf.write_ij(reference, reference_batch, LINES, DEMO_TARGETS, seed=seed)
    clean = subprocess.Popen([WORKER, "ingest", "--database-url", WORKER_URL, reference],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timeline = watch(clean)
    assert clean.wait() == 0, clean.stderr.read()
    expected = checksum(reference_batch, ref_stats["prefix"])
    assert expected[:4] == (str(ref_stats["payments"]), ref_stats["control"], str(ref_stats["lines"]), ref_stats["control"])
    statements = list(dict.fromkeys(state[0] for state in timeline))
    assert any(state[1] for state in timeline), f"the clean load's COPY was never seen: {statements}"

    batch = bf.unique("kill-")
    path = os.path.join(workdir, "kill.txt")
    stats = bf.write_ij(path, batch, LINES, DEMO_TARGETS, seed=seed)
    assert stats["control_cents"] == ref_stats["control_cents"]
    outcomes = []
    for point in [Point(statements, rng.choice(timeline)) for _ in range(KILLS)]:
        child = subprocess.Popen([WORKER, "ingest", "--database-url", WORKER_URL, path],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while child.poll() is None and not point.reached(backend_state()):
            pass
        exited = child.poll() is not None
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        wait_for_worker_backends()
        state = checksum(batch, stats["prefix"])
        loaded = [row for row in batch_files(batch) if row[0] == "loaded"]
        assert state == expected or state[:4] == ("0", "0", "0", "0"), f"half a batch after kill -9 at {point}: {state}"
        assert len(loaded) == (1 if state == expected else 0), (state, loaded)
        outcomes.append((point, "exited" if exited else "killed", "committed" if state == expected else "nothing"))

    final = ingest("--json", path)
    assert final.returncode == 0, final
    got = checksum(batch, stats["prefix"])
    after = table_counts()
    with capsys.disabled():
        killed_before_commit = sum(1 for o in outcomes if o[1:] == ("killed", "nothing"))
        print(f"\nkill -9 of ij-worker on {LINES:,} lines ({os.path.getsize(path) / 2**20:.0f} MiB, seed {seed}): "
              f"{killed_before_commit} of {KILLS} kills interrupted the load")
        for point, how, result in outcomes:
            print(f"  {point!r}: {how}, {result}")
        print(f"  clean load: {expected[0]} payments ({expected[1]}), {expected[2]} lines, md5 {expected[4][:12]}/{expected[5][:12]}")
        print(f"  after rerun: {got[0]} payments ({got[1]}), {got[2]} lines, md5 {got[4][:12]}/{got[5][:12]}")

    assert got == expected
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    # Nothing else was written: two loads' worth of rows, two registry rows, no rejection.
    grown = [int(a) - int(b) for a, b in zip(after, before)]
    assert grown == [2, 0, 2 * stats["payments"], 2 * stats["lines"]], grown
    copy_index = next(statements.index(state[0]) for state in timeline if state[1] is not None)
    interrupted = [point for point, how, result in outcomes if (how, result) == ("killed", "nothing")]
    copy_kills = [point for point in interrupted if point.index == copy_index]
    merge_kills = [point for point in interrupted if point.index > copy_index]
    assert copy_kills and merge_kills, f"the kills did not reach both the COPY and the merge: {outcomes}"
    os.remove(path)
    os.remove(reference)
