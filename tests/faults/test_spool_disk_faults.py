"""`ij-worker watch --spool DIR --once` on a full disk and on a spool it may not write in: a
clear error naming the path and the system's reason, the file left untouched in incoming/,
nothing loaded twice, and the next run after the fix finishes the job.

A full disk is a 1 MiB tmpfs and a read-only file system a read-only bind mount: both need root
(CI runs as root) and are skipped, saying so, where mounting is not permitted. Missing
permissions are tested as the service user, since root writes through them.
"""

import errno
import os
import pwd
import shutil
import subprocess
import uuid

import pytest

import batchfiles as bf
from test_85_worker import (SUMMARY, WORKER, WORKER_URL, batch_files, demo, listing, payments_of, spool_run,  # noqa: F401
                            workdir, write)

SERVICE_USER = "portal-dev"  # scripts/common.sh: runs the stack's services when started as root


def mount(*args):
    """Runs mount(8) as root; skips the test when mounting is not permitted here."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs or a read-only bind mount needs root (CI runs as root)")
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} is not permitted here: {proc.stderr.strip()}")


def unmount(path):
    subprocess.run(["umount", path], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def spool(workdir):  # noqa: F811
    path = os.path.join(workdir, f"spool-{uuid.uuid4().hex[:8]}")
    os.makedirs(path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def small_disk(spool):
    """The spool on a 1 MiB tmpfs of its own."""
    mount("-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", spool)
    yield spool
    unmount(spool)


def fill(directory):
    """Writes zeros into directory/filler until the file system is full; returns the filler's path."""
    path = os.path.join(directory, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return path


def two_payments(incoming, name):
    """An IJ file of two payments in incoming/: (batch id, its bytes)."""
    batch = bf.unique("sp-")
    content = bf.ij_file(batch, [bf.guide_payment(bf.unique("S")), bf.guide_payment(bf.unique("S"), bf.DEMO_MATRICULES[1])])
    write(incoming, content, name)
    return batch, content


def assert_untouched(incoming, name, content):
    assert listing(incoming) == [name], "incoming/ holds something else than the file (a partial report?)"
    with open(os.path.join(incoming, name), "rb") as f:
        assert f.read() == content


def assert_finished(spool, name, batch):
    """The run after the fix: the file and its report in done/, the batch loaded once."""
    assert listing(os.path.join(spool, "incoming")) == []
    assert listing(os.path.join(spool, "done")) == [name, name + ".report.txt"]
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    assert payments_of(batch) == ("2", "1107.60", "2", "1107.60")


def test_full_disk_leaves_the_file_in_incoming_with_a_clear_error(demo, small_disk):  # noqa: F811
    incoming, name = os.path.join(small_disk, "incoming"), "01-full.txt"
    os.makedirs(incoming)
    batch, content = two_payments(incoming, name)
    filler = fill(small_disk)

    proc = spool_run(small_disk)
    assert proc.returncode == 1, proc
    report = os.path.join(incoming, name + ".report.txt")
    assert f"ij-worker: {incoming}/{name}: cannot write the report {report}: No space left on device; " \
           "the file stays in incoming/" in proc.stderr, proc.stderr
    assert_untouched(incoming, name, content)
    # The database is elsewhere: the load committed, once; the report is what the disk refused.
    assert [row[0] for row in batch_files(batch)] == ["loaded"]
    assert payments_of(batch) == ("2", "1107.60", "2", "1107.60")

    os.remove(filler)
    again = spool_run(small_disk)
    assert again.returncode == 0, again
    assert SUMMARY.match(again.stdout.strip())["status"] == "already_loaded"
    assert_finished(small_disk, name, batch)


def as_service_user(args):
    """The command as the unprivileged service user when we are root (root ignores file modes)."""
    if os.geteuid() != 0:
        return args
    if shutil.which("runuser") is None:
        pytest.skip("runuser is needed to run the worker without root")
    return ["runuser", "-u", SERVICE_USER, "--", *args]


def chown_tree(path, user):
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid)


@pytest.mark.parametrize("how", ["mode 0555", "read-only file system"])
@pytest.mark.parametrize("directory", ["incoming", "done", "rejected"])
def test_unwritable_spool_directory_is_refused_before_loading(demo, spool, directory, how):  # noqa: F811
    for sub in ("incoming", "done", "rejected"):
        os.makedirs(os.path.join(spool, sub))
    incoming, target, name = os.path.join(spool, "incoming"), os.path.join(spool, directory), "02-unwritable.txt"
    batch, content = two_payments(incoming, name)
    command = [WORKER, "watch", "--spool", spool, "--once", "--database-url", WORKER_URL]
    if how == "mode 0555":
        if os.geteuid() == 0:
            chown_tree(spool, SERVICE_USER)
        command = as_service_user(command)
        os.chmod(target, 0o555)
        reason = "Permission denied"
    else:
        mount("--bind", target, target)
        try:
            mount("-o", "remount,bind,ro", target)
        except BaseException:
            unmount(target)
            raise
        reason = "Read-only file system"
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        if how == "mode 0555":
            os.chmod(target, 0o755)
        else:
            unmount(target)

    assert proc.returncode == 2, proc
    assert f"ij-worker: spool {spool}: cannot write in the spool directory {target}: {reason}" in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert_untouched(incoming, name, content)
    assert batch_files(batch) == [], "the file was loaded although it could not be filed afterwards"

    fixed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed
    assert SUMMARY.match(fixed.stdout.strip())["status"] == "loaded"
    assert_finished(spool, name, batch)
