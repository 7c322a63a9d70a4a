"""ij-worker end to end: the real binary on real files against the stack's PostgreSQL (issue 5,
spec ../shared/specs/ocso-batch-files.md). CLI contract and exit codes, the bad-input list,
payments visible in the employer API, the spool, two workers on one file, bounded memory
(atomicity under kill -9 is a fault test: tests/faults/test_worker_kill_9.py).

Other tests share the database: every batch id and payment ref is uuid-based, and counts are
taken per batch (or as before/after differences), never of whole tables. Runs before
test_90_sigterm, which restarts the responder.
"""

import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

import batchfiles as bf
import support
from accounts import create_structure, logged_in_principal, seed_demo

BIN_DIR = os.environ.get("PORTAL_E2E_BIN_DIR", "")
WORKER = os.path.join(BIN_DIR, "ij-worker")
WORKER_URL = os.environ.get("PORTAL_E2E_WORKER_URL", "")

SUMMARY = re.compile(r"^(?P<file>\S+)  batch=(?P<batch>\S+)  type=(?P<type>\S+)  (?P<status>\S+)  "
                     r"loaded=(?P<loaded>\d+)  rejected=(?P<rejected>\d+)  (?P<ms>\d+) ms(  reason=(?P<reason>\S+))?$")


# --------------------------------------------------------------------------- helpers


def lit(value):
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql(query, timeout=30):
    return support.psql(query, timeout=timeout)


def rows(query, timeout=30):
    out = sql(query, timeout=timeout)
    return [line.split("|") for line in out.splitlines()] if out else []


def worker(*args, timeout=300, env=None):
    """Runs ij-worker with the given arguments (no --database-url added)."""
    return subprocess.run([WORKER, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def ingest(*args, timeout=300):
    """`ij-worker ingest --database-url <worker> ARGS…`; args are options and files."""
    return worker("ingest", "--database-url", WORKER_URL, *args, timeout=timeout)


def json_lines(proc):
    return [json.loads(line) for line in proc.stdout.splitlines()]


def write(directory, content, name=None):
    path = os.path.join(directory, name or f"{uuid.uuid4().hex[:12]}.txt")
    with open(path, "wb") as f:
        f.write(content)
    return path


def batch_files(batch_id=None, file_name=None):
    """[(status, reason, items_loaded, items_rejected)] of the registry rows of a batch or file name."""
    where = f"batch_id = {lit(batch_id)}" if batch_id else f"file_name = {lit(file_name)}"
    return [(s, r, int(lo), int(rj)) for s, r, lo, rj in rows(
        f"SELECT status, coalesce(reason, ''), items_loaded, items_rejected FROM batch_files WHERE {where} ORDER BY id")]


def rejects(batch_id=None, file_name=None):
    """[(line_number, record_type, item_key, reason)] recorded for a batch (all its registry rows)."""
    where = f"f.batch_id = {lit(batch_id)}" if batch_id else f"f.file_name = {lit(file_name)}"
    return [tuple(row) for row in rows(f"""
        SELECT coalesce(r.line_number::text, ''), coalesce(r.record_type, ''), coalesce(r.item_key, ''), r.reason
        FROM batch_rejects r JOIN batch_files f ON f.id = r.batch_file_id WHERE {where} ORDER BY f.id, r.position""")]


def payments_of(batch_id):
    """(payments, their amount sum, lines, their amount sum) of a batch, as text."""
    return tuple(rows(f"""
        SELECT (SELECT count(*) FROM ij_payments WHERE batch_id = {lit(batch_id)}),
               (SELECT coalesce(sum(amount), 0) FROM ij_payments WHERE batch_id = {lit(batch_id)}),
               (SELECT count(*) FROM ij_payment_lines l JOIN ij_payments p ON p.structure_id = l.structure_id
                                                                     AND p.id = l.payment_id
                WHERE p.batch_id = {lit(batch_id)}),
               (SELECT coalesce(sum(l.amount), 0) FROM ij_payment_lines l JOIN ij_payments p
                    ON p.structure_id = l.structure_id AND p.id = l.payment_id WHERE p.batch_id = {lit(batch_id)})""")[0])


def loaded_refs(*refs):
    """The refs among `refs` present in ij_payments."""
    listed = ", ".join(lit(r) for r in refs)
    return {row[0] for row in rows(f"SELECT payment_ref FROM ij_payments WHERE payment_ref IN ({listed})")}


def totals():
    """Whole-table counts, to compare before/after a command that must write nothing."""
    return rows("SELECT (SELECT count(*) FROM batch_files), (SELECT count(*) FROM batch_rejects), "
                "(SELECT count(*) FROM ij_payments), (SELECT count(*) FROM ij_payment_lines), "
                "(SELECT count(*) FROM insured_people)")[0]


def report_rows(path):
    """The per-rejection rows of a report: [(line, type, key, code, message)]."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    header = "ligne\ttype\tclé\tcode\tmessage"
    if header not in lines:
        return []
    return [tuple(line.split("\t")) for line in lines[lines.index(header) + 1:] if line]


def peak_rss_kib(args, scratch):
    """Runs a command; returns (completed process, its peak RSS in KiB).

    Not wait4's ru_maxrss of a child of pytest: it counts the pre-exec fork, i.e. pytest's own
    RSS. GNU time (package `time`) is a small parent, so its %M is the command's; without it,
    VmHWM (reset by exec) is polled from /proc until the process exits."""
    if os.path.exists("/usr/bin/time"):
        measured = os.path.join(scratch, f"rss-{uuid.uuid4().hex[:8]}.txt")
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", measured, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, timeout=600)
        with open(measured) as f:
            return proc, int(f.read().split()[-1])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                peak = max([peak] + [int(line.split()[1]) for line in f if line.startswith("VmHWM:")])
        except OSError:
            pass
        time.sleep(0.005)
    return subprocess.CompletedProcess(args, proc.returncode, proc.stdout.read(), ""), peak


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workdir():
    """Files of this module, in the run directory (removed with it)."""
    path = os.path.join(support.RUN_DIR, "tmp", f"worker-{uuid.uuid4().hex[:8]}")
    os.makedirs(path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def demo():
    """The guide's demo structure (idempotent seed): client 1234567, SIRET 99999999800019."""
    seed_demo()
    sid = sql(f"SELECT id FROM structures WHERE client_number = {lit(bf.DEMO_CLIENT)}")
    assert sid
    assert sql(f"SELECT count(*) FROM insured_people WHERE structure_id = {sid} AND matricule LIKE '1234567000%'") == "5"
    return int(sid)


@pytest.fixture(scope="module")
def other():
    """A second structure, made with portalctl structure create --json: its id, client number, SIRET."""
    structure = create_structure()
    structure["siret"] = sql(f"SELECT siret FROM structures WHERE id = {structure['id']}")
    return structure


def unknown_client():
    """A client number no structure has: created ones are all digits, synthetic ones S + digits."""
    return "X" + uuid.uuid4().hex[:6].upper()


# --------------------------------------------------------------------------- 1. CLI contract


def test_summary_line_per_file_and_exit_codes(demo, workdir):
    good_ref, bad_ref = bf.unique("G"), bf.unique("B")
    good = write(workdir, bf.ij_file(bf.unique("b-"), [bf.guide_payment(good_ref)]))
    mixed_batch = bf.unique("b-")
    mixed = write(workdir, bf.ij_file(mixed_batch, [bf.guide_payment(bad_ref, matricule="ZZ" + uuid.uuid4().hex[:10].upper())]))
    truncated = write(workdir, b"\n".join(bf.ij_file(bf.unique("b-"), [bf.guide_payment(bf.unique("T"))]).split(b"\n")[:-2]) + b"\n")

    proc = ingest(good, mixed)
    assert proc.returncode == 3, proc  # an item rejected
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, proc.stdout  # logs go to stderr, stdout has one line per file
    first, second = (SUMMARY.match(line) for line in lines)
    assert first and second, lines
    assert first["file"] == good and first["type"] == "IJ" and first["status"] == "loaded"
    assert (first["loaded"], first["rejected"]) == ("1", "0")
    assert second["file"] == mixed and second["batch"] == mixed_batch and second["status"] == "loaded"
    assert (second["loaded"], second["rejected"]) == ("0", "1")
    assert json.loads(proc.stderr.splitlines()[0])["msg"]  # structured log lines

    again = ingest(good)
    assert again.returncode == 0, again
    assert SUMMARY.match(again.stdout.strip())["status"] == "already_loaded"

    # A rejected file beats an item rejection: 4.
    worst = ingest(good, truncated, mixed)
    assert worst.returncode == 4, worst
    statuses = [SUMMARY.match(line)["status"] for line in worst.stdout.splitlines()]
    assert statuses == ["already_loaded", "rejected", "already_loaded"]
    assert SUMMARY.match(worst.stdout.splitlines()[1])["reason"] == "missing_trailer"
    assert loaded_refs(good_ref, bad_ref) == {good_ref}


def test_json_one_object_per_file(demo, workdir):
    batch, rejected_batch = bf.unique("j-"), bf.unique("j-")
    good = write(workdir, bf.ij_file(batch, [bf.guide_payment(bf.unique("J")), bf.guide_payment(bf.unique("J"))]))
    records = bf.ij_records(rejected_batch, [bf.guide_payment(bf.unique("J"))])
    records[-1] = records[-1].replace("T;4;", "T;5;")
    bad = write(workdir, bf.join(records))
    proc = ingest("--json", good, bad)
    assert proc.returncode == 4, proc
    objects = json_lines(proc)
    assert len(objects) == 2
    for obj in objects:
        assert {"file", "batch_id", "type", "status", "loaded", "rejected", "duration_ms"} <= set(obj), obj
        assert isinstance(obj["duration_ms"], int) and obj["duration_ms"] >= 0
    assert objects[0]["file"] == good and objects[0]["batch_id"] == batch and objects[0]["type"] == "IJ"
    assert (objects[0]["status"], objects[0]["loaded"], objects[0]["rejected"]) == ("loaded", 2, 0)
    assert objects[1]["file"] == bad and objects[1]["batch_id"] == rejected_batch
    assert (objects[1]["status"], objects[1]["loaded"]) == ("rejected", 0)
    assert objects[1]["reason"] == "trailer_mismatch"


def test_debug_level_logs_the_duration_of_each_phase(demo, workdir):
    batch = bf.unique("d-")
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(bf.unique("D"))]))
    quiet = worker("ingest", "--database-url", WORKER_URL, "--dry-run", path)
    assert quiet.returncode == 0, quiet
    assert "batch phase" not in quiet.stderr  # info by default
    proc = worker("ingest", "--database-url", WORKER_URL, path, env={"PORTAL_LOG_LEVEL": "debug"})
    assert proc.returncode == 0, proc
    phases = [line for line in map(json.loads, proc.stderr.splitlines()) if line["msg"] == "batch phase"]
    assert [p["phase"] for p in phases] == ["parse and stage", "resolve and check", "merge payments", "merge lines",
                                            "register", "commit", "analyze"]
    assert all(p["batch_id"] == batch and p["level"] == "debug" and int(p["duration_ms"]) >= 0 for p in phases)

    bad = worker("ingest", "--database-url", WORKER_URL, path, env={"PORTAL_LOG_LEVEL": "loud"})
    assert bad.returncode == 2 and "PORTAL_LOG_LEVEL" in bad.stderr, bad


def last_analyze(tables):
    """When each table's statistics were last refreshed by an ANALYZE command (not autovacuum's)."""
    names = ", ".join(lit(t) for t in tables)
    return dict(rows(f"SELECT relname, coalesce(last_analyze::text, 'never') FROM pg_stat_user_tables "
                     f"WHERE relname IN ({names})"))


@pytest.mark.parametrize("kind", ["IJ", "AFF"])
def test_a_load_refreshes_the_statistics_of_the_tables_it_wrote(demo, other, workdir, kind):
    """The planner must know tonight's rows tomorrow morning: a new structure's thousands of rows
    estimated at one once made its insured list quadratic (sql/migrations/0010)."""
    if kind == "IJ":
        tables = ["ij_payments", "ij_payment_lines"]
        content = bf.ij_file(bf.unique("s-"), [bf.guide_payment(bf.unique("S"))])
    else:
        tables = ["contracts", "guarantees", "insured_people", "affiliations", "beneficiaries"]
        matricule = "SA" + uuid.uuid4().hex[:10].upper()
        content = bf.aff_file(bf.unique("s-"), [bf.insured_record(matricule, bf.nir("1850578006084"),
                                                                  client=other["client_number"])])
    path = write(workdir, content)
    before = last_analyze(tables)
    proc = ingest(path)
    assert proc.returncode == 0, proc
    loaded = last_analyze(tables)
    assert set(loaded) == set(tables)
    assert all(loaded[t] != "never" and loaded[t] != before.get(t) for t in tables), (before, loaded)
    # A file already loaded writes nothing, so it analyzes nothing.
    again = ingest(path)
    assert again.returncode == 0 and "already_loaded" in again.stdout, again
    assert last_analyze(tables) == loaded


def test_a_failed_statistics_refresh_takes_nothing_from_the_load(demo, workdir):
    ref = bf.unique("F")
    path = write(workdir, bf.ij_file(bf.unique("f-"), [bf.guide_payment(ref)]))
    sql("REVOKE EXECUTE ON FUNCTION analyze_after_batch(text) FROM portal_worker")
    try:
        proc = ingest(path)
    finally:
        sql("GRANT EXECUTE ON FUNCTION analyze_after_batch(text) TO portal_worker")
    assert proc.returncode == 0, proc
    assert SUMMARY.match(proc.stdout.strip())["status"] == "loaded"
    assert loaded_refs(ref) == {ref}
    warnings = [line for line in map(json.loads, proc.stderr.splitlines())
                if line["msg"] == "statistics not refreshed after the load"]
    assert [w["level"] for w in warnings] == ["warning"], proc.stderr


@pytest.mark.parametrize("case", ["no file", "unknown option", "unreachable database", "no database at all"])
def test_usage_and_configuration_errors_exit_2(demo, workdir, case):
    batch = bf.unique("u-")
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(bf.unique("U"))]))
    if case == "no file":
        proc = ingest()
    elif case == "unknown option":
        proc = ingest("--no-such-option", path)
    elif case == "unreachable database":
        proc = worker("ingest", "--database-url", f"host={workdir} port=1 dbname=portal user=portal_worker connect_timeout=2",
                      path)
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "PORTAL_DATABASE_URL"}
        env["PGHOST"] = workdir  # no server there
        proc = subprocess.run([WORKER, "ingest", path], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    assert "ij-worker" in proc.stderr and proc.stderr.strip()
    assert batch_files(batch) == []


def test_strict_turns_item_errors_into_file_rejection(demo, workdir):
    batch, good_ref, bad_ref = bf.unique("s-"), bf.unique("G"), bf.unique("B")
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(good_ref),
                                             bf.guide_payment(bad_ref, matricule="ZZ" + uuid.uuid4().hex[:10].upper())]))
    proc = ingest("--strict", "--json", path)
    assert proc.returncode == 4, proc
    assert json_lines(proc)[0]["status"] == "rejected"
    assert [row[:3] for row in batch_files(batch)] == [("rejected", "strict_item_rejected", 0)]
    assert loaded_refs(good_ref, bad_ref) == set()
    assert payments_of(batch)[0] == "0"
    # The same batch without --strict: the good payment loads (a refused batch may be sent again).
    relaxed = ingest(path)
    assert relaxed.returncode == 3, relaxed
    assert loaded_refs(good_ref, bad_ref) == {good_ref}


def test_strict_rejection_names_the_items_that_caused_it(demo, workdir):
    """In strict mode the file's report and batch_rejects still say which item failed and why
    (line, type, key, reason): 'n items rejected' alone does not let operations fix the file."""
    batch, bad_ref = bf.unique("s-"), bf.unique("B")
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(bf.unique("G")),
                                             bf.guide_payment(bad_ref, matricule="ZZ" + uuid.uuid4().hex[:10].upper())]))
    proc = ingest("--strict", path)
    assert proc.returncode == 4, proc
    recorded = rejects(batch)
    assert ("4", "R", bad_ref, "unknown_matricule") in recorded, recorded
    assert ("4", "R", bad_ref, "unknown_matricule") in [row[:4] for row in report_rows(path + ".report.txt")]


def test_dry_run_writes_nothing(demo, workdir):
    batch, good_ref, bad_ref = bf.unique("d-"), bf.unique("G"), bf.unique("B")
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(good_ref),
                                             bf.guide_payment(bad_ref, client=unknown_client())]))
    broken = write(workdir, bf.ij_file(bf.unique("d-"), [bf.guide_payment(bf.unique("G"))])[:-20])
    before = totals()
    proc = ingest("--dry-run", "--json", path)
    assert proc.returncode == 3, proc
    outcome = json_lines(proc)[0]
    assert (outcome["status"], outcome["loaded"], outcome["rejected"]) == ("validated", 1, 1)
    refused = ingest("--dry-run", broken)
    assert refused.returncode == 4, refused
    assert totals() == before
    assert batch_files(batch) == [] and loaded_refs(good_ref, bad_ref) == set()
    # The dry run left no lock or staging behind: the real load goes through.
    assert ingest(path).returncode == 3
    assert loaded_refs(good_ref, bad_ref) == {good_ref}


def test_report_file_and_batch_rejects(demo, workdir, other):
    batch = bf.unique("r-")
    refs = [bf.unique("R") for _ in range(5)]
    payments = [
        bf.guide_payment(refs[0]),                                                   # lines 2-3: loaded
        bf.guide_payment(refs[1], client=unknown_client()),                          # 4: unknown_client_number
        bf.guide_payment(refs[2], siret=other["siret"]),                             # 6: siret_mismatch
        bf.Payment(refs[3], [bf.Line(bf.DEMO_MATRICULES[1], days=21)]),              # 9: days_inconsistent (L)
        bf.Payment(refs[4], [bf.Line(bf.DEMO_MATRICULES[2])], amount=55381),         # 10: amount_mismatch
    ]
    path = write(workdir, bf.ij_file(batch, payments))
    proc = ingest("--json", path)
    assert proc.returncode == 3, proc
    outcome = json_lines(proc)[0]
    assert (outcome["status"], outcome["loaded"], outcome["rejected"]) == ("loaded", 1, 4)
    report = path + ".report.txt"
    assert os.path.isfile(report)
    expected = [("4", "R", refs[1], "unknown_client_number"), ("6", "R", refs[2], "siret_mismatch"),
                ("9", "L", f"{refs[3]};{bf.DEMO_MATRICULES[1]}", "days_inconsistent"),
                ("10", "R", refs[4], "amount_mismatch")]
    table = report_rows(report)
    assert [row[:4] for row in table] == expected, table
    assert all(len(row) == 5 and row[4].strip() for row in table), table  # a readable message each
    assert rejects(batch) == expected
    assert batch_files(batch) == [("loaded", "", 1, 4)]
    # Operations find them per structure and reason too.
    assert sql(f"""SELECT count(*) FROM batch_rejects r JOIN batch_files f ON f.id = r.batch_file_id
                   WHERE f.batch_id = {lit(batch)} AND r.reason = 'siret_mismatch'
                     AND r.structure_id = {demo}""") == "1"
    assert loaded_refs(*refs) == {refs[0]}


def test_rejected_count_counts_items_not_reasons(demo, workdir):
    """One payment with three problems is one rejected item: loaded + rejected = payments."""
    batch, good_ref, bad_ref = bf.unique("c-"), bf.unique("G"), bf.unique("B")
    bad = bf.Payment(bad_ref, [bf.Line(bf.DEMO_MATRICULES[0], days=3), bf.Line(bf.DEMO_MATRICULES[1], days=4)], amount=100)
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(good_ref), bad]))
    proc = ingest("--json", path)
    assert proc.returncode == 3, proc
    outcome = json_lines(proc)[0]
    assert len(rejects(batch)) == 3  # every reason is reported…
    assert (outcome["loaded"], outcome["rejected"]) == (1, 1), outcome  # …but it is one item
    assert batch_files(batch) == [("loaded", "", 1, 1)]


# --------------------------------------------------------------------------- 2. bad input


def edit(records, index, field, value):
    """Replace field `field` of record `index` (fields split on ';')."""
    fields = records[index].split(";")
    fields[field] = value
    records[index] = ";".join(fields)
    return records


def good_records(batch):
    return bf.ij_records(batch, [bf.guide_payment(bf.unique("F")), bf.guide_payment(bf.unique("F"), bf.DEMO_MATRICULES[1])])


def trailer_off(field, delta):
    def build(batch):
        records = good_records(batch)
        fields = records[-1].split(";")
        fields[field] = bf.money(bf.cents(fields[field]) + delta) if field == 4 else str(int(fields[field]) + delta)
        records[-1] = ";".join(fields)
        return bf.join(records)
    return build


def replaced(index, field, value):
    return lambda batch: bf.join(edit(good_records(batch), index, field, value))


# (id, builder(batch) -> bytes, reason, line_number or None). Records of good_records():
# 1 H, 2 R, 3 L, 4 R, 5 L, 6 T.
FILE_LEVEL = [
    ("empty file", lambda b: b"", "empty_file", None),
    ("BOM only", lambda b: b"\xef\xbb\xbf", "empty_file", None),
    ("header only", lambda b: bf.join(good_records(b)[:1]), "missing_trailer", None),
    ("missing trailer", lambda b: bf.join(good_records(b)[:-1]), "missing_trailer", None),
    ("truncated inside the trailer", lambda b: bf.join(good_records(b))[:-9], "wrong_field_count", 6),
    ("truncated inside a line", lambda b: bf.join(good_records(b)[:-1], final_eol=False)[:-3], "invalid_field", 5),
    ("record_count + 1", trailer_off(1, 1), "trailer_mismatch", 6),
    ("record_count - 1", trailer_off(1, -1), "trailer_mismatch", 6),
    ("count_1 + 1", trailer_off(2, 1), "trailer_mismatch", 6),
    ("count_2 - 1", trailer_off(3, -1), "trailer_mismatch", 6),
    ("control + 0.01", trailer_off(4, 1), "trailer_mismatch", 6),
    ("control - 0.01", trailer_off(4, -1), "trailer_mismatch", 6),
    ("invalid UTF-8", lambda b: bf.join(good_records(b)).replace(b"MARTIN Claire", b"MARTIN \xff Claire", 1),
     "invalid_utf8", 3),
    ("overlong UTF-8", lambda b: bf.join(good_records(b)).replace(b"MARTIN Claire", b"MARTIN \xc0\xaf", 1),
     "invalid_utf8", 3),
    ("empty line", lambda b: bf.join(good_records(b)).replace(b"\nR;", b"\n\nR;", 1), "empty_line", 2),
    ("space after an amount", replaced(1, 5, "553.80 "), "invalid_field", 2),
    ("space before a date", replaced(2, 4, " 2021-05-07"), "invalid_field", 3),
    ("space in a client number", replaced(3, 2, "1234567 "), "invalid_field", 4),
    ("space before a matricule", replaced(4, 2, " " + bf.DEMO_MATRICULES[1]), "invalid_field", 5),
    ("R with a field too many", lambda b: bf.join([r + ";" if i == 1 else r for i, r in enumerate(good_records(b))]),
     "wrong_field_count", 2),
    ("L with a field missing", lambda b: bf.join([r.rsplit(";", 1)[0] if i == 2 else r for i, r in enumerate(good_records(b))]),
     "wrong_field_count", 3),
    ("trailer with a field missing", lambda b: bf.join(good_records(b)[:-1] + [good_records(b)[-1].rsplit(";", 1)[0]]),
     "wrong_field_count", 6),
    ("amount with one decimal", replaced(1, 5, "553.8"), "invalid_field", 2),
    ("amount with a comma", replaced(1, 5, "553,80"), "invalid_field", 2),
    ("amount with a thousand separator", replaced(1, 5, "1,553.80"), "invalid_field", 2),
    ("amount with a space as thousand separator", replaced(1, 5, "1 553.80"), "invalid_field", 2),
    ("daily amount with three decimals", replaced(2, 8, "32.340"), "invalid_field", 3),
    ("2021-02-30 as payment date", replaced(1, 4, "2021-02-30"), "invalid_field", 2),
    ("2021-02-30 as period end", replaced(2, 5, "2021-02-30"), "invalid_field", 3),
    ("L before any R", lambda b: bf.join([good_records(b)[i] for i in (0, 2, 1, 3, 4, 5)]), "orphan_line", 2),
    ("L of another R", lambda b: bf.join(edit(good_records(b), 4, 1, "OTHER1")), "orphan_line", 5),
    ("R with no L", lambda b: bf.ij_file(b, [bf.guide_payment(bf.unique("F")), bf.Payment(bf.unique("F"), [], amount=0),
                                             bf.guide_payment(bf.unique("F"))]), "payment_without_lines", 4),
    ("last R with no L", lambda b: bf.ij_file(b, [bf.guide_payment(bf.unique("F")), bf.Payment(bf.unique("F"), [], amount=0)]),
     "payment_without_lines", 4),
    ("unknown record type", lambda b: bf.join(good_records(b)[:3] + ["X;1;2"] + good_records(b)[3:]), "unknown_record_type", 4),
    ("AFF record in an IJ file", lambda b: bf.join(good_records(b)[:3] + [bf.insured_record("M1", bf.nir("1850578006084"))]
                                                   + good_records(b)[3:]), "record_type_not_allowed", 4),
    ("record after the trailer", lambda b: bf.join(good_records(b) + ["R;X;1234567;99999999800019;2021-06-18;0.00"]),
     "record_after_trailer", 7),
    ("unknown file type", lambda b: bf.join([good_records(b)[0].replace(";IJ;", ";XX;")] + good_records(b)[1:]),
     "unknown_file_type", 1),
    ("format version 2", lambda b: bf.join([good_records(b)[0].replace(";IJ;1;", ";IJ;2;")] + good_records(b)[1:]),
     "unsupported_format_version", 1),
]


@pytest.mark.parametrize("build,reason,line", [case[1:] for case in FILE_LEVEL], ids=[case[0] for case in FILE_LEVEL])
def test_file_level_errors_reject_the_whole_file(demo, workdir, build, reason, line):
    batch = bf.unique("f-")
    content = build(batch)
    refs = re.findall(rb"\nR;([A-Za-z0-9_-]+);", content)
    path = write(workdir, content)
    name = os.path.basename(path)
    proc = ingest("--json", path)
    assert proc.returncode == 4, proc
    outcome = json_lines(proc)[0]
    assert (outcome["status"], outcome["reason"], outcome["loaded"]) == ("rejected", reason, 0), outcome
    registry = batch_files(file_name=name)
    assert [row[:3] for row in registry] == [("rejected", reason, 0)], registry
    recorded = rejects(file_name=name)
    assert len(recorded) == 1 and recorded[0][3] == reason, recorded
    if line is not None:
        assert recorded[0][0] == str(line), recorded
    # Nothing of the file is stored, not even its valid payments.
    assert all(row[0] == "rejected" for row in batch_files(batch))
    assert payments_of(batch)[0] == "0"
    if refs:
        assert loaded_refs(*(r.decode() for r in refs)) == set()
    report = report_rows(path + ".report.txt")
    assert [row[3] for row in report] == [reason], report
    with open(path + ".report.txt", encoding="utf-8") as f:
        assert reason in f.read().split("\n\n")[0]  # the summary names the file's rejection


@pytest.mark.parametrize("variant", ["BOM", "CRLF", "BOM and CRLF", "no final newline", "CRLF without final newline"])
def test_accepted_framings(demo, workdir, variant):
    batch, ref = bf.unique("a-"), bf.unique("A")
    kwargs = {"bom": "BOM" in variant, "eol": "\r\n" if "CRLF" in variant else "\n", "final_eol": "without" not in variant
              and "no final" not in variant}
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(ref)], **kwargs))
    proc = ingest("--json", path)
    assert proc.returncode == 0, proc
    assert json_lines(proc)[0]["status"] == "loaded"
    assert payments_of(batch) == ("1", "553.80", "1", "553.80")
    # No stray CR or BOM in what was stored.
    assert rows(f"SELECT l.beneficiary_name, l.insurer_daily FROM ij_payment_lines l JOIN ij_payments p "
                f"ON p.structure_id = l.structure_id AND p.id = l.payment_id WHERE p.payment_ref = {lit(ref)}") \
        == [["MARTIN Claire", "60.03"]]


# (id, builder(good_ref, bad_ref, context) -> [payments], reason, record type, key(bad_ref))
ITEM_LEVEL = [
    ("days inconsistent with the period", lambda g, b, c: [bf.guide_payment(g), bf.Payment(b, [bf.Line(bf.DEMO_MATRICULES[1], days=19)])],
     "days_inconsistent", "L", lambda b: f"{b};{bf.DEMO_MATRICULES[1]}"),
    ("period ending before it starts", lambda g, b, c: [bf.guide_payment(g), bf.Payment(
        b, [bf.Line(bf.DEMO_MATRICULES[1], start="2021-05-26", end="2021-05-07", days=1)])],
     "days_inconsistent", "L", lambda b: f"{b};{bf.DEMO_MATRICULES[1]}"),
    ("amount not the sum of its lines (+0.01)", lambda g, b, c: [bf.guide_payment(g), bf.Payment(
        b, [bf.Line(bf.DEMO_MATRICULES[0]), bf.Line(bf.DEMO_MATRICULES[1], other=-1234)], amount=2 * 55380 - 1234 + 1)],
     "amount_mismatch", "R", lambda b: b),
    ("unknown client number", lambda g, b, c: [bf.guide_payment(g), bf.guide_payment(b, client=unknown_client())],
     "unknown_client_number", "R", lambda b: b),
    ("SIRET of another structure", lambda g, b, c: [bf.guide_payment(g), bf.guide_payment(b, siret=c["siret"])],
     "siret_mismatch", "R", lambda b: b),
    ("unknown matricule", lambda g, b, c: [bf.guide_payment(g), bf.Payment(
        b, [bf.Line(bf.DEMO_MATRICULES[0]), bf.Line("ZZ" + uuid.uuid4().hex[:10].upper())])],
     "unknown_matricule", "R", lambda b: b),
    ("matricule of another structure's insured", lambda g, b, c: [bf.guide_payment(g), bf.guide_payment(b, matricule=c["matricule"])],
     "unknown_matricule", "R", lambda b: b),
    ("duplicate payment_ref in the file", lambda g, b, c: [bf.guide_payment(g), bf.guide_payment(g, bf.DEMO_MATRICULES[3])],
     "duplicate_payment_ref", "R", lambda b: None),
]


@pytest.fixture(scope="module")
def other_with_insured(other):
    matricule = "OT" + uuid.uuid4().hex[:10].upper()
    sql(f"INSERT INTO insured_people (structure_id, matricule, last_name, first_name) "
        f"VALUES ({other['id']}, {lit(matricule)}, 'AUTRE', 'Personne')")
    return {**other, "matricule": matricule}


@pytest.mark.parametrize("build,reason,record_type,key", [case[1:] for case in ITEM_LEVEL], ids=[case[0] for case in ITEM_LEVEL])
def test_item_level_errors_reject_one_payment(demo, workdir, other_with_insured, build, reason, record_type, key):
    batch, good_ref, bad_ref = bf.unique("i-"), bf.unique("G"), bf.unique("B")
    payments = build(good_ref, bad_ref, other_with_insured)
    path = write(workdir, bf.ij_file(batch, payments))
    proc = ingest("--json", path)
    assert proc.returncode == 3, proc
    outcome = json_lines(proc)[0]
    assert (outcome["status"], outcome["loaded"], outcome["rejected"]) == ("loaded", 1, 1), outcome
    assert batch_files(batch) == [("loaded", "", 1, 1)]
    recorded = rejects(batch)
    assert [(r[1], r[3]) for r in recorded] == [(record_type, reason)], recorded
    expected_key = key(bad_ref) or good_ref
    assert recorded[0][2] == expected_key, recorded
    # The good payment is loaded with its lines, the bad one not at all.
    assert payments_of(batch) == ("1", "553.80", "1", "553.80")
    assert loaded_refs(good_ref, bad_ref) == {good_ref}


def test_duplicate_payment_ref_across_batches(demo, workdir):
    ref, other_ref = bf.unique("D"), bf.unique("D")
    first = write(workdir, bf.ij_file(bf.unique("x-"), [bf.guide_payment(ref)]))
    assert ingest(first).returncode == 0
    batch = bf.unique("x-")
    second = write(workdir, bf.ij_file(batch, [bf.guide_payment(other_ref), bf.guide_payment(ref, bf.DEMO_MATRICULES[2])]))
    proc = ingest("--json", second)
    assert proc.returncode == 3, proc
    assert [(r[0], r[2], r[3]) for r in rejects(batch)] == [("4", ref, "duplicate_payment_ref")]
    assert sql(f"SELECT count(*) FROM ij_payments WHERE payment_ref = {lit(ref)}") == "1"
    assert payments_of(batch)[:2] == ("1", "553.80")


def test_duplicate_payment_ref_of_another_structure(demo, workdir, other_with_insured):
    """payment_ref is unique across structures (spec §4: 'already loaded from another batch')."""
    ref = bf.unique("D")
    o = other_with_insured
    first = write(workdir, bf.ij_file(bf.unique("x-"), [bf.guide_payment(ref, o["matricule"], client=o["client_number"],
                                                                          siret=o["siret"])]))
    assert ingest(first).returncode == 0
    batch = bf.unique("x-")
    second = write(workdir, bf.ij_file(batch, [bf.guide_payment(ref)]))
    assert ingest(second).returncode == 3
    assert [r[3] for r in rejects(batch)] == ["duplicate_payment_ref"]


def test_same_batch_id_with_other_content(demo, workdir):
    batch, ref = bf.unique("x-"), bf.unique("S")
    original = write(workdir, bf.ij_file(batch, [bf.guide_payment(ref)]))
    assert ingest(original).returncode == 0
    # Identical content under another name: already loaded, nothing changes.
    copy = write(workdir, bf.ij_file(batch, [bf.guide_payment(ref)]))
    same = ingest("--json", copy)
    assert same.returncode == 0 and json_lines(same)[0]["status"] == "already_loaded", same
    altered_ref = bf.unique("S")
    altered = write(workdir, bf.ij_file(batch, [bf.guide_payment(ref), bf.guide_payment(altered_ref)]))
    proc = ingest("--json", altered)
    assert proc.returncode == 4, proc
    assert json_lines(proc)[0]["reason"] == "batch_id_reused"
    assert batch_files(batch) == [("loaded", "", 1, 0), ("rejected", "batch_id_reused", 0, 0)]
    assert rejects(batch)[-1][3] == "batch_id_reused"
    assert payments_of(batch) == ("1", "553.80", "1", "553.80")
    assert loaded_refs(altered_ref) == set()


def test_aff_invalid_nir_rejects_that_insured_person(workdir, other):
    batch = bf.unique("n-")
    good_m, bad_m = "NG" + uuid.uuid4().hex[:10].upper(), "NB" + uuid.uuid4().hex[:10].upper()
    good_nir = bf.nir("1850578006084")
    bad_nir = good_nir[:13] + f"{(int(good_nir[13:]) + 1) % 100:02d}"
    corsica = bf.nir("285052A006084")
    corsica_m = "NC" + uuid.uuid4().hex[:10].upper()
    path = write(workdir, bf.aff_file(batch, [
        bf.insured_record(good_m, good_nir, client=other["client_number"]),
        bf.insured_record(bad_m, bad_nir, client=other["client_number"]),
        bf.insured_record(corsica_m, corsica, client=other["client_number"]),
    ]))
    proc = ingest("--json", path)
    assert proc.returncode == 3, proc
    outcome = json_lines(proc)[0]
    assert (outcome["type"], outcome["status"], outcome["loaded"], outcome["rejected"]) == ("AFF", "loaded", 2, 1), outcome
    assert rejects(batch) == [("3", "I", f"{other['client_number']};{bad_m}", "invalid_nir")]
    stored = rows(f"SELECT matricule, nir FROM insured_people WHERE structure_id = {other['id']} "
                  f"AND matricule IN ({lit(good_m)}, {lit(bad_m)}, {lit(corsica_m)}) ORDER BY matricule")
    assert sorted(stored) == sorted([[corsica_m, corsica], [good_m, good_nir]])
    # A NIR is health data: never in a report or a recorded message.
    with open(path + ".report.txt", encoding="utf-8") as f:
        assert bad_nir not in f.read()
    assert sql(f"SELECT count(*) FROM batch_rejects r JOIN batch_files f ON f.id = r.batch_file_id "
               f"WHERE f.batch_id = {lit(batch)} AND r.message LIKE {lit('%' + bad_nir + '%')}") == "0"


# --------------------------------------------------------------------------- 3. visible in the API


def test_loaded_payments_appear_in_the_employer_api_to_the_cent(workdir):
    address = f"ij.{uuid.uuid4().hex[:10]}@example.fr"
    structure, cookie, _ = logged_in_principal(address)
    sid = structure["id"]
    siret = sql(f"SELECT siret FROM structures WHERE id = {sid}")
    m1, m2 = "API" + uuid.uuid4().hex[:9].upper(), "API" + uuid.uuid4().hex[:9].upper()
    sql(f"INSERT INTO insured_people (structure_id, matricule, last_name, first_name) VALUES "
        f"({sid}, {lit(m1)}, 'MARTIN', 'Claire'), ({sid}, {lit(m2)}, 'DURAND', 'Paul')")
    batch, guide_ref, odd_ref = bf.unique("api-"), bf.unique("G"), bf.unique("O")
    odd = bf.Payment(odd_ref, [
        bf.Line(m2, start="2026-10-01", end="2026-10-03", ss=1999, insurer=3333, other=-7, nature="ATP", name="DURAND Paul"),
        bf.Line(m1, start="2026-10-04", end="2026-10-04", ss=1, insurer=2, other=1, nature="TPT"),
    ], client=structure["client_number"], siret=siret, date="2026-10-20")
    assert odd.amount == (3 * (3333 - 1999) - 7) + (1 * (2 - 1) + 1) == 3997
    path = write(workdir, bf.ij_file(batch, [bf.guide_payment(guide_ref, m1, client=structure["client_number"], siret=siret), odd]))
    proc = ingest(path)
    assert proc.returncode == 0, proc
    assert rows(f"SELECT payment_ref, amount FROM ij_payments WHERE structure_id = {sid} ORDER BY payment_ref") == \
        sorted([[guide_ref, "553.80"], [odd_ref, "39.97"]])
    resp = support.request("GET", f"/api/v1/structures/{sid}/ij-payments", headers={"Cookie": cookie})
    assert resp.status == 200, resp
    doc = resp.json()
    assert doc["total"] == 2
    by_ref = {item["reference"]: item for item in doc["items"]}
    guide = by_ref[guide_ref]
    assert (guide["amount"], guide["payment_date"]) == ("553.80", "2021-06-18")
    assert len(guide["lines"]) == 1
    line = guide["lines"][0]
    assert {k: line[k] for k in ("matricule", "beneficiary_name", "period_start", "period_end", "nature", "days",
                                 "ss_daily", "other_movement", "insurer_daily", "amount")} == {
        "matricule": m1, "beneficiary_name": "MARTIN Claire", "period_start": "2021-05-07", "period_end": "2021-05-26",
        "nature": "MAL", "days": 20, "ss_daily": "32.34", "other_movement": "0.00", "insurer_daily": "60.03", "amount": "553.80"}
    assert by_ref[odd_ref]["amount"] == "39.97"
    assert [(l["line_number"], l["matricule"], l["amount"], l["other_movement"]) for l in by_ref[odd_ref]["lines"]] == \
        [(1, m2, "39.95", "-0.07"), (2, m1, "0.02", "0.01")]
    # Newest first.
    assert [item["reference"] for item in doc["items"]] == [odd_ref, guide_ref]


# --------------------------------------------------------------------------- 4. the spool


def spool_run(spool, timeout=120):
    return worker("watch", "--spool", spool, "--once", "--database-url", WORKER_URL, timeout=timeout)


def listing(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else None


def test_watch_once_processes_incoming_in_name_order(demo, workdir):
    spool = os.path.join(workdir, f"spool-{uuid.uuid4().hex[:8]}")
    incoming = os.path.join(spool, "incoming")
    os.makedirs(incoming)
    batches = [bf.unique("w-") for _ in range(3)]
    refs = [bf.unique("W") for _ in range(3)]
    # Written in reverse order: the name decides, not the mtime.
    files = {
        "03-rejected.txt": bf.join(bf.ij_records(batches[2], [bf.guide_payment(refs[2])])[:-1]),
        "02-item-rejected.txt": bf.ij_file(batches[1], [bf.guide_payment(refs[1], client=unknown_client())]),
        "01-good.txt": bf.ij_file(batches[0], [bf.guide_payment(refs[0])]),
    }
    for name, content in files.items():
        write(incoming, content, name)
        time.sleep(0.01)
    untouched = {".hidden-upload.txt": bf.ij_file(bf.unique("w-"), [bf.guide_payment(bf.unique("W"))]),
                 "04-uploading.txt.part": bf.ij_file(bf.unique("w-"), [bf.guide_payment(bf.unique("W"))])}
    for name, content in untouched.items():
        write(incoming, content, name)

    proc = spool_run(spool)
    assert proc.returncode == 4, proc
    summaries = [SUMMARY.match(line) for line in proc.stdout.splitlines()]
    assert [m["batch"] for m in summaries] == batches, proc.stdout
    assert [m["status"] for m in summaries] == ["loaded", "loaded", "rejected"]
    order = [row[0] for row in rows(f"SELECT batch_id FROM batch_files WHERE batch_id IN ({', '.join(map(lit, batches))}) ORDER BY id")]
    assert order == batches
    assert listing(incoming) == sorted(untouched)
    assert listing(os.path.join(spool, "done")) == ["01-good.txt", "01-good.txt.report.txt",
                                                    "02-item-rejected.txt", "02-item-rejected.txt.report.txt"]
    assert listing(os.path.join(spool, "rejected")) == ["03-rejected.txt", "03-rejected.txt.report.txt"]
    assert [r[3] for r in report_rows(os.path.join(spool, "done", "02-item-rejected.txt.report.txt"))] == ["unknown_client_number"]
    assert [r[3] for r in report_rows(os.path.join(spool, "rejected", "03-rejected.txt.report.txt"))] == ["missing_trailer"]
    for name, content in untouched.items():
        with open(os.path.join(incoming, name), "rb") as f:
            assert f.read() == content

    # Nothing left to do.
    again = spool_run(spool)
    assert again.returncode == 0, again
    assert again.stdout == ""
    assert listing(incoming) == sorted(untouched)
    assert [len(batch_files(b)) for b in batches] == [1, 1, 1]


def test_watch_when_done_cannot_receive_the_file(demo, workdir):
    spool = os.path.join(workdir, f"spool-{uuid.uuid4().hex[:8]}")
    incoming, done = os.path.join(spool, "incoming"), os.path.join(spool, "done")
    os.makedirs(incoming)
    batch, ref = bf.unique("w-"), bf.unique("W")
    name = "10-good.txt"
    content = bf.ij_file(batch, [bf.guide_payment(ref)])
    write(incoming, content, name)

    # 1. done/ is a file: the spool is unusable, nothing is processed.
    write(spool, b"not a directory", "done")
    proc = spool_run(spool)
    assert proc.returncode == 2, proc
    assert "spool" in proc.stderr and "ij-worker" in proc.stderr
    assert listing(incoming) == [name]
    assert batch_files(batch) == []

    # 2. done/ exists but the report cannot be moved there (a directory in the way): the load
    #    commits, the move fails, the file stays in incoming/ and the command says so.
    os.remove(os.path.join(spool, "done"))
    os.makedirs(os.path.join(done, name + ".report.txt", "obstacle"))
    proc = spool_run(spool)
    assert proc.returncode == 1, proc
    assert name in proc.stderr and "incoming" in proc.stderr, proc.stderr
    assert name in listing(incoming)
    with open(os.path.join(incoming, name), "rb") as f:
        assert f.read() == content
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    assert payments_of(batch) == ("1", "553.80", "1", "553.80")

    # 3. Fixed: the next run finishes the job without loading anything twice.
    shutil.rmtree(os.path.join(done, name + ".report.txt"))
    proc = spool_run(spool)
    assert proc.returncode == 0, proc
    assert SUMMARY.match(proc.stdout.strip())["status"] == "already_loaded"
    assert listing(incoming) == []
    assert listing(done) == [name, name + ".report.txt"]
    with open(os.path.join(done, name), "rb") as f:
        assert f.read() == content
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    assert payments_of(batch) == ("1", "553.80", "1", "553.80")


# --------------------------------------------------------------------------- 5. two workers (kill -9: tests/faults)


DEMO_TARGETS = [(bf.DEMO_CLIENT, bf.DEMO_SIRET, m) for m in bf.DEMO_MATRICULES]


def test_two_workers_on_the_same_file_load_it_once(demo, workdir):
    batch = bf.unique("twin-")
    path = os.path.join(workdir, "twin.txt")
    stats = bf.write_ij(path, batch, 30_000, DEMO_TARGETS, seed=7)
    args = [WORKER, "ingest", "--json", "--database-url", WORKER_URL, path]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), outs
    statuses = sorted(json.loads(out)["status"] for out, _ in outs)
    assert statuses == ["already_loaded", "loaded"], outs
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    assert payments_of(batch) == (str(stats["payments"]), stats["control"], str(stats["lines"]), stats["control"])
    with open(path + ".report.txt", encoding="utf-8") as f:
        assert batch in f.read()
    os.remove(path)


# --------------------------------------------------------------------------- 6. bounded memory


def test_memory_does_not_grow_with_the_file_of_several_hundred_megabytes(workdir):
    """A 1,000-line file and a ~280 MiB one (3,500,000 lines): the same memory, give or take buffers."""
    structure = create_structure()
    sid = structure["id"]
    siret = sql(f"SELECT siret FROM structures WHERE id = {sid}")
    prefix = "MEM" + uuid.uuid4().hex[:6].upper()
    sql(f"INSERT INTO insured_people (structure_id, matricule, last_name, first_name) "
        f"SELECT {sid}, {lit(prefix)} || g, 'NOM', 'Prénom' FROM generate_series(1, 20) g")
    targets = [(structure["client_number"], siret, f"{prefix}{g}") for g in range(1, 21)]
    figures = {}
    for label, n in (("small", 1_000), ("big", 3_500_000)):
        batch = bf.unique("mem-")
        path = os.path.join(workdir, f"mem-{label}.txt")
        stats = bf.write_ij(path, batch, n, targets, seed=11)
        size = os.path.getsize(path)
        proc, peak = peak_rss_kib([WORKER, "ingest", "--json", "--database-url", WORKER_URL, path], workdir)
        assert proc.returncode == 0, proc
        assert json_lines(proc)[0]["loaded"] == stats["payments"]
        assert payments_of(batch)[0] == str(stats["payments"])
        figures[label] = (peak, size)
        os.remove(path)
    (small, _), (big, big_size) = figures["small"], figures["big"]
    print(f"\npeak RSS: 1,000 lines {small / 1024:.1f} MiB, 3,500,000 lines ({big_size / 2**20:.0f} MiB) {big / 1024:.1f} MiB")
    assert big_size > 250 * 2**20
    # Buffers: the COPY buffer, libpq's, the reject list (bounded by --max-item-rejections).
    assert big < small + 16 * 1024, figures
