"""CSV exports through the real nginx: streamed in chunks while the rows are read, complete for
a slow reader, and a client that walks away frees its worker."""

import http.client
import socket
import time
import uuid

import pytest

import support
from accounts import logged_in_principal

ROWS = 5000


@pytest.fixture(scope="module")
def big_structure():
    """A structure with ROWS insured people, each with one affiliation, and its principal's cookie."""
    address = f"export.{uuid.uuid4().hex[:10]}@example.fr"
    structure, cookie, _ = logged_in_principal(address)
    sid = structure["id"]
    support.psql(f"""
        INSERT INTO contracts (structure_id, contract_ref, kind, college, dsn_reference, start_date)
        VALUES ({sid}, 'EXP-{sid}', 'SANTE', 'Ensemble du Personnel', 'EXP/EP/S', '2020-01-01');
        INSERT INTO insured_people (structure_id, matricule, last_name, first_name)
        SELECT {sid}, 'E' || lpad(g::text, 8, '0'), 'NOM' || g, 'Prénom; "' || g || '"' FROM generate_series(1, {ROWS}) g;
        INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date)
        SELECT {sid}, p.id, c.id, '2020-01-01' FROM insured_people p JOIN contracts c ON c.structure_id = p.structure_id
        WHERE p.structure_id = {sid};
        -- These rows stand for an AFF file, and the worker analyzes what a load wrote (0010).
        ANALYZE contracts, insured_people, affiliations;
    """, timeout=60)
    return sid, cookie


def export_request(sid, cookie):
    conn = http.client.HTTPConnection(support.HTTP_HOST, support.HTTP_PORT, timeout=30)
    conn.request("GET", f"/api/v1/structures/{sid}/insured?format=csv", headers={"Cookie": cookie})
    return conn, conn.getresponse()


def test_export_streams_every_row(big_structure):
    sid, cookie = big_structure
    conn, resp = export_request(sid, cookie)
    try:
        assert resp.status == 200
        assert resp.getheader("Content-Type") == "text/csv; charset=utf-8"
        # Streamed: no length known in advance, chunked through nginx.
        assert resp.getheader("Transfer-Encoding") == "chunked"
        assert resp.getheader("Content-Length") is None
        body = resp.read()
    finally:
        conn.close()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == ""
    assert lines[0].startswith("Matricule;Nom;Prénom;Statut")
    rows = lines[1:-1]
    assert len(rows) == ROWS
    # Fields with ; and " are quoted and escaped.
    assert '"Prénom; ""1"""' in rows[0] or any('"Prénom; ""1"""' in row for row in rows)
    assert len({row.split(";")[0] for row in rows}) == ROWS


def test_slow_reader_gets_everything(big_structure):
    sid, cookie = big_structure
    conn, resp = export_request(sid, cookie)
    received = b""
    try:
        while True:
            chunk = resp.read(16 * 1024)
            if not chunk:
                break
            received += chunk
            time.sleep(0.005)
    finally:
        conn.close()
    assert received.decode("utf-8-sig").count("\r\n") == ROWS + 1


def test_client_leaving_mid_export_frees_its_worker(big_structure):
    sid, cookie = big_structure
    pid = support.responder_pid()
    # Several clients start an export and leave after a few bytes.
    for _ in range(support.WORKERS):
        sock = socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=10)
        sock.sendall(f"GET /api/v1/structures/{sid}/insured?format=csv HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        sock.close()
    # Every worker is free again: plain requests are answered promptly.
    started = time.monotonic()
    for _ in range(support.WORKERS * 2):
        assert support.get("/readyz", timeout=10).status == 200
    assert time.monotonic() - started < 10
    support.assert_responder_alive(pid)
