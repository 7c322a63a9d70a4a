#!/usr/bin/env bash
# Run PostgreSQL + portal-fcgi + nginx out of one run directory.
#
#   stack.sh start DIR --pg-port P --http-port H [--demo] [--release|--debug]
#                      [--diagnostics] [--workers N] [--queue N] [--ephemeral]
#                      [--bin-dir DIR] [--nginx-workers N]
#                      [--responders N] [--pgbouncer]
#   stack.sh stop DIR                  stop what start started (safe if stopped)
#   stack.sh status DIR                what runs, where, how to stop it
#   stack.sh env DIR                   export lines for the test suites
#   stack.sh pg-start|pg-stop|pg-restart DIR
#   stack.sh responder-start|responder-stop|responder-restart DIR
#   stack.sh responder-reload DIR      new binary, one instance at a time, no failed request
#
# Layout of DIR: pg/data, pg/socket, fcgi.sock, nginx/, mail/, logs/, bin/,
# web/ (a copy of the portal's pages, refreshed by every start), *.pid, stack.env (the options given to start, reused by later commands).
# --responders N runs N portal-fcgi instances behind one nginx upstream; the
# first keeps the names above, instance K adds "-K" (fcgi-2.sock, portal-fcgi-2.pid,
# logs/portal-fcgi-2.log). --pgbouncer puts PgBouncer (transaction pooling,
# pgbouncer/ in DIR, log in logs/pgbouncer.log) between the responders and
# PostgreSQL; migrations, portalctl and the worker still connect directly.
# --ephemeral trades durability for speed (fsync=off): throwaway clusters only.
# --bin-dir (or PORTAL_BIN_DIR) takes portal-fcgi/portalctl from DIR instead
# of `swift build --show-bin-path`. PORTAL_BOOTSTRAP_SQL overrides
# sql/bootstrap.sql. PORTAL_LOG_LEVEL is passed to the responder.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The responder's PORTAL_MAX_BODY_BYTES and nginx's client_max_body_size on the
# upload locations (démarches, replies: 25 MiB of files plus the form), so both
# layers agree on the limit. Everywhere else nginx allows MAX_JSON_BODY_BYTES,
# the responder's cap on JSON bodies.
MAX_BODY_BYTES=27262976
MAX_JSON_BODY_BYTES=1048576
DRAIN_TIMEOUT_SECONDS=30

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- layout

set_paths() { # DIR [create]
    [[ -n ${1:-} ]] || usage
    if [[ ${2:-} == create ]]; then
        mkdir -p "$1"
    elif [[ ! -d $1 ]]; then
        die "no such run directory: $1"
    fi
    RUN=$(cd "$1" && pwd)
    PG_DATA=$RUN/pg/data
    PG_SOCK=$RUN/pg/socket
    # nginx's internal listener (/metrics, /status), for operators only.
    INTERNAL_SOCK=$RUN/nginx/internal.sock
    PGBOUNCER_DIR=$RUN/pgbouncer
    PGBOUNCER_PIDFILE=$RUN/pgbouncer.pid
    NGINX_DIR=$RUN/nginx
    MAIL_DIR=$RUN/mail
    LOG_DIR=$RUN/logs
    BIN_DIR=$RUN/bin
    WEB_DIR=$RUN/web
    PG_PIDFILE=$RUN/postgres.pid
    NGINX_PIDFILE=$RUN/nginx.pid
    MAILER_PIDFILE=$RUN/portal-mailer.pid
    STACK_ENV=$RUN/stack.env
    instance_paths 1
}

# Files of responder instance K: the first keeps the historical names.
instance_paths() { # K
    local suffix=""
    (($1 > 1)) && suffix="-$1"
    FCGI_NAME=portal-fcgi$suffix
    FCGI_SOCK=$RUN/fcgi$suffix.sock
    FCGI_PIDFILE=$RUN/$FCGI_NAME.pid
    FCGI_LOG=$LOG_DIR/$FCGI_NAME.log
}

# Options of the first start, so that restarts need only DIR.
load_config() {
    PG_PORT="" HTTP_PORT="" BUILD_MODE=debug DIAGNOSTICS=0 WORKERS=4 QUEUE=64
    DEMO=0 EPHEMERAL=0 NGINX_WORKERS=auto BIN_SOURCE="" RESPONDERS=1 PGBOUNCER=0
    # Argon2id cost of the responder and portalctl: "minimal" only for throwaway test stacks.
    PASSWORD_HASH=${PORTAL_PASSWORD_HASH:-interactive}
    if [[ -f $STACK_ENV ]]; then
        # shellcheck source=/dev/null
        source "$STACK_ENV"
    fi
}

require_config() {
    [[ -f $STACK_ENV ]] || die "$RUN has no stack.env: run '$0 start $RUN --pg-port P --http-port H' first"
    load_config
}

save_config() {
    local v
    {
        echo "# written by scripts/stack.sh start; read by its other subcommands"
        for v in PG_PORT HTTP_PORT BUILD_MODE DIAGNOSTICS WORKERS QUEUE DEMO EPHEMERAL NGINX_WORKERS BIN_SOURCE PASSWORD_HASH RESPONDERS PGBOUNCER; do
            printf '%s=%q\n' "$v" "${!v}"
        done
    } >"$STACK_ENV"
}

prepare_dirs() {
    ensure_service_user
    mkdir -p "$RUN/pg" "$PG_SOCK" "$NGINX_DIR/tmp" "$MAIL_DIR" "$LOG_DIR" "$BIN_DIR"
    # mktemp directories are 0700; the service user must own what it writes.
    chown_service_user "$RUN/pg" "$NGINX_DIR" "$MAIL_DIR" "$LOG_DIR" "$BIN_DIR"
    if is_root; then
        chown "$SERVICE_USER_NAME:$SERVICE_USER_NAME" "$RUN"
        chmod 0750 "$RUN"
        as_service_user test -w "$RUN" ||
            die "$(service_user) cannot reach $RUN (a parent directory is not traversable); use a run directory under /tmp or chmod o+x its parents"
    fi
}

# ---------------------------------------------------------------- binaries

# Directory holding the freshly built portal-fcgi and portalctl.
source_bin_dir() {
    if [[ -n ${PORTAL_BIN_DIR:-} ]]; then
        BIN_SOURCE=$PORTAL_BIN_DIR
    fi
    if [[ -n $BIN_SOURCE ]]; then
        printf '%s\n' "$BIN_SOURCE"
        return
    fi
    local args=()
    [[ $BUILD_MODE == release ]] && args=(-c release)
    (cd "$REPO_ROOT" && swift build "${args[@]}" --show-bin-path)
}

# Copy binaries into the run directory: the repository may not be readable
# by the service user. Copy then rename, so a running binary is never
# overwritten in place ("text file busy").
install_binaries() {
    local src name hint="swift build"
    [[ $BUILD_MODE == release ]] && hint="swift build -c release"
    src=$(source_bin_dir)
    for name in "$@"; do
        [[ -x $src/$name ]] || die "$src/$name not found: run '$hint' first or pass --bin-dir"
        cp "$src/$name" "$BIN_DIR/.$name.new"
        chmod 0755 "$BIN_DIR/.$name.new"
        mv -f "$BIN_DIR/.$name.new" "$BIN_DIR/$name"
    done
    chown_service_user "$BIN_DIR"
}

# The portal's pages, copied like the binaries (the service user may not read the
# repository) and swapped in whole, so nginx never serves half old, half new files.
install_web() {
    rm -rf "$WEB_DIR.new" "$WEB_DIR.old"
    cp -R "$REPO_ROOT/web" "$WEB_DIR.new"
    chmod -R a+rX "$WEB_DIR.new"
    if [[ -d $WEB_DIR ]]; then mv "$WEB_DIR" "$WEB_DIR.old"; fi
    mv "$WEB_DIR.new" "$WEB_DIR"
    rm -rf "$WEB_DIR.old"
}

# ---------------------------------------------------------------- PostgreSQL

pg_ctl_() { as_service_user "$(pg_bindir)/pg_ctl" "$@"; }

pg_running() { pg_ctl_ status -D "$PG_DATA" >/dev/null 2>&1; }

psql_super() { # DB, then psql arguments
    local db=$1
    shift
    "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

pg_init() {
    [[ -f $PG_DATA/PG_VERSION ]] && return 0
    local locale=C
    locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
    log "initdb $PG_DATA"
    as_service_user "$(pg_bindir)/initdb" -D "$PG_DATA" -U postgres --auth=trust \
        -E UTF8 --locale="$locale" >"$LOG_DIR/initdb.log" 2>&1 ||
        { tail_log "$LOG_DIR/initdb.log"; die "initdb failed"; }
    echo "include_if_exists = 'portal-stack.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
    local conf=$PG_DATA/portal-stack.conf
    {
        echo "# written by scripts/stack.sh on every start"
        echo "port = $PG_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$PG_SOCK'"
        echo "max_connections = 100"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
        if ((EPHEMERAL)); then
            echo "# throwaway cluster: durability is not wanted"
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$conf"
    chown_service_user "$conf"
}

pg_start() {
    if pg_running; then
        log "PostgreSQL already running"
    else
        port_in_use "$PG_PORT" && die "port $PG_PORT is already in use (not by this stack)"
        pg_init
        pg_write_conf
        log "starting PostgreSQL on port $PG_PORT"
        pg_ctl_ start -D "$PG_DATA" -l "$LOG_DIR/postgresql.log" -w -t 60 >/dev/null ||
            { tail_log "$LOG_DIR/postgresql.log"; die "PostgreSQL did not start"; }
    fi
    wait_pg_ready "$PG_SOCK" "$PG_PORT" 30 || die "PostgreSQL not ready"
    head -n 1 "$PG_DATA/postmaster.pid" >"$PG_PIDFILE"
}

pg_stop() {
    if [[ -f $PG_DATA/PG_VERSION ]] && pg_running; then
        log "stopping PostgreSQL"
        pg_ctl_ stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
    fi
    rm -f "$PG_PIDFILE"
}

# Roles, database, migrations (and demo data): all idempotent.
db_setup() {
    local bootstrap=${PORTAL_BOOTSTRAP_SQL:-$REPO_ROOT/sql/bootstrap.sql}
    [[ -f $bootstrap ]] || die "$bootstrap not found (set PORTAL_BOOTSTRAP_SQL to use another file)"
    log "bootstrap roles ($bootstrap)"
    psql_super postgres -f "$bootstrap" >/dev/null
    if [[ -z $(psql_super postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = 'portal'") ]]; then
        log "creating database portal"
        psql_super postgres -c "CREATE DATABASE portal OWNER portal_owner" >/dev/null
    fi
    local owner_url="host=$PG_SOCK port=$PG_PORT dbname=portal user=portal_owner"
    log "migrating"
    "$BIN_DIR/portalctl" migrate --database-url "$owner_url" --migrations "$REPO_ROOT/sql/migrations"
    if ((DEMO)); then
        log "seeding demo data"
        PORTAL_PASSWORD_HASH=$PASSWORD_HASH "$BIN_DIR/portalctl" seed demo --database-url "$owner_url"
    fi
}

# ---------------------------------------------------------------- responder

responder_env() {
    # Through PgBouncer (same port number, its own socket directory), statements go unnamed.
    local db_host=$PG_SOCK statement_cache=on
    if ((PGBOUNCER)); then db_host=$PGBOUNCER_DIR statement_cache=off; fi
    RESPONDER_ENV=(
        "PORTAL_DATABASE_URL=host=$db_host port=$PG_PORT dbname=portal user=portal_app application_name=$FCGI_NAME"
        "PORTAL_DB_STATEMENT_CACHE=$statement_cache"
        "PORTAL_FCGI_LISTEN=unix:$FCGI_SOCK"
        "PORTAL_FCGI_SOCKET_MODE=0660"
        "PORTAL_WORKERS=$WORKERS"
        "PORTAL_QUEUE_CAPACITY=$QUEUE"
        "PORTAL_MAX_BODY_BYTES=$MAX_BODY_BYTES"
        "PORTAL_DRAIN_TIMEOUT_SECONDS=$DRAIN_TIMEOUT_SECONDS"
        "PORTAL_LOG_LEVEL=${PORTAL_LOG_LEVEL:-info}"
        "PORTAL_DIAGNOSTICS=$DIAGNOSTICS"
        "PORTAL_PASSWORD_HASH=$PASSWORD_HASH"
    )
}

# Starts "$@" as the service user with a clean environment plus the NAME=VALUE words before
# `--`. The inner sh records its own pid and then execs the program, so PIDFILE holds the
# program's pid whatever wraps it (runuser stays as its parent). Started in a subshell so that
# this script is never its parent: a dead service must not linger as our zombie.
spawn_service() { # PIDFILE LOGFILE [NAME=VALUE...] -- PROGRAM [ARGS...]
    local pidfile=$1 logfile=$2
    shift 2
    local -a env=()
    while [[ $1 != -- ]]; do env+=("$1"); shift; done
    shift
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
    (
        exec_as_service_user /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RUN" LANG=C.UTF-8 \
            "${env[@]}" /bin/sh -c 'echo $$ >"$0" && exec "$@"' "$pidfile" "$@" \
            </dev/null >>"$logfile" 2>&1 &
    )
}

# Every instance; the binary is copied once.
responder_start() {
    local k
    install_binaries portal-fcgi
    for ((k = 1; k <= RESPONDERS; k++)); do
        instance_paths "$k"
        responder_instance_start
    done
}

# The instance of instance_paths; returns once its socket accepts connections.
responder_instance_start() {
    local pid deadline
    if pid=$(live_pid "$FCGI_PIDFILE"); then
        log "$FCGI_NAME already running (pid $pid)"
        return 0
    fi
    responder_env
    # For humans (and PORTAL_CONFIG users); the process gets the same values
    # through its environment.
    printf '%s\n' "${RESPONDER_ENV[@]}" >"$RUN/$FCGI_NAME.env"
    # Not running, so a socket file left here is stale.
    rm -f "$FCGI_SOCK" "$FCGI_PIDFILE"
    log "starting $FCGI_NAME ($WORKERS workers, queue $QUEUE, diagnostics=$DIAGNOSTICS)"
    spawn_service "$FCGI_PIDFILE" "$FCGI_LOG" "${RESPONDER_ENV[@]}" -- "$BIN_DIR/portal-fcgi"
    deadline=$((SECONDS + 60))
    pid=""
    while :; do
        if [[ -z $pid ]]; then
            pid=$(live_pid "$FCGI_PIDFILE" || true)
        elif ! kill -0 "$pid" 2>/dev/null; then
            tail_log "$FCGI_LOG"
            die "$FCGI_NAME exited during startup"
        elif unix_socket_accepts "$FCGI_SOCK" 2>/dev/null; then
            break
        fi
        if ((SECONDS >= deadline)); then
            tail_log "$FCGI_LOG"
            die "$FCGI_NAME did not listen on $FCGI_SOCK within 60s"
        fi
        sleep 0.1
    done
    log "$FCGI_NAME listening on $FCGI_SOCK (pid $pid)"
}

# ---------------------------------------------------------------- PgBouncer

pgbouncer_bin() {
    if [[ -x /usr/sbin/pgbouncer ]]; then echo /usr/sbin/pgbouncer; else command -v pgbouncer || die "pgbouncer not installed (scripts/install-deps.sh)"; fi
}

# Transaction pooling on a unix socket only, in its own directory with PostgreSQL's port
# number (the socket is .s.PGSQL.PORT), so no TCP port is taken. Trust is enough on a
# throwaway stack's private socket; the user must still be listed in auth_file.
pgbouncer_write_conf() {
    mkdir -p "$PGBOUNCER_DIR"
    printf '"portal_app" ""\n' >"$PGBOUNCER_DIR/userlist.txt"
    cat >"$PGBOUNCER_DIR/pgbouncer.ini" <<EOF
; written by scripts/stack.sh on every start
[databases]
portal = host=$PG_SOCK port=$PG_PORT dbname=portal

[pgbouncer]
listen_addr =
listen_port = $PG_PORT
unix_socket_dir = $PGBOUNCER_DIR
auth_type = trust
auth_file = $PGBOUNCER_DIR/userlist.txt
pool_mode = transaction
; at least every responder worker at once, so no client waits for a server connection
default_pool_size = 40
max_client_conn = 400
; reconnect quickly once PostgreSQL is back (the default waits 15 s after a failure)
server_login_retry = 1
; with a pool that large, only a missing server makes a client wait: then fail within
; seconds (503, /readyz false) like a direct connection, rather than hang for 120 s
query_wait_timeout = 2
; stderr goes to logs/pgbouncer.log
logfile =
EOF
    chown_service_user "$PGBOUNCER_DIR"
}

pgbouncer_start() {
    local pid
    if pid=$(live_pid "$PGBOUNCER_PIDFILE"); then
        log "pgbouncer already running (pid $pid)"
        return 0
    fi
    pgbouncer_write_conf
    rm -f "$PGBOUNCER_PIDFILE" "$PGBOUNCER_DIR/.s.PGSQL.$PG_PORT" "$PGBOUNCER_DIR/.s.PGSQL.$PG_PORT.lock"
    log "starting pgbouncer (transaction pooling) in $PGBOUNCER_DIR"
    spawn_service "$PGBOUNCER_PIDFILE" "$LOG_DIR/pgbouncer.log" -- "$(pgbouncer_bin)" "$PGBOUNCER_DIR/pgbouncer.ini"
    wait_for 10 "pgbouncer socket" test -S "$PGBOUNCER_DIR/.s.PGSQL.$PG_PORT" ||
        { tail_log "$LOG_DIR/pgbouncer.log"; die "pgbouncer did not start"; }
}

pgbouncer_stop() {
    # SIGTERM: immediate shutdown; the responders are already stopped.
    stop_pidfile "$PGBOUNCER_PIDFILE" TERM 10 pgbouncer
}

# ---------------------------------------------------------------- mail sender

# Delivers the outbox as .eml files into $MAIL_DIR, polling twice a second.
mailer_start() {
    local pid
    if pid=$(live_pid "$MAILER_PIDFILE"); then
        log "portal-mailer already running (pid $pid)"
        return 0
    fi
    rm -f "$MAILER_PIDFILE"
    log "starting the mail sender (mails land in $MAIL_DIR)"
    spawn_service "$MAILER_PIDFILE" "$LOG_DIR/portal-mailer.log" \
        "PORTAL_DATABASE_URL=host=$PG_SOCK port=$PG_PORT dbname=portal user=portal_worker" "PORTAL_MAIL_DIR=$MAIL_DIR" -- \
        "$BIN_DIR/portalctl" mail deliver --watch --interval 0.5
    wait_for 10 "portal-mailer pid file" live_pid "$MAILER_PIDFILE" || die "the mail sender did not start"
}

mailer_stop() {
    stop_pidfile "$MAILER_PIDFILE" TERM 10 portal-mailer
}

responder_stop() {
    local k
    for ((k = 1; k <= RESPONDERS; k++)); do
        instance_paths "$k"
        responder_instance_stop
    done
}

responder_instance_stop() {
    # SIGTERM drains in-flight requests; allow the drain timeout plus margin.
    stop_pidfile "$FCGI_PIDFILE" TERM $((DRAIN_TIMEOUT_SECONDS + 10)) "$FCGI_NAME"
}

# ---------------------------------------------------------------- nginx

nginx_bin() {
    if [[ -x /usr/sbin/nginx ]]; then echo /usr/sbin/nginx; else command -v nginx || die "nginx not installed"; fi
}

# One upstream server line per responder instance; instance DOWN (if given) is
# marked down, so nginx sends it nothing while it is replaced.
upstream_servers() { # [DOWN]
    local k down
    for ((k = 1; k <= RESPONDERS; k++)); do
        down=""
        [[ $k == "${1:-}" ]] && down=" down"
        instance_paths "$k"
        printf '        server unix:%s%s;\n' "$FCGI_SOCK" "$down"
    done
    instance_paths 1
}

render_nginx_conf() { # [DOWN instance]
    local template=$REPO_ROOT/deploy/nginx/portal.conf.template out=$NGINX_DIR/nginx.conf
    local nginx text optional="" key servers
    servers=$(upstream_servers "${1:-}")
    nginx=$(nginx_bin)
    # uwsgi/scgi temp paths exist only when those modules are compiled in;
    # naming an absent module's directive would be a syntax error.
    local build
    build=$("$nginx" -V 2>&1)
    [[ $build == *--without-http_uwsgi_module* ]] || optional+="    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;"$'\n'
    [[ $build == *--without-http_scgi_module* ]] || optional+="    scgi_temp_path $NGINX_DIR/tmp/scgi;"$'\n'

    text=$(<"$template")
    # In bash >= 5.2 '&' in a replacement means "the match"; we want it literal.
    shopt -u patsub_replacement 2>/dev/null || true
    local -A values=(
        [RUN_DIR]=$RUN [NGINX_DIR]=$NGINX_DIR [LOG_DIR]=$LOG_DIR [INTERNAL_SOCKET]=$INTERNAL_SOCK
        [HTTP_LISTEN]=127.0.0.1:$HTTP_PORT [FCGI_SERVERS]=$servers [WEB_ROOT]=$WEB_DIR
        [NGINX_WORKERS]=$NGINX_WORKERS [MAX_BODY]=$MAX_BODY_BYTES [MAX_JSON_BODY]=$MAX_JSON_BODY_BYTES
        [OPTIONAL_TEMP_PATHS]=$optional
    )
    for key in "${!values[@]}"; do
        text=${text//"@$key@"/"${values[$key]}"}
    done
    if [[ $text =~ @[A-Z_]+@ ]]; then
        die "unrendered placeholder ${BASH_REMATCH[0]} in $template"
    fi
    printf '%s\n' "$text" >"$out"
    cp "$REPO_ROOT/deploy/nginx/fastcgi_params" "$NGINX_DIR/fastcgi_params"
    chown_service_user "$NGINX_DIR"
}

nginx_cmd() {
    as_service_user "$(nginx_bin)" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$LOG_DIR/nginx-error.log" "$@"
}

nginx_start() {
    local pid
    if pid=$(live_pid "$NGINX_PIDFILE"); then
        log "nginx already running (pid $pid)"
        return 0
    fi
    port_in_use "$HTTP_PORT" && die "port $HTTP_PORT is already in use (not by this stack)"
    render_nginx_conf
    # Not running, so a socket file left here (kill -9) is stale and would fail the bind.
    rm -f "$INTERNAL_SOCK"
    nginx_cmd -t -q || { tail_log "$LOG_DIR/nginx-error.log"; die "nginx configuration test failed"; }
    log "starting nginx on 127.0.0.1:$HTTP_PORT"
    nginx_cmd || { tail_log "$LOG_DIR/nginx-error.log"; die "nginx did not start"; }
    wait_for 10 "nginx pid file" live_pid "$NGINX_PIDFILE" || die "nginx did not write $NGINX_PIDFILE"
}

nginx_stop() {
    # Fast shutdown: a dev/test stack has nothing worth waiting for.
    stop_pidfile "$NGINX_PIDFILE" TERM 10 nginx
}

# Children of the nginx master (its worker processes).
nginx_workers() { # MASTER_PID
    local stat rest
    for stat in /proc/[0-9]*/stat; do
        read -r rest <"$stat" 2>/dev/null || continue
        rest=${rest##*) }
        read -r _ ppid _ <<<"$rest"
        [[ $ppid == "$1" ]] && { stat=${stat#/proc/}; echo "${stat%/stat}"; }
    done
    return 0
}

# Graceful reload with instance DOWN out of the upstream (none if empty). Returns once
# the workers of the previous configuration have finished their requests and exited,
# so that no connection to the instance taken out remains or will be opened.
nginx_reload() { # [DOWN]
    local master old pid deadline
    master=$(live_pid "$NGINX_PIDFILE") || return 0
    render_nginx_conf "${1:-}"
    nginx_cmd -t -q || { tail_log "$LOG_DIR/nginx-error.log"; die "nginx configuration test failed"; }
    old=$(nginx_workers "$master")
    kill -HUP "$master"
    # Old workers finish their requests (bounded by fastcgi_read_timeout) and exit.
    deadline=$((SECONDS + 90))
    for pid in $old; do
        while kill -0 "$pid" 2>/dev/null; do
            ((SECONDS < deadline)) || { warn "nginx worker $pid still finishing requests; going on"; return 0; }
            sleep 0.1
        done
    done
}

# ---------------------------------------------------------------- rolling reload

# Replaces the running responders by the current binary, one instance at a time: nginx
# first stops sending it requests (graceful reload with the instance marked down; the old
# nginx workers finish theirs), then SIGTERM drains what it still has, the new process
# starts, and nginx takes it back before the next instance goes. The others serve
# meanwhile, so clients see no error, POSTs included (nginx never re-sends those).
responder_reload() {
    local k
    install_binaries portal-fcgi
    ((RESPONDERS > 1)) || warn "a single responder cannot be replaced without a gap: start with --responders 2"
    for ((k = 1; k <= RESPONDERS; k++)); do
        if ((RESPONDERS > 1)); then nginx_reload "$k"; fi
        instance_paths "$k"
        responder_instance_stop
        responder_instance_start
        if ((RESPONDERS > 1)); then nginx_reload; fi
    done
    instance_paths 1
    log "responders reloaded"
}

# ---------------------------------------------------------------- commands

cmd_start() {
    set_paths "${1:-}" create
    shift
    load_config
    local old_pg=$PG_PORT old_http=$HTTP_PORT old_responders=$RESPONDERS old_pgbouncer=$PGBOUNCER
    while (($#)); do
        case $1 in
            --pg-port) PG_PORT=${2:?}; shift ;;
            --http-port) HTTP_PORT=${2:?}; shift ;;
            --demo) DEMO=1 ;;
            --release) BUILD_MODE=release ;;
            --debug) BUILD_MODE=debug ;;
            --diagnostics) DIAGNOSTICS=1 ;;
            --workers) WORKERS=${2:?}; shift ;;
            --queue) QUEUE=${2:?}; shift ;;
            --ephemeral) EPHEMERAL=1 ;;
            --nginx-workers) NGINX_WORKERS=${2:?}; shift ;;
            --bin-dir) BIN_SOURCE=$(cd "${2:?}" && pwd); shift ;;
            --responders) RESPONDERS=${2:?}; shift ;;
            --pgbouncer) PGBOUNCER=1 ;;
            *) die "unknown option for start: $1" ;;
        esac
        shift
    done
    [[ $PG_PORT =~ ^[0-9]+$ && $HTTP_PORT =~ ^[0-9]+$ ]] || die "start needs --pg-port and --http-port"
    [[ $RESPONDERS =~ ^[1-9][0-9]?$ ]] || die "--responders takes 1 to 99"
    # Remembered so that later restarts take the same binaries.
    if [[ -n ${PORTAL_BIN_DIR:-} && -z $BIN_SOURCE ]]; then
        BIN_SOURCE=$(cd "$PORTAL_BIN_DIR" && pwd)
    fi

    local running=0 k
    pg_running 2>/dev/null && running=$((running + 1))
    for ((k = 1; k <= old_responders; k++)); do
        instance_paths "$k"
        live_pid "$FCGI_PIDFILE" >/dev/null && running=$((running + 1))
    done
    instance_paths 1
    live_pid "$NGINX_PIDFILE" >/dev/null && running=$((running + 1))
    live_pid "$MAILER_PIDFILE" >/dev/null && running=$((running + 1))
    live_pid "$PGBOUNCER_PIDFILE" >/dev/null && running=$((running + 1))
    if ((running > 0)) && [[ $old_pg != "$PG_PORT" || $old_http != "$HTTP_PORT" || $old_responders != "$RESPONDERS" || $old_pgbouncer != "$PGBOUNCER" ]]; then
        die "$RUN is running with other ports, responders or pgbouncer; stop it first"
    fi
    # Pages are served straight from disk: running `start` again publishes edits to web/.
    install_web
    if ((running == 3 + RESPONDERS + PGBOUNCER)); then
        log "stack in $RUN already running; nothing to do"
        cmd_status_print
        return 0
    fi

    prepare_dirs
    save_config
    install_binaries portalctl ij-worker
    pg_start
    db_setup
    if ((PGBOUNCER)); then pgbouncer_start; fi
    responder_start
    mailer_start
    nginx_start
    wait_http_200 "http://127.0.0.1:$HTTP_PORT/healthz" 30 || {
        tail_log "$LOG_DIR/portal-fcgi.log"
        tail_log "$LOG_DIR/nginx-error.log"
        die "GET /healthz through nginx did not return 200"
    }
    cmd_status_print
}

cmd_stop() {
    if [[ ! -d ${1:-} ]]; then
        log "nothing to stop: no directory ${1:-}"
        return 0
    fi
    set_paths "$1"
    [[ -f $STACK_ENV ]] || { log "nothing to stop in $RUN"; return 0; }
    load_config
    nginx_stop
    responder_stop
    mailer_stop
    pgbouncer_stop
    pg_stop
    log "stopped"
}

cmd_status_print() {
    local pid state k names=(postgres)
    ((PGBOUNCER)) && names+=(pgbouncer)
    for ((k = 1; k <= RESPONDERS; k++)); do
        instance_paths "$k"
        names+=("$FCGI_NAME")
    done
    instance_paths 1
    names+=(portal-mailer nginx)
    echo "Stack in $RUN:"
    for name in "${names[@]}"; do
        if pid=$(live_pid "$RUN/$name.pid"); then state="running (pid $pid)"; else state="stopped"; fi
        printf '  %-14s %s\n' "$name" "$state"
    done
    echo "  URL            http://127.0.0.1:$HTTP_PORT  (try /healthz, /readyz, /api/v1/version)"
    echo "  PostgreSQL     psql -h $PG_SOCK -p $PG_PORT -U postgres portal"
    echo "  operators      curl --unix-socket $INTERNAL_SOCK http://localhost/metrics  (and /status)"
    echo "  mails          $MAIL_DIR/"
    echo "  logs           $LOG_DIR/"
    echo "  stop with      $SCRIPTS_DIR/stack.sh stop $RUN"
}

cmd_status() {
    set_paths "${1:-}"
    require_config
    cmd_status_print
}

cmd_env() {
    set_paths "${1:-}"
    require_config
    local -a pairs=(
        PORTAL_TEST_RUN_DIR "$RUN"
        PORTAL_TEST_PG_HOST "$PG_SOCK"
        PORTAL_TEST_PG_PORT "$PG_PORT"
        PORTAL_TEST_PG_SUPERUSER postgres
        PORTAL_TEST_DB portal
        PORTAL_TEST_MIGRATIONS_DIR "$REPO_ROOT/sql/migrations"
        PORTAL_E2E_BASE_URL "http://127.0.0.1:$HTTP_PORT"
        PORTAL_E2E_FCGI_SOCKET "$FCGI_SOCK"
        PORTAL_E2E_INTERNAL_SOCKET "$INTERNAL_SOCK"
        PORTAL_E2E_MAIL_DIR "$MAIL_DIR"
        PORTAL_E2E_BIN_DIR "$BIN_DIR"
        PORTAL_E2E_WORKER_URL "host=$PG_SOCK port=$PG_PORT dbname=portal user=portal_worker"
        PORTAL_E2E_OWNER_URL "host=$PG_SOCK port=$PG_PORT dbname=portal user=portal_owner"
        PORTAL_E2E_STACK "$SCRIPTS_DIR/stack.sh"
        PORTAL_E2E_WORKERS "$WORKERS"
        PORTAL_E2E_QUEUE "$QUEUE"
        PORTAL_E2E_DIAGNOSTICS "$DIAGNOSTICS"
        PORTAL_E2E_PGBOUNCER "$PGBOUNCER"
        PGHOST "$PG_SOCK"
        PGPORT "$PG_PORT"
        PGUSER postgres
        PGDATABASE portal
    )
    local i
    for ((i = 0; i < ${#pairs[@]}; i += 2)); do
        printf 'export %s=%q\n' "${pairs[i]}" "${pairs[i + 1]}"
    done
}

with_config() { # DIR: set paths and load the options of start
    set_paths "${1:-}"
    require_config
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env "$@" ;;
        pg-start) with_config "$@"; pg_start ;;
        pg-stop) with_config "$@"; pg_stop ;;
        pg-restart) with_config "$@"; pg_stop; pg_start ;;
        responder-start) with_config "$@"; responder_start ;;
        responder-stop) with_config "$@"; responder_stop ;;
        responder-restart) with_config "$@"; responder_stop; responder_start ;;
        responder-reload) with_config "$@"; responder_reload ;;
        pgbouncer-start) with_config "$@"; pgbouncer_start ;;
        pgbouncer-stop) with_config "$@"; pgbouncer_stop ;;
        -h | --help | help | "") usage ;;
        *) die "unknown command: $cmd" ;;
    esac
}

main "$@"
