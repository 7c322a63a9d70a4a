"""HTTP surface through nginx: status codes, problem documents, headers."""

import re
import time

import support
from support import assert_problem, get, request


def test_healthz_is_200_json():
    resp = get("/healthz")
    assert resp.status == 200, resp
    assert resp.content_type == "application/json", resp
    resp.json()


def test_readyz_is_200_json():
    resp = get("/readyz")
    assert resp.status == 200, resp
    assert resp.content_type == "application/json", resp
    resp.json()


def test_version_is_200_json():
    resp = get("/api/v1/version")
    assert resp.status == 200, resp
    assert resp.content_type == "application/json", resp
    assert isinstance(resp.json(), dict)


def test_unknown_api_path_is_404_problem():
    # Reaches the responder (under /api/).
    assert_problem(get("/api/v1/no-such-thing"), 404)


def test_path_outside_the_api_is_404_problem():
    # Answered by nginx itself ("/" is the portal's page: test_94_web_static).
    assert_problem(get("/index.php"), 404)


def test_wrong_method_is_405_with_allow():
    # nginx refuses TRACE itself; it hands the answer to the responder (found by schemathesis).
    for method, path in (("DELETE", "/api/v1/version"), ("POST", "/healthz"), ("PUT", "/readyz"), ("TRACE", "/api/v1/version"),
                         ("TRACE", "/healthz")):
        resp = request(method, path, body=b"")
        assert_problem(resp, 405)
        allow = resp.headers.get("allow", "")
        assert "GET" in [m.strip() for m in allow.split(",")], (method, path, allow)


def test_security_headers_on_every_kind_of_response():
    responses = [get("/healthz"), get("/api/v1/version"), get("/api/v1/no-such-thing"),
                 get("/elsewhere"), request("DELETE", "/api/v1/version")]
    for resp in responses:
        for name, value in support.SECURITY_HEADERS.items():
            assert resp.headers.get(name) == value, (name, resp, resp.headers)


def test_request_id_is_returned_and_reaches_the_responder_log():
    first, second = get("/api/v1/version"), get("/api/v1/version")
    ids = [r.headers.get("x-request-id", "") for r in (first, second)]
    for rid in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", rid), ids
    assert ids[0] != ids[1]
    # nginx passes $request_id as the REQUEST_ID param; the responder logs it.
    deadline = time.monotonic() + 3
    while True:
        with open(support.RESPONDER_LOG, encoding="utf-8", errors="replace") as f:
            log = f.read()
        if ids[1] in log:
            break
        assert time.monotonic() < deadline, f"request id {ids[1]} not in {support.RESPONDER_LOG}"
        time.sleep(0.1)


def test_body_over_the_limit_is_413_problem():
    body = b"x" * (2 * 1024 * 1024)
    resp = request("POST", "/api/v1/version", body=body, headers={"Content-Type": "application/json"})
    assert_problem(resp, 413)


def test_body_under_the_limit_reaches_the_responder():
    # 512 KiB passes nginx; the responder answers for the route (405: GET only).
    resp = request("POST", "/api/v1/version", body=b"{}" + b" " * (512 * 1024),
                   headers={"Content-Type": "application/json"})
    assert_problem(resp, 405)
