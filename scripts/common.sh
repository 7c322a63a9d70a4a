# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it; do not run it.
#
# Services (PostgreSQL, portal-fcgi, nginx) never run as root: initdb refuses
# root, and running all three as the same unprivileged user avoids permission
# trouble on the sockets. As root we use a dedicated system user; otherwise
# the current user.

# Absolute path of the repository (this file lives in scripts/).
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
SCRIPTS_DIR="$REPO_ROOT/scripts"
SERVICE_USER_NAME="portal-dev"

# ---------------------------------------------------------------- logging

_log_tag() { basename "${0%.sh}"; }
log()  { printf '[%s] %s\n' "$(_log_tag)" "$*" >&2; }
warn() { printf '[%s] warning: %s\n' "$(_log_tag)" "$*" >&2; }
die()  { printf '[%s] error: %s\n' "$(_log_tag)" "$*" >&2; exit 1; }

# Print the last lines of a log file (if any) to stderr, for post-mortems.
tail_log() {
    local file=$1 lines=${2:-40}
    if [[ -s $file ]]; then
        printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2 || true
        printf -- '----- end of %s -----\n' "$file" >&2
    fi
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# ---------------------------------------------------------------- PostgreSQL

# Directory holding initdb/pg_ctl/postgres. pg_config may belong to libpq-dev
# only (no server), so check that initdb is really there; otherwise take the
# newest /usr/lib/postgresql/*/bin that has one. PG_BINDIR overrides.
pg_bindir() {
    if [[ -n ${PG_BINDIR:-} ]]; then
        [[ -x $PG_BINDIR/initdb ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        printf '%s\n' "$PG_BINDIR"
        return
    fi
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -n $dir && -x $dir/initdb ]]; then
            printf '%s\n' "$dir"
            return
        fi
    fi
    dir=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
        | sort -V | tail -n 1)
    [[ -n $dir ]] || die "no PostgreSQL server binaries found (run scripts/install-deps.sh)"
    dirname "$dir"
}

# ---------------------------------------------------------------- service user

service_user() {
    if is_root; then printf '%s\n' "$SERVICE_USER_NAME"; else id -un; fi
}

# Create the unprivileged system user once (root only; no-op otherwise).
ensure_service_user() {
    is_root || return 0
    if ! id -u "$SERVICE_USER_NAME" >/dev/null 2>&1; then
        log "creating system user $SERVICE_USER_NAME"
        useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER_NAME"
    fi
}

# Run a command as the service user. cwd is / because the caller's cwd (the
# repository) may not be readable by that user and postgres refuses to start
# from a directory it cannot stat.
as_service_user() {
    if is_root; then
        (cd / && runuser -u "$SERVICE_USER_NAME" -- "$@")
    else
        (cd / && "$@")
    fi
}

# Replace the current (sub)shell by CMD run as the service user; for
# launching long-running processes without an extra waiting shell, in a
# session of their own so that a ctrl-c in our terminal does not reach them.
exec_as_service_user() {
    cd /
    if is_root; then
        exec setsid runuser -u "$SERVICE_USER_NAME" -- "$@"
    fi
    exec setsid "$@"
}

# Give a directory (and what is in it) to the service user.
chown_service_user() {
    if is_root; then
        chown -R "$SERVICE_USER_NAME:$SERVICE_USER_NAME" "$@"
    fi
}

# ---------------------------------------------------------------- ports

# A TCP port that was free a moment ago on 127.0.0.1 (the kernel picks it).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
sys.exit(0)
PY
}

# ---------------------------------------------------------------- processes

# Pid stored in FILE if that process is alive; fails otherwise.
live_pid() {
    local file=$1 pid
    [[ -s $file ]] || return 1
    pid=$(head -n 1 "$file" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# Send SIGNAL to the pid in FILE and wait up to TIMEOUT seconds for it to go;
# then SIGKILL. Removes the pid file. Safe if the process is already gone.
stop_pidfile() {
    local file=$1 signal=$2 timeout=$3 name=$4 pid deadline
    if ! pid=$(live_pid "$file"); then
        rm -f "$file"
        return 0
    fi
    log "stopping $name (pid $pid, SIG$signal)"
    kill "-$signal" "$pid" 2>/dev/null || true
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            warn "$name (pid $pid) still alive after ${timeout}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
    done
    rm -f "$file"
}

# ---------------------------------------------------------------- waiting

# wait_for TIMEOUT DESCRIPTION CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            warn "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

wait_pg_ready() { # HOST PORT TIMEOUT
    local bindir
    bindir=$(pg_bindir)
    wait_for "$3" "PostgreSQL on $1:$2" "$bindir/pg_isready" -q -h "$1" -p "$2" -U postgres -d postgres -t 1
}

# A unix socket that accepts connections (not merely a stale file).
unix_socket_accepts() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])
PY
}

wait_socket() { # PATH TIMEOUT
    wait_for "$2" "socket $1" unix_socket_accepts "$1"
}

http_status_is_200() {
    python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

wait_http_200() { # URL TIMEOUT
    wait_for "$2" "HTTP 200 from $1" http_status_is_200 "$1"
}
