#!/usr/bin/env python3
"""An authenticated session for the API benchmark, made the way a user would: the structure's
principal signs up (security code from `portalctl structure reset-code`), reads the temporary
password from the sender's .eml file, logs in and sets a password. On a stack where that account
already exists (`bench.sh --run-dir`), it only logs in. Prints the `__Host-ee_session=…` cookie.

    session.py --base-url URL --mail-dir DIR --portalctl PATH --owner-url CONNINFO --client-number N --email ADDR
"""

import argparse
import email
import email.policy
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

PASSWORD = "Banc-Essai-2026!"  # must not contain the address's local part


def call(base, method, path, payload, cookie=None, csrf=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    req = urllib.request.Request(base + path, data=json.dumps(payload).encode(), headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read() or b"null")


def cookie_of(headers):
    match = re.match(r"(__Host-ee_session=[A-Za-z0-9_-]+)", headers.get("Set-Cookie", ""))
    if not match:
        sys.exit("session.py: no session cookie in the answer")
    return match.group(1)


def temporary_password(mail_dir, address, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml")), key=os.path.getmtime, reverse=True):
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read(), policy=email.policy.default)
            if message["To"].addresses[0].addr_spec == address and "mot de passe temporaire" in message["Subject"]:
                lines = (line.strip() for line in message.get_content().splitlines())
                return next(line for line in lines if len(line) == 12 and " " not in line)
        time.sleep(0.2)
    sys.exit(f"session.py: no welcome mail for {address} in {mail_dir}")


def main():
    parser = argparse.ArgumentParser()
    for name in ("--base-url", "--mail-dir", "--portalctl", "--owner-url", "--client-number", "--email"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")

    status, headers, body = call(base, "POST", "/api/v1/session", {"email": args.email, "password": PASSWORD})
    if status == 200:
        print(cookie_of(headers))
        return
    code = json.loads(subprocess.run(
        [args.portalctl, "structure", "reset-code", "--database-url", args.owner_url, "--client-number", args.client_number,
         "--json"], check=True, capture_output=True, text=True).stdout)["security_code"]
    siren = subprocess.run(
        ["psql", "-X", "-qAt", args.owner_url, "-c",
         f"SELECT siren FROM structures WHERE client_number = '{args.client_number}'"],
        check=True, capture_output=True, text=True).stdout.strip()
    status, _, body = call(base, "POST", "/api/v1/accounts", {
        "client_number": args.client_number, "siren": siren, "security_code": code, "last_name": "Banc",
        "first_name": "Essai", "job_title": "Gérant", "email": args.email, "email_consent": True})
    if status != 202:
        sys.exit(f"session.py: sign-up answered {status}: {body}")
    temporary = temporary_password(args.mail_dir, args.email)
    status, headers, body = call(base, "POST", "/api/v1/session", {"email": args.email, "password": temporary})
    if status != 200:
        sys.exit(f"session.py: login answered {status}: {body}")
    status, headers, body = call(base, "POST", "/api/v1/me/password", {"current_password": temporary, "new_password": PASSWORD},
                                 cookie=cookie_of(headers), csrf=body["csrf_token"])
    if status != 200:
        sys.exit(f"session.py: password change answered {status}: {body}")
    print(cookie_of(headers))


if __name__ == "__main__":
    main()
