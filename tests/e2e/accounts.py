"""Accounts for end-to-end tests: structures made with portalctl (as an operator would), sign-up,
mails read from the sender's .eml files, logged-in sessions."""

import email
import email.policy
import glob
import json
import os
import random
import re
import subprocess
import time

import support
from support import assert_problem, request

MAIL_DIR = os.environ.get("PORTAL_E2E_MAIL_DIR", "")
STRONG = "Vrai-Secret-2026"


def luhn_complete(digits):
    for check in range(10):
        candidate = digits + str(check)
        total = 0
        for i, c in enumerate(reversed(candidate)):
            d = int(c)
            if i % 2 == 1:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def portalctl(*args):
    """portalctl as portal_owner, as an operator would run it; the completed process."""
    return subprocess.run(
        [os.path.join(support.RUN_DIR, "bin", "portalctl"), *args],
        env={**os.environ, "PORTAL_PASSWORD_HASH": "minimal",
             "PORTAL_DATABASE_URL": f"host={support.PG_HOST} port={support.PG_PORT} dbname=portal user=portal_owner"},
        capture_output=True, text=True, timeout=120)


def seed_demo():
    """The guide's SARL DEMONSTRATION (client 1234567, security code DEMO-2026-OCSO); idempotent."""
    proc = portalctl("seed", "demo")
    assert proc.returncode == 0, proc.stderr


def create_structure():
    """portalctl structure create --json, as an operator would."""
    for _ in range(20):
        client_number = f"{random.randrange(10**7):07d}"
        siren = luhn_complete(f"{random.randrange(10**8):08d}")
        siret = luhn_complete(siren + f"{random.randrange(10**4):04d}")
        proc = portalctl("structure", "create", "--client-number", client_number, "--siren", siren, "--siret", siret,
                         "--name", "SARL E2E", "--json")
        if proc.returncode == 0:
            created = json.loads(proc.stdout)
            return {"client_number": client_number, "siren": siren, "security_code": created["security_code"],
                    "id": created["structure_id"]}
        assert "already exists" in proc.stderr, proc.stderr
    raise AssertionError("no free client number")


def mail_files():
    return set(glob.glob(os.path.join(MAIL_DIR, "*.eml")))


def wait_mail(recipient, subject_part, timeout=15.0, ignore=frozenset()):
    """The newest .eml for `recipient` whose subject contains `subject_part`, among the files not
    in `ignore` (the mails already there before the action that sends a new one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_files() - set(ignore), key=os.path.getmtime, reverse=True):
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read(), policy=email.policy.default)
            if message["To"].addresses[0].addr_spec == recipient and subject_part in message["Subject"]:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail '{subject_part}' for {recipient} in {MAIL_DIR}")


def json_request(method, path, payload, cookie=None, csrf=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    body = json.dumps(payload).encode() if payload is not None else None
    return request(method, path, body=body, headers=headers)


def session_cookie(resp):
    value = resp.headers.get("set-cookie", "")
    match = re.match(r"(__Host-ee_session=[A-Za-z0-9_-]*)", value)
    return match.group(1) if match else None


def sign_up(structure, address):
    resp = json_request("POST", "/api/v1/accounts", {
        "client_number": structure["client_number"], "siren": structure["siren"],
        "security_code": structure["security_code"].lower().replace("-", " "),  # as a person might type it
        "last_name": "Durand", "first_name": "Joël", "job_title": "Gérant", "email": address, "email_consent": True})
    assert resp.status == 202, resp
    return resp



def temporary_password(address, subject_part="mot de passe temporaire"):
    """The temporary password of the welcome mail sent to `address` (a delegated user's mail is
    "Votre accès à l'Espace Employeur OCSO")."""
    mail = wait_mail(address, subject_part)
    return next(line.strip() for line in mail.get_content().splitlines() if len(line.strip()) == 12 and " " not in line.strip())


def reset_password(address, new_password):
    """The mailed reset flow, as the account's owner would follow it."""
    earlier = mail_files()
    assert json_request("POST", "/api/v1/password-resets", {"email": address}).status == 202
    mail = wait_mail(address, "Réinitialisation", ignore=earlier)
    token = next(line.strip() for line in mail.get_content().splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{43}", line.strip()))
    done = json_request("POST", f"/api/v1/password-resets/{token}", {"new_password": new_password})
    assert done.status == 204, done


def logged_in_principal(address, structure=None):
    """`address` as the principal of `structure` (default: a fresh one), password changed: (structure, cookie, csrf)."""
    structure = structure or create_structure()
    sign_up(structure, address)
    temporary = temporary_password(address)
    login = json_request("POST", "/api/v1/session", {"email": address, "password": temporary})
    assert login.status == 200, login
    changed = json_request("POST", "/api/v1/me/password", {"current_password": temporary, "new_password": STRONG},
                           cookie=session_cookie(login), csrf=login.json()["csrf_token"])
    assert changed.status == 200, changed
    return structure, session_cookie(changed), changed.json()["csrf_token"]


def create_staff(address, *teams):
    """portalctl staff create --json, as an operator would: the temporary password."""
    proc = portalctl("staff", "create", "--email", address, "--first-name", "Marie", "--last-name", "Durand",
                     *[arg for team in teams for arg in ("--team", team)], "--json")
    assert proc.returncode == 0, proc.stderr
    created = json.loads(proc.stdout)
    assert created["teams"] == list(teams), created
    return created["temporary_password"]


def staff_session(*teams):
    """A staff member logged in with the password changed: (address, cookie, csrf)."""
    address = f"e2e.staff.{random.randrange(16**10):010x}@ocso.fr"
    temporary = create_staff(address, *teams)
    login = json_request("POST", "/api/v1/session", {"email": address, "password": temporary})
    assert login.status == 200, login
    assert login.json()["must_change_password"] is True
    assert login.json()["user"]["kind"] == "staff"
    cookie, csrf = session_cookie(login), login.json()["csrf_token"]
    assert_problem(request("GET", "/api/v1/backoffice/requests", headers={"Cookie": cookie}), 403, "password_change_required")
    changed = json_request("POST", "/api/v1/me/password", {"current_password": temporary, "new_password": STRONG},
                           cookie=cookie, csrf=csrf)
    assert changed.status == 200, changed
    return address, session_cookie(changed), changed.json()["csrf_token"]
