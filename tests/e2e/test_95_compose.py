"""docker-compose.yml, its Dockerfile and its nginx, checked without a Docker engine:
`docker-compose config` (Debian's docker-compose, which validates against the Compose schema
offline), the nginx configuration the container would render, and the runtime image's
libraries against what the built responder links to."""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE_FILE = os.path.join(REPO, "docker-compose.yml")
RESPONDERS = {"portal-fcgi-1", "portal-fcgi-2"}


def compose(*args, file=COMPOSE_FILE):
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose not installed: run scripts/install-deps.sh"
    # An empty environment: the defaults written in the file must be enough.
    return subprocess.run([exe, "-f", file, *args], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(file), env={"PATH": os.environ["PATH"]})


def test_the_compose_file_is_valid():
    proc = compose("config", "-q")
    assert proc.returncode == 0, proc.stderr
    services = compose("config", "--services").stdout.split()
    assert set(services) == {"postgres", "migrate", "ij-worker", "mailer", "nginx"} | RESPONDERS, services


def test_the_validator_rejects_a_broken_file():
    with open(COMPOSE_FILE) as f:
        text = f.read()
    broken = text.replace("    restart: \"no\"\n", "    restart: \"no\"\n    restrat: always\n", 1)
    assert broken != text
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docker-compose.yml")
        with open(path, "w") as f:
            f.write(broken)
        proc = compose("config", "-q", file=path)
    assert proc.returncode != 0
    assert "restrat" in proc.stderr, proc.stderr


def resolved_config():
    """The file as docker-compose resolves it (anchors merged, defaults interpolated), parsed by
    the YAML module docker-compose itself depends on (Debian's python3-yaml)."""
    proc = compose("config")
    assert proc.returncode == 0, proc.stderr
    to_json = subprocess.run(["/usr/bin/python3", "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
                             input=proc.stdout, capture_output=True, text=True, timeout=30)
    assert to_json.returncode == 0, to_json.stderr
    return json.loads(to_json.stdout)["services"]


def test_services_start_in_order_and_nginx_knows_both_responders():
    services = resolved_config()
    assert services["migrate"]["command"] == ["portalctl", "migrate"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "user=portal_owner" in services["migrate"]["environment"]["PORTAL_DATABASE_URL"]
    for name in RESPONDERS | {"ij-worker", "mailer"}:
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}, name
    for name in RESPONDERS:
        env = services[name]["environment"]
        assert services[name]["command"] == ["portal-fcgi"]
        assert env["PORTAL_FCGI_LISTEN"] == "0.0.0.0:9000" and "user=portal_app" in env["PORTAL_DATABASE_URL"], env
    for name in ("ij-worker", "mailer"):
        assert "user=portal_worker" in services[name]["environment"]["PORTAL_DATABASE_URL"], name
    assert services["ij-worker"]["command"][:2] == ["ij-worker", "watch"]
    nginx = services["nginx"]
    assert set(nginx["environment"]["PORTAL_FCGI_SERVERS"].split()) == {f"{name}:9000" for name in RESPONDERS}
    assert set(nginx["depends_on"]) == RESPONDERS
    # Only nginx is published.
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]


def test_the_containers_nginx_configuration_renders_and_passes_nginx_t():
    nginx = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else shutil.which("nginx")
    with tempfile.TemporaryDirectory() as out:
        # Service names do not resolve here; loopback addresses stand in for them.
        env = {"PATH": os.environ["PATH"], "PORTAL_FCGI_SERVERS": "127.0.0.1:9 127.0.0.1:10", "NGINX_LISTEN": "127.0.0.1:9"}
        render = subprocess.run(["sh", os.path.join(REPO, "deploy/docker/nginx-render.sh"), os.path.join(REPO, "deploy/nginx"), out],
                                capture_output=True, text=True, timeout=30, env=env)
        assert render.returncode == 0, render.stderr
        with open(os.path.join(out, "nginx.conf")) as f:
            conf = f.read()
        assert "daemon off;" in conf
        assert "server 127.0.0.1:9;" in conf and "server 127.0.0.1:10;" in conf
        assert "fastcgi_next_upstream error timeout invalid_header;" in conf
        check = subprocess.run([nginx, "-t", "-q", "-p", out + "/", "-c", os.path.join(out, "nginx.conf"),
                                "-e", os.path.join(out, "logs", "error.log")], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


def test_the_renderer_refuses_a_template_placeholder_it_does_not_know():
    with tempfile.TemporaryDirectory() as tmp:
        template_dir = os.path.join(tmp, "nginx")
        shutil.copytree(os.path.join(REPO, "deploy/nginx"), template_dir)
        with open(os.path.join(template_dir, "portal.conf.template"), "a") as f:
            f.write("# @SOMETHING_NEW@\n")
        render = subprocess.run(["sh", os.path.join(REPO, "deploy/docker/nginx-render.sh"), template_dir, os.path.join(tmp, "out")],
                                capture_output=True, text=True, timeout=30,
                                env={"PATH": os.environ["PATH"], "PORTAL_FCGI_SERVERS": "127.0.0.1:9"})
    assert render.returncode != 0
    assert "@SOMETHING_NEW@" in render.stderr


def runtime_packages():
    with open(os.path.join(REPO, "Dockerfile")) as f:
        runtime = f.read().split("\nFROM debian:", 1)[1]
    return set(re.search(r"apt-get install -y --no-install-recommends ([^\\&\n]+)", runtime).group(1).split())


def owning_package(path):
    for candidate in (path, "/usr" + path):
        proc = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.split(":")[0]
    return None


def test_the_runtime_image_has_every_system_library_the_programs_link_to():
    readelf = shutil.which("readelf")
    if not readelf or not shutil.which("dpkg"):
        pytest.skip("needs readelf and dpkg to read the programs' libraries")
    packages = runtime_packages()
    assert {"libpq5", "libsodium23", "libcairo2", "fonts-dejavu-core"} <= packages, packages
    bin_dir = os.environ["PORTAL_E2E_BIN_DIR"]
    # Swift's own libraries are linked in statically in the image (--static-swift-stdlib).
    swift = re.compile(r"^lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)")
    always_there = {"libc6", "libgcc-s1", "libstdc++6"}
    for program in ("portal-fcgi", "portalctl", "ij-worker"):
        path = os.path.join(bin_dir, program)
        needed = re.findall(r"\(NEEDED\).*\[(.+)\]", subprocess.run([readelf, "-d", path], capture_output=True, text=True).stdout)
        assert needed, f"no NEEDED entries read from {path}"
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(["ldd", path], capture_output=True, text=True).stdout, re.M))
        for library in needed:
            if swift.match(library) or library.startswith("ld-linux"):
                continue
            package = owning_package(resolved[library])
            assert package in packages | always_there, f"{program} needs {library} from {package}, not installed by the Dockerfile"
