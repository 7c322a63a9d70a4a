"""portal-fcgi refuses a bad configuration at start, naming the setting, with exit code 2."""

import os
import subprocess
import tempfile

import pytest

import support

BINARY = os.path.join(os.environ.get("PORTAL_E2E_BIN_DIR", ""), "portal-fcgi")


def start(env_overrides):
    env = {"PATH": "/usr/bin:/bin", "PORTAL_FCGI_LISTEN": "127.0.0.1:1", **env_overrides}
    return subprocess.run([BINARY], env=env, capture_output=True, text=True, timeout=20)


@pytest.mark.parametrize("key,value", [
    ("PORTAL_WORKERS", "abc"),
    ("PORTAL_WORKERS", "0"),
    ("PORTAL_QUEUE_CAPACITY", "-1"),
    ("PORTAL_DRAIN_TIMEOUT_SECONDS", "nan"),
    ("PORTAL_DIAGNOSTICS", "maybe"),
    ("PORTAL_DB_STATEMENT_CACHE", "sometimes"),
    ("PORTAL_LOG_LEVEL", "loud"),
    ("PORTAL_PASSWORD_HASH", "weak"),
    ("PORTAL_FCGI_LISTEN", "unix:relative.sock"),
    ("PORTAL_FCGI_SOCKET_MODE", "999"),  # not octal
])
def test_bad_value_is_refused_naming_the_key(key, value):
    # A unix listen address, so that the socket mode is read too.
    proc = start({"PORTAL_FCGI_LISTEN": "unix:/tmp/refused.sock", key: value})
    assert proc.returncode == 2, proc
    assert key in proc.stderr, proc.stderr


def test_unknown_key_in_the_config_file_is_refused():
    with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
        f.write("# comment\nPORTAL_WORKRES=8\n")
    try:
        proc = start({"PORTAL_CONFIG": f.name})
    finally:
        os.unlink(f.name)
    assert proc.returncode == 2, proc
    assert "PORTAL_WORKRES" in proc.stderr, proc.stderr


def test_the_running_responder_is_untouched():
    # The refusals above started separate processes; the stack's responder still answers.
    assert support.get("/healthz").status == 200
