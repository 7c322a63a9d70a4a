#!/usr/bin/env bash
# Install what building, running and testing the portal needs on Debian (the browser tests'
# chromium and chromium-driver included: about 12 s and 25 packages on a Debian 12 machine).
# As root: apt-get installs whatever is missing (idempotent, quiet).
# Otherwise (or with --check): print the command to run and fail if
# anything is missing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check_only=0
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *) die "usage: $0 [--check]" ;;
esac

pkg_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

missing=()

# PostgreSQL server: any version will do (scripts locate its bindir).
if ! find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | grep -q .; then
    missing+=(postgresql)
fi
pkg_installed postgresql-contrib || missing+=(postgresql-contrib)
# Headers for the Swift system library targets (CLibPQ, CSodium).
pkg_installed libpq-dev || missing+=(libpq-dev)
pkg_installed libsodium-dev || missing+=(libsodium-dev)
pkg_installed pkg-config || missing+=(pkg-config)
# psql and pgbench are used by the scripts and the e2e tests.
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
# Any nginx flavour is fine; on Debian 12 nginx-light is nginx plus one module.
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# /usr/bin/time measures the worker's peak memory in tests and benchmarks.
[[ -x /usr/bin/time ]] || missing+=(time)
# cairo renders the generated PDFs; DejaVu is the font they embed.
pkg_installed libcairo2-dev || missing+=(libcairo2-dev)
pkg_installed fonts-dejavu-core || missing+=(fonts-dejavu-core)
# pdftotext/pdftoppm: tests read the text of generated PDFs.
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# The deployment-file tests: a throwaway TLS certificate, and `systemd-analyze verify` of the units.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# PgBouncer between the responders and PostgreSQL (stack.sh --pgbouncer, make test-pgbouncer).
[[ -x /usr/sbin/pgbouncer ]] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
# Validates docker-compose.yml offline (`docker-compose config`; no Docker engine needed).
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# The browser tests drive Debian's Chromium through Debian's chromedriver (same version).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# readelf and nm: scripts/fuzz.sh checks that every harness module has coverage counters and ASan.
{ command -v readelf && command -v nm; } >/dev/null 2>&1 || missing+=(binutils)

# pytest for the python3 on PATH (it may be a pyenv one, which Debian's
# python3-pytest would not serve).
need_pytest=0
python3 -c 'import pytest' >/dev/null 2>&1 || need_pytest=1
# Selenium (PyPI) for the browser tests, likewise for that python3.
need_selenium=0
python3 -c 'import selenium' >/dev/null 2>&1 || need_selenium=1
# schemathesis (openapi.yaml against the stack, tests/e2e/test_97), pinned: a new release may
# generate other cases.
SCHEMATHESIS_VERSION=4.32.5
need_schemathesis=0
python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" >/dev/null 2>&1 \
    || need_schemathesis=1

if ((${#missing[@]} == 0 && need_pytest == 0 && need_selenium == 0 && need_schemathesis == 0)); then
    log "all dependencies present"
    exit 0
fi

if ((check_only)) || ! is_root; then
    ((${#missing[@]})) && log "missing packages; run: sudo apt-get install -y ${missing[*]}"
    ((need_pytest)) && log "pytest missing for $(command -v python3); run: python3 -m pip install --user pytest"
    ((need_selenium)) && log "selenium missing for $(command -v python3); run: python3 -m pip install --user selenium"
    ((need_schemathesis)) && log "schemathesis $SCHEMATHESIS_VERSION missing for $(command -v python3); run:" \
        "python3 -m pip install --user schemathesis==$SCHEMATHESIS_VERSION"
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# One retry: a mirror hiccup should not fail a CI run.
apt_get() {
    apt-get "$@" || { sleep 5; apt-get "$@"; }
}

if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    apt_get update -qq
    # Installing postgresql may create and start a system cluster on 5432;
    # harmless: our clusters use their own ports and directories.
    apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A module for the python3 on PATH with pip, Debian's package as a fallback.
install_python_module() { # MODULE DEBIAN_PACKAGE
    log "installing $1 for $(command -v python3)"
    if ! python3 -m pip install -q --disable-pip-version-check "$1"; then
        log "pip could not install $1; trying Debian's $2"
        apt_get update -qq
        apt_get install -y -qq --no-install-recommends "$2" >/dev/null
    fi
    python3 -c "import $1" >/dev/null 2>&1 || die "$1 still not importable by $(command -v python3)"
}

if ((need_pytest)); then install_python_module pytest python3-pytest; fi
if ((need_selenium)); then install_python_module selenium python3-selenium; fi
if ((need_schemathesis)); then
    log "installing schemathesis $SCHEMATHESIS_VERSION for $(command -v python3)"
    python3 -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
        || die "pip could not install schemathesis $SCHEMATHESIS_VERSION"
fi
log "dependencies installed"
