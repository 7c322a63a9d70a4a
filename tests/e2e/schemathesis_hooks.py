"""Schemathesis hooks for test_97_schemathesis (loaded by `st run` through SCHEMATHESIS_HOOKS).

- Authentication: a logged-in principal of the demo structure, and for /api/v1/backoffice/ an
  OCSO staff member of the team the demo démarche went to. The session is the
  `__Host-ee_session` cookie; POST, PUT, PATCH and DELETE also carry its CSRF token in
  `X-CSRF-Token`. A 401 (after the fuzzer logged itself out, say) makes schemathesis log in again.
- Login bodies never name these accounts: the stateful phase copies addresses out of GET /me,
  and five wrong passwords would lock it out (as they should) for the rest of the run.
- Path parameters: half of the generated ids are replaced by ids that exist in the demo structure
  (the structure, its insured people, payments, documents, a démarche and its file), so the
  success paths are fuzzed too, not only the 404s.

Everything comes from the environment set by the test: PORTAL_E2E_BASE_URL, PORTAL_FUZZ_EMAIL,
PORTAL_FUZZ_STAFF_EMAIL, PORTAL_FUZZ_PASSWORD (both accounts'), PORTAL_FUZZ_IDS (JSON: parameter
name -> list of existing values).
"""

import json
import os
import re

import requests
import schemathesis

BASE_URL = os.environ["PORTAL_E2E_BASE_URL"]
EMAIL = os.environ["PORTAL_FUZZ_EMAIL"].lower()
STAFF_EMAIL = os.environ["PORTAL_FUZZ_STAFF_EMAIL"].lower()
PASSWORD = os.environ["PORTAL_FUZZ_PASSWORD"]
KNOWN = json.loads(os.environ["PORTAL_FUZZ_IDS"])
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _address(case, context):
    return STAFF_EMAIL if context.operation.path.startswith("/api/v1/backoffice/") else EMAIL


@schemathesis.auth(cache_by_key=_address)
class AccountSession:
    def get(self, case, context):
        resp = requests.post(f"{BASE_URL}/api/v1/session", json={"email": _address(case, context), "password": PASSWORD},
                             timeout=30)
        resp.raise_for_status()
        # A Secure cookie set over plain http stays out of requests' cookie jar: read the header.
        token = re.search(r"__Host-ee_session=([A-Za-z0-9_-]+)", resp.headers["Set-Cookie"]).group(1)
        return {"token": token, "csrf": resp.json()["csrf_token"]}

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), "__Host-ee_session": data["token"]}
        if case.method.upper() in STATE_CHANGING:
            case.headers = {**(case.headers or {}), "X-CSRF-Token": data["csrf"]}


def _steer(value, choices):
    """An existing value for half of the generated ones, picked by the generated value itself
    (so a seeded run stays reproducible)."""
    key = value if isinstance(value, int) and not isinstance(value, bool) else len(str(value))
    return choices[key // 2 % len(choices)] if key % 2 == 0 else value


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    path = context.operation.path if context.operation else ""
    for name, value in list((path_parameters or {}).items()):
        # /users/{id} is a user, everywhere else {id} is a structure.
        key = "user" if name == "id" and path.startswith("/api/v1/users") else name
        if KNOWN.get(key):
            path_parameters[name] = _steer(value, KNOWN[key])
    return path_parameters


@schemathesis.hook
def map_body(context, body):
    operation = context.operation
    if operation and operation.method.upper() == "POST" and operation.path == "/api/v1/session" and isinstance(body, dict) \
            and str(body.get("email", "")).strip().lower() in (EMAIL, STAFF_EMAIL):
        body["email"] = "not." + EMAIL
    return body
