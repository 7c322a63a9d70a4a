"""The portal's web pages as nginx serves them (plain HTTP): the page, its modules and styles,
their types, caching (revalidated with ETag on every use) and security headers (a strict
Content-Security-Policy on pages: own scripts only, nothing inline, no framing)."""

import os
import re

import pytest

import support
from support import assert_problem, get, request

WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "web")
PAGE_POLICY = {
    "default-src": "'none'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'", "connect-src": "'self'",
    "form-action": "'self'", "base-uri": "'none'", "object-src": "'none'", "frame-ancestors": "'none'",
    "require-trusted-types-for": "'script'",
}


def policy(header):
    return {d.split()[0]: " ".join(d.split()[1:]) for d in (p.strip() for p in header.split(";")) if d}


def web_files():
    for root, _, names in os.walk(WEB_DIR):
        for name in names:
            yield "/" + os.path.relpath(os.path.join(root, name), WEB_DIR)


def test_root_is_the_portal_page_with_a_strict_policy():
    resp = get("/")
    assert resp.status == 200, resp
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<html lang="fr">' in resp.body
    assert policy(resp.headers["content-security-policy"]) == PAGE_POLICY
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    # Revalidated on every use, so a new version is seen at once.
    assert resp.headers["cache-control"] == "no-cache"
    assert resp.headers.get("etag") and resp.headers.get("last-modified")


def test_pages_have_no_inline_script_style_or_handler():
    for path in web_files():
        if not path.endswith(".html"):
            continue
        html = get(path).body.decode("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline <script> in {path}"
        assert not re.search(r"<style\b|\sstyle=", html), f"inline style in {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler in {path}"


@pytest.mark.parametrize("suffix, content_type", [
    (".js", "text/javascript; charset=utf-8"), (".css", "text/css; charset=utf-8"), (".svg", "image/svg+xml; charset=utf-8")])
def test_every_file_of_web_is_served_with_its_type(suffix, content_type):
    paths = [p for p in web_files() if p.endswith(suffix)]
    assert paths, f"no {suffix} file in web/"
    for path in paths:
        resp = get(path)
        assert resp.status == 200, (path, resp)
        assert resp.headers["content-type"] == content_type, (path, resp.headers)
        with open(WEB_DIR + path, "rb") as f:
            assert resp.body == f.read(), path
        # Scripts and styles: revalidated (no build step versions their names); images: a week.
        expected = "max-age=604800" if suffix == ".svg" else "no-cache"
        assert resp.headers["cache-control"] == expected, (path, resp.headers)
        # Not a page: nothing may run in it.
        assert resp.headers["content-security-policy"] == support.SECURITY_HEADERS["content-security-policy"]


def test_unchanged_file_is_a_304_with_the_same_policy_and_caching():
    # Browsers merge a 304's headers into the cached response: a 304 for the page that carried
    # the strict policy of other answers would stop the cached page's scripts.
    for path in ("/", "/index.html", "/js/app.js", "/img/logo.svg"):
        first = get(path)
        again = request("GET", path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status == 304, (path, again)
        assert again.body == b""
        for name in ("content-security-policy", "cache-control"):
            assert again.headers.get(name) == first.headers[name], (path, name, again.headers)


def test_names_outside_web_are_404_problems():
    for path in ("/js/", "/js", "/nothing.html", "/scripts/stack.sh", "/.git/config", "/web/index.html"):
        assert_problem(get(path), 404)


def test_pages_are_read_only():
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/", "/index.html", "/js/app.js", "/nothing"):
            resp = request(method, path, body=b"x", headers={"Content-Type": "text/plain"})
            assert_problem(resp, 405)
    assert request("HEAD", "/").status == 200
