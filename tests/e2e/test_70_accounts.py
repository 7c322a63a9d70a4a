"""Accounts through the real nginx: sign-up, the mailed temporary password (as an .eml file
delivered by the mail sender), login cookie, forced password change, CSRF, logout, reset."""

import os
import re
import time
import uuid

import pytest

import support
from accounts import STRONG, create_structure, json_request, session_cookie, sign_up, temporary_password, wait_mail
from support import assert_problem, request


@pytest.fixture
def address():
    return f"e2e.{uuid.uuid4().hex[:10]}@example.fr"


def test_sign_up_login_change_password_logout(address):
    structure = create_structure()
    sign_up(structure, address)
    temporary = temporary_password(address)

    login = json_request("POST", "/api/v1/session", {"email": address, "password": temporary})
    assert login.status == 200, login
    set_cookie = login.headers["set-cookie"]
    for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Strict"):
        assert attribute in set_cookie, set_cookie
    for name, value in support.SECURITY_HEADERS.items():
        assert login.headers.get(name) == value
    body = login.json()
    assert body["must_change_password"] is True
    assert body["default_structure_id"] == structure["id"]
    cookie, csrf = session_cookie(login), body["csrf_token"]

    assert_problem(json_request("GET", "/api/v1/structures", None, cookie=cookie), 403, "password_change_required")
    assert_problem(json_request("POST", "/api/v1/me/password", {"current_password": temporary, "new_password": STRONG},
                                cookie=cookie), 403, "csrf_token_invalid")
    changed = json_request("POST", "/api/v1/me/password", {"current_password": temporary, "new_password": STRONG},
                           cookie=cookie, csrf=csrf)
    assert changed.status == 200, changed
    new_cookie, new_csrf = session_cookie(changed), changed.json()["csrf_token"]
    assert new_cookie != cookie
    assert_problem(json_request("GET", "/api/v1/me", None, cookie=cookie), 401, "unauthenticated")

    mine = json_request("GET", "/api/v1/structures", None, cookie=new_cookie)
    assert mine.status == 200, mine
    assert [s["client_number"] for s in mine.json()] == [structure["client_number"]]

    out = json_request("DELETE", "/api/v1/session", None, cookie=new_cookie, csrf=new_csrf)
    assert out.status == 204, out
    assert "Max-Age=0" in out.headers.get("set-cookie", "")
    assert_problem(json_request("GET", "/api/v1/me", None, cookie=new_cookie), 401)


def test_password_reset_token_never_reaches_the_access_log(address):
    structure = create_structure()
    sign_up(structure, address)
    assert json_request("POST", "/api/v1/password-resets", {"email": address}, None).status == 202
    mail = wait_mail(address, "Réinitialisation")
    token = next(line.strip() for line in mail.get_content().splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{43}", line.strip()))
    done = json_request("POST", f"/api/v1/password-resets/{token}", {"new_password": "Nouveau-Secret-77"})
    assert done.status == 204, done
    assert json_request("POST", "/api/v1/session", {"email": address, "password": "Nouveau-Secret-77"}).status == 200
    with open(os.path.join(support.RUN_DIR, "logs", "nginx-access.log"), encoding="utf-8") as f:
        access_log = f.read()
    assert "/api/v1/password-resets/[redacted]" in access_log
    assert token not in access_log
    with open(support.RESPONDER_LOG, encoding="utf-8") as f:
        assert token not in f.read()


def test_no_secret_reaches_the_responder_log(address):
    structure = create_structure()
    sign_up(structure, address)
    temporary = temporary_password(address)
    login = json_request("POST", "/api/v1/session", {"email": address, "password": temporary})
    assert login.status == 200
    cookie_value = session_cookie(login).split("=", 1)[1]
    time.sleep(0.2)
    with open(support.RESPONDER_LOG, encoding="utf-8") as f:
        log = f.read()
    for secret in (temporary, cookie_value, login.json()["csrf_token"], structure["security_code"]):
        assert secret not in log


def test_malformed_bodies_are_4xx_through_nginx():
    assert_problem(request("POST", "/api/v1/session", body=b"{not json", headers={"Content-Type": "application/json"}),
                   400, "malformed_json")
    assert_problem(request("POST", "/api/v1/session", body=b"email=a", headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   415, "unsupported_media_type")
    resp = json_request("POST", "/api/v1/accounts", {"client_number": "12", "siren": "x", "email": "not-an-email",
                                                      "unexpected": 1})
    doc = assert_problem(resp, 422, "validation_failed")
    codes = {e["field"]: e["code"] for e in doc["errors"]}
    assert codes["client_number"] == "invalid_client_number"
    assert codes["siren"] == "invalid_siren"
    assert codes["email"] == "invalid_email"
    assert codes["unexpected"] == "unknown_field"
    assert codes["email_consent"] == "required"
