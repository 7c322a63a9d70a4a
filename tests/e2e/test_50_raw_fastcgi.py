"""Straight to the responder's socket: a correct hand-rolled exchange, the
management records, and abuse. After each abuse the same responder process
must still serve requests through nginx."""

import random
import struct
import time

import pytest

import support
from support import (ABORT_REQUEST, BEGIN_REQUEST, CANT_MPX_CONN, END_REQUEST, GET_VALUES,
                     GET_VALUES_RESULT, KEEP_CONN, PARAMS, REQUEST_COMPLETE, STDIN, UNKNOWN_ROLE,
                     UNKNOWN_TYPE, RecordReader, begin_body, cgi_params, connect, encode_pairs,
                     full_request, read_response, read_until_closed, record, send_ignoring_close,
                     stream)


@pytest.fixture
def pid():
    pid = support.responder_pid()
    assert support.pid_alive(pid)
    yield pid
    support.assert_responder_alive(pid)


def status_of_answer_or_close(sock, request_id=1, timeout=10.0):
    """After a bad request the responder may answer (an error) or close.
    Returns the HTTP status, or None if it closed; fails if it does neither."""
    reader = RecordReader(sock)
    try:
        rec = reader.next(timeout=timeout)
    except (ConnectionResetError, BrokenPipeError):
        return None
    except TimeoutError:
        raise AssertionError(f"responder neither answered nor closed within {timeout}s")
    if rec is None:
        return None
    records = [rec]
    while rec.type != END_REQUEST:
        rec = reader.next(timeout=timeout)
        assert rec is not None, f"closed mid-response after {records}"
        records.append(rec)
    return support.FcgiResponse(records).status


# --------------------------------------------------------------------------- well-formed


def test_hand_rolled_request_gets_a_well_framed_response(pid):
    with connect() as sock:
        reader = RecordReader(sock)
        sock.sendall(full_request(request_id=1, flags=KEEP_CONN))
        resp = read_response(reader, 1)
        assert resp.protocol_status == REQUEST_COMPLETE
        assert resp.status == 200, resp.stdout
        assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
        # KEEP_CONN: the same connection serves a second request (another id).
        sock.sendall(full_request(request_id=2, flags=KEEP_CONN,
                                  params=cgi_params(uri="/api/v1/version")))
        resp = read_response(reader, 2)
        assert resp.status == 200, resp.stdout
        # Without KEEP_CONN the responder closes after END_REQUEST.
        sock.sendall(full_request(request_id=3, flags=0))
        resp = read_response(reader, 3)
        assert resp.status == 200
        assert read_until_closed(sock, 5), "connection not closed without KEEP_CONN"


def test_params_split_across_records_and_pairs(pid):
    # A name-value pair may straddle two PARAMS records.
    encoded = encode_pairs(cgi_params(uri="/api/v1/version"))
    with connect() as sock:
        reader = RecordReader(sock)
        out = record(BEGIN_REQUEST, 1, begin_body()) + stream(PARAMS, 1, encoded, chunk=7)
        out += stream(STDIN, 1, b"")
        sock.sendall(out)
        resp = read_response(reader, 1)
        assert resp.status == 200, resp.stdout


def test_get_values_is_answered(pid):
    with connect() as sock:
        names = [("FCGI_MPXS_CONNS", ""), ("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", "")]
        sock.sendall(record(GET_VALUES, 0, encode_pairs(names)))
        rec = RecordReader(sock).next(timeout=5)
        assert rec is not None and rec.type == GET_VALUES_RESULT and rec.request_id == 0, rec
        values = support.decode_pairs(rec.content)
        assert values.get("FCGI_MPXS_CONNS") == "0", values


def test_unknown_management_record_gets_unknown_type(pid):
    with connect() as sock:
        sock.sendall(record(42, 0, b"whatever"))
        rec = RecordReader(sock).next(timeout=5)
        assert rec is not None and rec.type == UNKNOWN_TYPE, rec
        assert rec.content[0] == 42


def test_unknown_role_is_refused(pid):
    with connect() as sock:
        sock.sendall(record(BEGIN_REQUEST, 1, begin_body(role=support.AUTHORIZER)))
        rec = RecordReader(sock).next(timeout=5)
        assert rec is not None and rec.type == END_REQUEST and rec.request_id == 1, rec
        assert struct.unpack("!IB3x", rec.content)[1] == UNKNOWN_ROLE


def test_second_begin_on_a_busy_connection_gets_cant_mpx_conn(pid, diagnostics, no_sleepers):
    with connect() as sock:
        reader = RecordReader(sock)
        sock.sendall(full_request(1, KEEP_CONN, cgi_params(uri="/api/v1/_diagnostics/sleep?seconds=1")))
        time.sleep(0.2)
        sock.sendall(record(BEGIN_REQUEST, 2, begin_body()))
        got = {}
        while 1 not in got or 2 not in got:
            rec = reader.next(timeout=10)
            assert rec is not None, got
            if rec.type == END_REQUEST:
                got[rec.request_id] = struct.unpack("!IB3x", rec.content)[1]
        assert got == {1: REQUEST_COMPLETE, 2: CANT_MPX_CONN}, got


def test_abort_request_cancels_the_query(pid, diagnostics, no_sleepers):
    with connect() as sock:
        reader = RecordReader(sock)
        sock.sendall(full_request(1, KEEP_CONN, cgi_params(uri="/api/v1/_diagnostics/sleep?seconds=20")))
        assert support.wait_until(lambda: support.active_sleeps() == 1, timeout=5) is not None
        started = time.monotonic()
        sock.sendall(record(ABORT_REQUEST, 1))
        records = []
        while True:
            rec = reader.next(timeout=10)
            assert rec is not None, records
            records.append(rec)
            if rec.type == END_REQUEST:
                break
        assert time.monotonic() - started < 3, "ABORT_REQUEST took too long to end the request"
    assert support.wait_until(lambda: support.active_sleeps() == 0, timeout=3) is not None


# --------------------------------------------------------------------------- abuse


def test_bad_version_byte(pid):
    with connect() as sock:
        sock.sendall(record(BEGIN_REQUEST, 1, begin_body(), version=2))
        assert read_until_closed(sock, 10), "responder kept a connection with a bad version byte"


def test_truncated_header_then_close(pid):
    with connect() as sock:
        sock.sendall(record(BEGIN_REQUEST, 1, begin_body())[:5])


def test_truncated_record_body_then_close(pid):
    with connect() as sock:
        sock.sendall(record(BEGIN_REQUEST, 1, begin_body()) + record(PARAMS, 1, b"\x05" * 200)[:60])


def test_truncated_in_the_middle_of_a_request(pid):
    with connect() as sock:
        sock.sendall(record(BEGIN_REQUEST, 1, begin_body()) + stream(PARAMS, 1, encode_pairs(cgi_params())))


def test_oversized_params(pid):
    big = encode_pairs([("HTTP_X_PADDING", "a" * (100 * 1024))] + cgi_params())
    with connect() as sock:
        sent = send_ignoring_close(sock, record(BEGIN_REQUEST, 1, begin_body())
                                   + stream(PARAMS, 1, big, chunk=16 * 1024) + stream(STDIN, 1, b""))
        status = status_of_answer_or_close(sock) if sent else None
        assert status is None or status >= 400, f"100 KiB of params accepted with status {status}"


def test_content_length_larger_than_body(pid):
    params = cgi_params(method="POST", uri="/api/v1/version", content_type="application/json")
    params = [(k, "100" if k == "CONTENT_LENGTH" else v) for k, v in params]
    with connect() as sock:
        sock.sendall(full_request(1, KEEP_CONN, params, body=b"{}" * 5))
        status = status_of_answer_or_close(sock)
        assert status is None or status >= 400, status


def test_content_length_smaller_than_body(pid):
    params = cgi_params(method="POST", uri="/api/v1/version", content_type="application/json")
    params = [(k, "5" if k == "CONTENT_LENGTH" else v) for k, v in params]
    with connect() as sock:
        sock.sendall(full_request(1, KEEP_CONN, params, body=b"{}" * 50))
        status = status_of_answer_or_close(sock)
        assert status is None or status >= 400, status


def test_body_over_the_limit_straight_to_the_socket(pid):
    # Over the responder's PORTAL_MAX_BODY_BYTES (26 MiB: démarches carry attachments).
    body = b"x" * (27 * 1024 * 1024)
    params = cgi_params(method="POST", uri="/api/v1/version", body=body, content_type="application/json")
    with connect() as sock:
        sent = send_ignoring_close(sock, full_request(1, KEEP_CONN, params, body=body))
        status = status_of_answer_or_close(sock) if sent else None
        assert status is None or status == 413, status


def test_random_garbage(pid):
    rng = random.Random(20240601)
    for _ in range(5):
        junk = bytes(rng.getrandbits(8) for _ in range(4096))
        with connect() as sock:
            send_ignoring_close(sock, junk)
            read_until_closed(sock, 0.5)


def test_records_for_a_request_never_begun_are_ignored(pid):
    with connect() as sock:
        reader = RecordReader(sock)
        stray = stream(PARAMS, 7, encode_pairs(cgi_params())) + stream(STDIN, 7, b"")
        sock.sendall(stray + full_request(1, KEEP_CONN))
        resp = read_response(reader, 1)  # asserts no record for id 7 came first
        assert resp.status == 200


def test_idle_and_half_open_connections_do_not_pin_workers(pid):
    idle = [connect() for _ in range(40)]
    half = []
    try:
        for _ in range(support.WORKERS * 2):
            sock = connect()
            sock.sendall(record(BEGIN_REQUEST, 1, begin_body()) + record(PARAMS, 1, b"\x04"))
            half.append(sock)
        started = time.monotonic()
        for _ in range(10):
            resp = support.get("/readyz", timeout=5)
            assert resp.status == 200, resp
        assert time.monotonic() - started < 5
    finally:
        for sock in idle + half:
            sock.close()
