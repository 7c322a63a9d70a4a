"""The production deployment files: deploy/nginx/espace-employeur.conf passes
`nginx -t` and, run for real on loopback ports with a throwaway self-signed
certificate, redirects HTTP to HTTPS, serves the API over TLS with HSTS, refuses
weak ciphers and keeps /metrics and /status on the operators' listener; the
systemd units pass `systemd-analyze verify`."""

import glob
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

import support

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO, "deploy", "nginx", "espace-employeur.conf")
UNITS = os.path.join(REPO, "deploy", "systemd")
SERVER_NAME = "espace-employeur.example.fr"
BIN_DIR = os.environ.get("PORTAL_E2E_BIN_DIR", "")


def nginx_bin():
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else shutil.which("nginx")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(text, replacements):
    """Replaces each placeholder, failing if the file no longer has it (the test would be stale)."""
    for old, new in replacements:
        assert old in text, f"{old!r} is no longer in {SITE}: update this test"
        text = text.replace(old, new)
    return text


@pytest.fixture
def site():
    """The production site rendered into a temporary prefix: certificate, logs, ports, socket."""
    prefix = tempfile.mkdtemp(prefix="prod-nginx-")
    os.chmod(prefix, 0o755)  # nginx's workers (another user when run as root) read the ACME webroot
    for sub in ("logs", "tmp", "acme/.well-known/acme-challenge"):
        os.makedirs(os.path.join(prefix, sub))
    cert, key = os.path.join(prefix, "fullchain.pem"), os.path.join(prefix, "privkey.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={SERVER_NAME}", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    ports = {"http": free_port(), "https": free_port(), "internal": free_port()}
    with open(SITE, encoding="utf-8") as f:
        text = substitute(f.read(), [
            ("/etc/ssl/espace-employeur/fullchain.pem", cert),
            ("/etc/ssl/espace-employeur/privkey.pem", key),
            ("/var/log/nginx/", prefix + "/logs/"),
            ("/var/www/acme", prefix + "/acme"),
            ("unix:/run/portal/fcgi.sock", "unix:" + support.FCGI_SOCKET),
            ("listen 80;", f"listen 127.0.0.1:{ports['http']};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 127.0.0.1:9180;", f"listen 127.0.0.1:{ports['internal']};"),
        ])
    with open(os.path.join(prefix, "espace-employeur.conf"), "w", encoding="utf-8") as f:
        f.write(text)
    shutil.copy(os.path.join(REPO, "deploy", "nginx", "fastcgi_params"), prefix)
    build = subprocess.run([nginx_bin(), "-V"], capture_output=True, text=True).stderr
    optional = "".join(f"    {m}_temp_path {prefix}/tmp/{m};\n" for m in ("uwsgi", "scgi")
                       if f"--without-http_{m}_module" not in build)
    # Workers must reach the responder's socket: run them as its owner, like the real www-data.
    user = f"user {pwd.getpwuid(os.stat(support.FCGI_SOCKET).st_uid).pw_name};\n" if os.geteuid() == 0 else ""
    with open(os.path.join(prefix, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {prefix}/tmp/client_body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
{optional}    include {prefix}/espace-employeur.conf;
}}
""")
    yield prefix, ports
    try:
        with open(os.path.join(prefix, "nginx.pid")) as f:
            os.kill(int(f.read()), signal.SIGTERM)
        support.wait_until(lambda: not os.path.exists(os.path.join(prefix, "nginx.pid")), timeout=10)
    except (OSError, ValueError):
        pass
    shutil.rmtree(prefix, ignore_errors=True)


def nginx(prefix, *args):
    return subprocess.run([nginx_bin(), "-p", prefix + "/", "-c", prefix + "/nginx.conf",
                           "-e", prefix + "/logs/error.log", *args], capture_output=True, text=True, timeout=30)


def https_get(port, path, context):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read(), conn.sock.version()
    finally:
        conn.close()


def client_context():
    context = ssl.create_default_context()
    # The throwaway certificate is self-signed: what is tested here is the server's side.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_the_production_site_passes_nginx_t_without_warnings(site):
    prefix, _ = site
    result = nginx(prefix, "-t")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr, result.stderr
    assert not re.search(r"\[(warn|emerg|alert|crit)\]", result.stderr), result.stderr


def test_the_production_site_serves_tls_redirects_http_and_hides_operators_paths(site):
    prefix, ports = site
    started = nginx(prefix)
    assert started.returncode == 0, started.stderr
    assert support.wait_until(lambda: os.path.exists(prefix + "/nginx.pid"), timeout=10) is not None

    # HTTP: a redirect to the configured name, whatever Host the client sent; ACME passes.
    conn = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=10)
    conn.request("GET", "/api/v1/version?x=1", headers={"Host": "evil.example"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 301
    assert resp.getheader("Location") == f"https://{SERVER_NAME}/api/v1/version?x=1"
    with open(prefix + "/acme/.well-known/acme-challenge/probe", "w") as f:
        f.write("acme-ok")
    conn.request("GET", "/.well-known/acme-challenge/probe", headers={"Host": SERVER_NAME})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"acme-ok")
    conn.close()

    # HTTPS: the API through the real responder, with HSTS, over TLS 1.2 or 1.3 only.
    status, headers, body, version = https_get(ports["https"], "/api/v1/version", client_context())
    assert status == 200 and b"espace-employeur" in body, body
    assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert version in ("TLSv1.2", "TLSv1.3"), version
    for path in ("/metrics", "/status"):
        assert https_get(ports["https"], path, client_context())[0] == 404

    # TLS 1.2 without forward secrecy (plain RSA key exchange) is refused by the server.
    weak = client_context()
    weak.maximum_version = ssl.TLSVersion.TLSv1_2
    weak.set_ciphers("AES128-GCM-SHA256:AES256-GCM-SHA384:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError):
        https_get(ports["https"], "/api/v1/version", weak)

    # The operators' listener, on its own port.
    conn = http.client.HTTPConnection("127.0.0.1", ports["internal"], timeout=10)
    conn.request("GET", "/status?json")
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    assert b'"total_processes":%d' % support.WORKERS in resp.read()
    conn.close()


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (scripts/install-deps.sh installs systemd)")
    units = sorted(glob.glob(os.path.join(UNITS, "*.service")) + glob.glob(os.path.join(UNITS, "*.timer")))
    assert {os.path.basename(u) for u in units} >= {"portal-fcgi.service", "portal-mailer.service",
                                                     "ij-worker.service", "ij-worker.timer"}
    for unit in units:
        with open(unit, encoding="utf-8") as f:
            # Executables where this run has them, so that verify can check them.
            (tmp_path / os.path.basename(unit)).write_text(f.read().replace("/usr/local/bin/", BIN_DIR + "/"))
    result = subprocess.run([analyze, "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys; anything it says about our units is a defect.
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_the_responder_unit_waits_longer_than_its_drain():
    with open(os.path.join(UNITS, "portal-fcgi.service"), encoding="utf-8") as f:
        unit = f.read()
    with open(os.path.join(REPO, "deploy", "env", "portal.env.example"), encoding="utf-8") as f:
        drain = int(re.search(r"^PORTAL_DRAIN_TIMEOUT_SECONDS=(\d+)$", f.read(), re.M).group(1))
    stop = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1))
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)
    assert re.search(r"^Restart=on-failure$", unit, re.M)
    # Drain, then up to 5 s for handlers that ignore cancellation, then exit.
    assert stop >= drain + 5, (stop, drain)
