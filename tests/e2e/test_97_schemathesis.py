"""openapi.yaml against the running stack with schemathesis: every operation, as a logged-in
principal of the demo structure (a staff member for the back-office), through nginx. No 5xx,
and every response conforms to the spec: status code, content type, headers and body schema;
schema-violating input is refused with a 4xx. A bounded, derandomized pass by default (the same
cases every run); PORTAL_SCHEMATHESIS_EXAMPLES (per operation, default 25),
PORTAL_SCHEMATHESIS_SECONDS (bound on the run, default 600) and PORTAL_SCHEMATHESIS_SEED (random
cases, reproducible with that seed) make it longer or different (`make fuzz-api`). The hooks
(authentication, ids of the demo structure) are in schemathesis_hooks.py."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import yaml

import support
from accounts import STRONG, json_request, logged_in_principal, reset_password, session_cookie, staff_session

HERE = os.path.dirname(os.path.abspath(__file__))
OPENAPI = os.path.join(HERE, "..", "..", "openapi.yaml")
OWNER_URL = os.environ.get("PORTAL_E2E_OWNER_URL", "")
EXAMPLES = int(os.environ.get("PORTAL_SCHEMATHESIS_EXAMPLES", "25"))
# The bound on the whole run (a stuck responder must not hold CI for the suite's 30 minutes).
TIME_LIMIT = int(os.environ.get("PORTAL_SCHEMATHESIS_SECONDS", "600"))
# Unset: derandomized (the same cases every run). A seed: other cases, reproducible with it.
SEED = os.environ.get("PORTAL_SCHEMATHESIS_SEED", "")
# `positive_data_acceptance` expects a 2xx for any schema-valid input: ids that do not exist,
# a wrong current password and the like are schema-valid and rightly refused.
EXCLUDED_CHECKS = "positive_data_acceptance"

DEMO = {"client_number": "1234567", "siren": "999999998", "security_code": "DEMO-2026-OCSO"}


def operations():
    with open(OPENAPI, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    return [(method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"]


def demo_structure_id():
    proc = subprocess.run([os.path.join(support.RUN_DIR, "bin", "portalctl"), "seed", "demo", "--database-url", OWNER_URL],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PORTAL_PASSWORD_HASH": "minimal"})
    assert proc.returncode == 0, proc.stderr
    return int(support.psql(f"SELECT id FROM structures WHERE client_number = '{DEMO['client_number']}'"))


def values(query):
    """Up to 20 of them: the hooks get them through the environment, which has a size limit."""
    return support.psql(f"{query} LIMIT 20").split()


def ids(query):
    return [int(v) for v in values(query)]


@pytest.fixture(scope="module")
def accounts():
    """The demo structure's principal, a delegated user, a démarche with a file and a staff
    member of its team: the two addresses, and the ids the hooks steer path parameters to."""
    sid = demo_structure_id()
    principal = support.psql(f"""SELECT u.email FROM users u JOIN structure_access a ON a.user_id = u.id
                                 WHERE a.structure_id = {sid} AND a.role = 'principal'""")
    if principal:
        # The Swift tests' fixtures signed one up: take the account over as its owner would.
        address = principal
        reset_password(address, STRONG)
        login = json_request("POST", "/api/v1/session", {"email": address, "password": STRONG})
        assert login.status == 200 and not login.json()["must_change_password"], login
        cookie, csrf = session_cookie(login), login.json()["csrf_token"]
    else:
        address = f"fuzz.{uuid.uuid4().hex[:10]}@example.fr"
        _, cookie, csrf = logged_in_principal(address, structure={**DEMO, "id": sid})
    headers = {"Cookie": cookie, "X-CSRF-Token": csrf}
    delegated = support.request("POST", "/api/v1/users", headers={**headers, "Content-Type": "application/json"},
                                body=json.dumps({"last_name": "Fuzz", "first_name": "Délégué",
                                                 "email": f"fuzz.{uuid.uuid4().hex[:10]}@example.fr",
                                                 "grants": [{"structure_id": sid, "rights": ["insured"]}]}).encode())
    assert delegated.status == 201, delegated
    boundary = "fuzz" + uuid.uuid4().hex
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nquestion\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nFuzz\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{boundary}--\r\n").encode()
    created = support.request("POST", f"/api/v1/structures/{sid}/requests", body=form,
                              headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert created.status == 201, created
    known = {
        "id": [sid],
        "structure_id": [sid],
        "user": ids(f"SELECT user_id FROM structure_access WHERE structure_id = {sid} ORDER BY user_id"),
        "matricule": values(f"SELECT matricule FROM insured_people WHERE structure_id = {sid} ORDER BY id"),
        "payment": ids(f"SELECT id FROM ij_payments WHERE structure_id = {sid} ORDER BY id"),
        "document": ids(f"SELECT id FROM documents WHERE structure_id = {sid} ORDER BY id"),
        "form": ids("SELECT id FROM forms ORDER BY id"),
        "req": [created.json()["id"]],
        "att": ids(f"SELECT id FROM request_attachments WHERE request_id = {created.json()['id']}"),
    }
    known["newsID"] = ids("SELECT id FROM news ORDER BY id")
    assert all(known.values()), known
    staff_address, _, _ = staff_session("customer_service")
    return address, staff_address, known


def test_every_operation_conforms_to_openapi(accounts, tmp_path):
    address, staff_address, known = accounts
    assert importlib.util.find_spec("schemathesis"), \
        f"schemathesis is not installed for {sys.executable} (scripts/install-deps.sh installs it)"
    env = {**os.environ, "PYTHONPATH": HERE, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PORTAL_FUZZ_EMAIL": address,
           "PORTAL_FUZZ_STAFF_EMAIL": staff_address, "PORTAL_FUZZ_PASSWORD": STRONG, "PORTAL_FUZZ_IDS": json.dumps(known)}
    proc = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", OPENAPI, "--url", support.BASE_URL,
         "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--max-examples", str(EXAMPLES),
         *(["--seed", SEED] if SEED else ["--generation-deterministic"]),
         "--workers", "1", "--request-timeout", "30", "--no-color"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIME_LIMIT)
    tested = re.search(r"Tested: (\d+)", proc.stdout)
    cases = re.search(r"^  (\d+) generated, .*$", proc.stdout, re.MULTILINE)
    print(f"schemathesis: {tested and tested.group(1)} operations tested; {cases and cases.group(0).strip()}; "
          f"{EXAMPLES} examples per operation; {'seed ' + SEED if SEED else 'derandomized'}")
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-4000:]
    # Every operation of the spec was exercised (none skipped for want of a schema or an example).
    assert tested and int(tested.group(1)) == len(operations()), proc.stdout[-4000:]
