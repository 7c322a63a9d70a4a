#!/usr/bin/env python3
"""An authenticated session for the API benchmark, made the way a user would, with the steps of the
end-to-end tests (tests/e2e/accounts.py): the structure's principal signs up (security code from
`portalctl structure reset-code`), reads the temporary password in the sender's .eml file, logs in
and sets a password. Where that account already exists (`bench.sh --run-dir`), it only logs in.
Prints the `__Host-ee_session=…` cookie.

    session.py CLIENT_NUMBER EMAIL     # with the environment of `scripts/stack.sh env DIR`
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
import accounts  # noqa: E402

# Must not contain the address's local part (password policy).
PASSWORD = "Banc-Essai-2026!"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    client_number, email = sys.argv[1], sys.argv[2]
    login = accounts.json_request("POST", "/api/v1/session", {"email": email, "password": PASSWORD})
    if login.status != 200:
        owner_url = os.environ["PORTAL_E2E_OWNER_URL"]
        reset = subprocess.run([os.path.join(os.environ["PORTAL_E2E_BIN_DIR"], "portalctl"), "structure", "reset-code",
                                "--database-url", owner_url, "--client-number", client_number, "--json"],
                               check=True, capture_output=True, text=True)
        siren = subprocess.run(["psql", "-X", "-qAt", owner_url, "-c",
                                f"SELECT siren FROM structures WHERE client_number = '{client_number}'"],
                               check=True, capture_output=True, text=True).stdout.strip()
        structure = {"client_number": client_number, "siren": siren, "security_code": json.loads(reset.stdout)["security_code"]}
        accounts.sign_up(structure, email)
        temporary = accounts.temporary_password(email)
        first = accounts.json_request("POST", "/api/v1/session", {"email": email, "password": temporary})
        if first.status != 200:
            sys.exit(f"session.py: login answered {first.status}")
        login = accounts.json_request("POST", "/api/v1/me/password", {"current_password": temporary, "new_password": PASSWORD},
                                      cookie=accounts.session_cookie(first), csrf=first.json()["csrf_token"])
        if login.status != 200:
            sys.exit(f"session.py: password change answered {login.status}")
    cookie = accounts.session_cookie(login)
    if not cookie:
        sys.exit("session.py: no session cookie in the answer")
    print(cookie)


if __name__ == "__main__":
    main()
