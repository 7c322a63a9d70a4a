"""Observability through the real nginx: /metrics and /status on the internal
listener only, counters that move by what was asked, the request log line, and
the status figures during saturation."""

import http.client
import json
import os
import re
import socket
import threading
import time
import uuid

import pytest

import support
from support import assert_problem, get, request

INTERNAL_SOCKET = os.environ.get("PORTAL_E2E_INTERNAL_SOCKET", "")
NGINX_ACCESS_LOG = os.path.join(support.RUN_DIR, "logs", "nginx-access.log")


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over nginx's internal unix socket."""

    def __init__(self, path, timeout=10.0):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def internal(path, method="GET"):
    conn = UnixHTTPConnection(INTERNAL_SOCKET)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return support.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read(), 0.0)
    finally:
        conn.close()


def scrape():
    """The exposition as {series: value}, series being `name{labels}` as printed."""
    resp = internal("/metrics")
    assert resp.status == 200, resp
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4"), resp.headers
    samples = {}
    for line in resp.body.decode().splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def status():
    resp = internal("/status?json")
    assert resp.status == 200, resp
    return resp.json()


def requests_total(method, route, status_code):
    return f'portal_http_requests_total{{method="{method}",route="{route}",status="{status_code}"}}'


def delta(before, after, series):
    return after.get(series, 0.0) - before.get(series, 0.0)


def log_lines_with(request_id, timeout=3.0):
    """The responder's JSON log lines carrying this request id."""
    deadline = time.monotonic() + timeout
    while True:
        with open(support.RESPONDER_LOG, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if request_id in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


# --------------------------------------------------------------------------- exposure


def test_metrics_and_status_are_not_served_on_the_public_port():
    for path in ("/metrics", "/status", "/status?json", "/api/../metrics", "/api/metrics", "/api/status"):
        assert_problem(get(path), 404)
    # A client header cannot pass for nginx's internal marker: HTTP_PORTAL_INTERNAL is not it.
    resp = request("GET", "/api/v1/version", headers={"Portal-Internal": "1"})
    assert resp.status == 200 and resp.json()["name"] == "espace-employeur", resp


def test_the_responder_does_not_serve_them_without_the_internal_marker():
    # Straight to the FastCGI socket, as a misconfigured location would pass them.
    with support.connect() as sock:
        sock.sendall(support.full_request(params=support.cgi_params(uri="/metrics")))
        resp = support.read_response(support.RecordReader(sock), 1)
    assert resp.status == 404, resp.stdout
    assert b"portal_" not in resp.body


def test_the_internal_listener_serves_both_and_nothing_else():
    metrics = internal("/metrics")
    assert metrics.status == 200 and b"# TYPE portal_http_requests_total counter" in metrics.body, metrics
    text = internal("/status")
    assert text.status == 200 and text.headers["content-type"].startswith("text/plain"), text
    assert re.search(rb"^accepted conn: +\d+$", text.body, re.M), text.body
    assert status()["total_processes"] == support.WORKERS
    assert internal("/elsewhere").status == 404
    assert internal("/status?format=xml").status == 422
    assert internal("/metrics", method="POST").status == 405


# --------------------------------------------------------------------------- counters


def test_counters_move_by_the_requests_made():
    before = scrape()
    for _ in range(3):
        assert get("/api/v1/version").status == 200
    for _ in range(2):
        assert_problem(get(f"/api/v1/no-such-thing/{uuid.uuid4().hex}"), 404)
    resp = request("POST", "/api/v1/session", body=b'{"email": "x"}', headers={"Content-Type": "application/json"})
    assert_problem(resp, 422)
    after = scrape()

    assert delta(before, after, requests_total("GET", "/api/v1/version", 200)) == 3
    assert delta(before, after, requests_total("GET", "unmatched", 404)) == 2
    assert delta(before, after, requests_total("POST", "/api/v1/session", 422)) == 1
    count = 'portal_http_request_duration_seconds_count{method="GET",route="/api/v1/version",status="200"}'
    assert delta(before, after, count) == 3
    # The six requests and the second scrape itself reached the responder in between.
    assert delta(before, after, "portal_fastcgi_requests_total") == 7
    # Random path segments never become label values.
    assert not [s for s in after if "no-such-thing" in s]
    assert after["portal_fastcgi_workers"] == support.WORKERS
    assert after["portal_fastcgi_queue_capacity"] == support.QUEUE
    assert after["portal_operations_probe_success"] == 1


@pytest.mark.skipif(os.environ.get("PORTAL_E2E_PGBOUNCER") == "1",
                    reason="behind PgBouncer a terminated server connection never reaches the responder")
def test_database_reconnects_are_counted():
    # Workers connect on their first request: make sure at least one has, whatever ran before.
    assert get("/readyz").status == 200
    before = scrape()
    killed = int(support.psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE usename = 'portal_app' AND application_name = 'portal-fcgi'"))
    assert killed >= 1
    # Each worker whose connection died replaces it on its next request (that request may fail).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        get("/readyz")
        if delta(before, scrape(), "portal_database_reconnects_total") >= 1:
            break
    moved = delta(before, scrape(), "portal_database_reconnects_total")
    assert 1 <= moved <= killed, (moved, killed)


def test_outbox_backlog_and_last_batch_are_read_at_scrape_time():
    marker = f"obs-{uuid.uuid4().hex[:8]}"
    before = scrape()
    # Not due for an hour: the running mail sender leaves it pending.
    support.psql(f"INSERT INTO mail_outbox (recipient, subject, body_text, next_attempt_at) "
                 f"VALUES ('{marker}@example.fr', 's', 'b', now() + interval '1 hour')")
    support.psql(f"INSERT INTO batch_files (batch_id, file_type, file_name, sha256, size_bytes, status, "
                 f"items_loaded, items_rejected, processed_at) VALUES ('{marker}', 'AFF', '{marker}.txt', "
                 f"decode(repeat('ab', 32), 'hex'), 1, 'loaded', 5, 2, now() + interval '1 day')")
    try:
        after = scrape()
        processed = float(support.psql(
            f"SELECT extract(epoch FROM processed_at) FROM batch_files WHERE batch_id = '{marker}'"))
    finally:
        support.psql(f"DELETE FROM mail_outbox WHERE recipient = '{marker}@example.fr'")
        support.psql(f"DELETE FROM batch_files WHERE batch_id = '{marker}'")
    assert delta(before, after, "portal_mail_outbox_pending") == 1
    assert abs(after['portal_batch_last_processed_timestamp_seconds{file_type="AFF"}'] - processed) < 0.001
    assert after['portal_batch_last_outcome{file_type="AFF",outcome="partial"}'] == 1
    assert after['portal_batch_last_outcome{file_type="AFF",outcome="loaded"}'] == 0
    assert after['portal_batch_last_items{file_type="AFF",kind="rejected"}'] == 2


# --------------------------------------------------------------------------- request log


def test_the_request_log_line_has_nginx_request_id_and_no_secret():
    nir = "1850578006084"
    password = "Obs-Secret-Pass-2026"
    token = "obs" + uuid.uuid4().hex
    calls = [
        ("POST", "/api/v1/session", json.dumps({"email": "obs@example.fr", "password": password}).encode(),
         "/api/v1/session", 401),
        ("POST", f"/api/v1/password-resets/{token}?token={token}",
         json.dumps({"new_password": password}).encode(), "/api/v1/password-resets/{token}", 400),
        ("GET", f"/api/v1/structures/7/insured?q={nir}&token={token}", None, "/api/v1/structures/{id}/insured", 401),
    ]
    for method, target, body, route, code in calls:
        resp = request(method, target, body=body, headers={"Content-Type": "application/json"})
        assert resp.status == code, (target, resp)
        request_id = resp.headers["x-request-id"]
        lines = log_lines_with(request_id)
        assert len(lines) == 1, (request_id, lines)
        line = lines[0]
        assert line["msg"] == "request" and line["request_id"] == request_id, line
        assert line["route"] == route and line["status"] == code and line["method"] == method, line
        assert isinstance(line["duration_ms"], (int, float)) and isinstance(line["db_ms"], (int, float)), line
    for path in (support.RESPONDER_LOG, NGINX_ACCESS_LOG):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for secret in (nir, password, token):
            assert secret not in text, f"{secret} in {path}"


def test_a_signed_in_request_logs_its_user_and_structure():
    import accounts

    address = f"obs.{uuid.uuid4().hex[:8]}@example.fr"
    structure, cookie, _ = accounts.logged_in_principal(address)
    resp = request("GET", f"/api/v1/structures/{structure['id']}/insured", headers={"Cookie": cookie})
    assert resp.status == 200, resp
    line, = log_lines_with(resp.headers["x-request-id"])
    user_id = int(support.psql(f"SELECT id FROM users WHERE email = '{address}'"))
    assert line["user_id"] == user_id and line["structure_id"] == structure["id"], line
    assert line["route"] == "/api/v1/structures/{id}/insured" and line["db_ms"] > 0, line


# --------------------------------------------------------------------------- saturation


def test_status_shows_busy_workers_and_queue_during_slow_requests(diagnostics, no_sleepers):
    extra = 3
    clients = support.WORKERS + support.QUEUE + extra
    results = [None] * clients
    before = status()

    def client(i):
        try:
            results[i] = get("/api/v1/_diagnostics/sleep?seconds=2", timeout=20)
        except Exception as exc:  # asserted on below
            results[i] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    try:
        seen = []

        def saturated():
            seen.append(status())
            return seen[-1]["active_processes"] == support.WORKERS and seen[-1]["listen_queue"] == support.QUEUE

        assert support.wait_until(saturated, timeout=10, interval=0.05) is not None, json.dumps(seen[-1])
        during = seen[-1]
        metrics = scrape()
    finally:
        for t in threads:
            t.join(30)
    assert during["idle_processes"] == 0 and during["total_processes"] == support.WORKERS, during
    assert during["listen_queue_len"] == support.QUEUE, during
    assert during["max_active_processes"] >= support.WORKERS and during["max_listen_queue"] >= support.QUEUE, during
    # The gauges say the same (a scrape is served beside the workers, not behind them).
    assert metrics["portal_fastcgi_busy_workers"] == support.WORKERS
    assert metrics["portal_fastcgi_queue_depth"] == support.QUEUE

    statuses = [r.status if not isinstance(r, Exception) else repr(r) for r in results]
    assert set(statuses) <= {200, 503}, statuses
    after = status()
    assert after["overloaded_requests"] - before["overloaded_requests"] == statuses.count(503)
    assert after["completed_requests"] - before["completed_requests"] >= statuses.count(200)
    assert after["active_processes"] == 0 and after["listen_queue"] == 0, after
