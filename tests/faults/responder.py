"""The responder as operators see it after a fault: its PostgreSQL connections
(pg_stat_activity), its worker threads and FastCGI connections (nginx's internal /status), and
the proof that every worker thread still serves."""

import os
import re
import threading

import support
from test_92_observability import status

APPLICATION_NAME = "portal-fcgi"
NGINX_CONF = os.path.join(support.RUN_DIR, "nginx", "nginx.conf")
NGINX_PIDFILE = os.path.join(support.RUN_DIR, "nginx.pid")


def backends(state=None):
    """The responder's PostgreSQL connections (at most one per worker thread), or those of them
    in `state` ('idle', 'active', 'idle in transaction'…)."""
    where = f" AND state = '{state}'" if state else ""
    return int(support.psql(
        f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{APPLICATION_NAME}'{where}"))


def settled(timeout=10.0):
    """/status once every configured worker is idle and nothing is queued; fails otherwise."""
    last = {}

    def idle():
        last.update(status())
        return (last["total_processes"] == support.WORKERS and last["idle_processes"] == support.WORKERS
                and last["active_processes"] == 0 and last["listen_queue"] == 0)

    assert support.wait_until(idle, timeout=timeout, interval=0.1) is not None, \
        f"workers not all idle: {last}; their PostgreSQL connections: {activity()}"
    return last


def activity():
    """What each of the responder's PostgreSQL connections is doing, for failure messages."""
    return support.psql(
        "SELECT string_agg(format('%s %s/%s %ss: %s', state, wait_event_type, wait_event,"
        " round(extract(epoch FROM now() - query_start)::numeric, 1), left(regexp_replace(query, '\\s+', ' ', 'g'), 60)), ' | ')"
        f" FROM pg_stat_activity WHERE application_name = '{APPLICATION_NAME}'")


def every_worker_serves(seconds=2):
    """WORKERS requests that each hold a worker inside pg_sleep: all of them must be running at
    the same moment (seen in /status and in pg_stat_activity), so every worker thread took one
    and reached PostgreSQL on its connection; then all must succeed. Needs --diagnostics."""
    n = support.WORKERS
    results = [None] * n

    def one(i):
        try:
            results[i] = support.get(f"/api/v1/_diagnostics/sleep?seconds={seconds}", timeout=seconds + 15)
        except OSError as exc:  # asserted on below
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    all_busy = support.wait_until(
        lambda: support.active_sleeps() == n and status()["active_processes"] == n, timeout=seconds, interval=0.05)
    for thread in threads:
        thread.join(seconds + 20)
    assert all(isinstance(r, support.Response) and r.status == 200 for r in results), results
    assert all_busy is not None, f"the {n} workers never ran their requests at the same time: one is lost or stuck"


def kept_alive_cap():
    """FastCGI connections nginx may keep open to the responder when idle: its upstream
    `keepalive` count per nginx worker process, times those processes."""
    with open(NGINX_CONF) as f:
        per_worker = int(re.search(r"^\s*keepalive (\d+);", f.read(), re.M).group(1))
    with open(NGINX_PIDFILE) as f:
        master = f.read().split()[0]
    with open(f"/proc/{master}/task/{master}/children") as f:
        return per_worker * len(f.read().split())


def figures():
    """What operators would look at: FastCGI connections, idle and total workers (/status), and
    the responder's PostgreSQL connections (pg_stat_activity)."""
    now = status()
    return {"fastcgi_connections": now["active_connections"], "idle_workers": now["idle_processes"],
            "total_workers": now["total_processes"], "database_connections": backends()}


def recovered():
    """After a fault: FastCGI connections back within what nginx keeps alive (plus the one asking),
    every worker idle, no transaction left open, one PostgreSQL connection per worker, and every
    worker serving. Returns figures(), for the report."""
    cap = kept_alive_cap() + 1
    last = {}

    def connections_released():
        last.update(status())
        return last["active_connections"] <= cap

    released = support.wait_until(connections_released, timeout=15, interval=0.1)
    assert released is not None, f"{last['active_connections']} FastCGI connections still open, at most {cap} expected"
    settled()
    # No transaction left open, no statement still running for a client that is gone.
    assert backends() == backends("idle"), "a connection of the responder is still busy with a request that ended"
    every_worker_serves()
    after = figures()
    assert after["database_connections"] == support.WORKERS, after
    return after
