#!/usr/bin/env bash
# A streaming hot standby of a stack's PostgreSQL, for the DBAs' reports
# (portal_report reads reporting.* there; docs/reports.md, "Reporting replica").
#
#   replica.sh start DIR --primary RUN_DIR [--pg-port P]
#                          first start: pg_basebackup -R from the stack in RUN_DIR
#                          (scripts/stack.sh) with a physical replication slot,
#                          then start the standby; later starts just start it
#   replica.sh stop DIR    stop the standby (its slot keeps the WAL it still needs)
#   replica.sh destroy DIR stop it, drop its slot on the primary, delete DIR
#   replica.sh status DIR  running?, in recovery?, last commit replayed
#   replica.sh env DIR     export lines: PG* for psql as portal_report on the standby
#
# Layout of DIR: pg/data, pg/socket, logs/postgresql.log, replica.env (the
# options of the first start). The standby runs as the stack's service user
# (portal-dev as root), connects to the primary's unix socket as
# portal_replication (sql/bootstrap.sql) and listens on 127.0.0.1:P.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

set_paths() { # DIR
    [[ -d ${1:-} ]] || die "no such replica directory: ${1:-}"
    DIR=$(cd "$1" && pwd)
    DATA=$DIR/pg/data
    SOCK=$DIR/pg/socket
    LOG=$DIR/logs/postgresql.log
    REPLICA_ENV=$DIR/replica.env
    PRIMARY_RUN="" PG_PORT="" SLOT=""
    if [[ -f $REPLICA_ENV ]]; then
        # shellcheck source=/dev/null
        source "$REPLICA_ENV"
    fi
}

require_config() {
    [[ -f $REPLICA_ENV ]] || die "$DIR has no replica.env: run '$0 start $DIR --primary RUN_DIR' first"
}

bin() { printf '%s/%s\n' "$(pg_bindir)" "$1"; }

# The primary's socket directory and port, from the stack's own record of them.
primary_coordinates() {
    [[ -f $PRIMARY_RUN/stack.env ]] || die "$PRIMARY_RUN is not a stack run directory (no stack.env)"
    PRIMARY_SOCK=$PRIMARY_RUN/pg/socket
    PRIMARY_PORT=$(sed -n 's/^PG_PORT=\([0-9]*\)$/\1/p' "$PRIMARY_RUN/stack.env")
    [[ -n $PRIMARY_PORT ]] || die "no PG_PORT in $PRIMARY_RUN/stack.env"
}

psql_primary() {
    "$(bin psql)" -X -qAt -v ON_ERROR_STOP=1 -h "$PRIMARY_SOCK" -p "$PRIMARY_PORT" -U postgres -d postgres "$@"
}

psql_standby() {
    "$(bin psql)" -X -qAt -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"
}

running() { as_service_user "$(bin pg_ctl)" status -D "$DATA" >/dev/null 2>&1; }

# postgresql.conf came with the base backup and includes portal-stack.conf: the
# primary's port and socket there are replaced by the standby's own.
write_conf() {
    {
        echo "# written by scripts/replica.sh on every start"
        echo "port = $PG_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$SOCK'"
        echo "max_connections = 100"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
        echo "hot_standby = on"
        echo "# the name the primary shows in pg_stat_replication"
        echo "cluster_name = 'replica_$PG_PORT'"
        echo "# long reports are not cancelled by vacuum on the primary (which keeps those rows a little longer)"
        echo "hot_standby_feedback = on"
    } >"$DATA/portal-stack.conf"
    chown_service_user "$DATA/portal-stack.conf"
}

base_backup() {
    primary_coordinates
    wait_pg_ready "$PRIMARY_SOCK" "$PRIMARY_PORT" 5 || die "the primary of $PRIMARY_RUN is not running"
    # A slot of the same name left by a standby deleted without `destroy`: it is not in use, drop it.
    psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                     WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
    mkdir -p "$DIR/pg" "$SOCK" "$DIR/logs"
    chown_service_user "$DIR/pg" "$DIR/logs"
    if is_root; then
        chown "$SERVICE_USER_NAME:$SERVICE_USER_NAME" "$DIR"
        chmod 0750 "$DIR"
    fi
    log "pg_basebackup from $PRIMARY_SOCK:$PRIMARY_PORT (slot $SLOT)"
    as_service_user "$(bin pg_basebackup)" -h "$PRIMARY_SOCK" -p "$PRIMARY_PORT" -U portal_replication -D "$DATA" \
        --checkpoint=fast --wal-method=stream --write-recovery-conf --create-slot --slot="$SLOT" --no-password \
        >"$DIR/logs/pg_basebackup.log" 2>&1 || { tail_log "$DIR/logs/pg_basebackup.log"; die "pg_basebackup failed"; }
}

cmd_start() {
    [[ -n ${1:-} && $1 != -* ]] || usage
    mkdir -p "$1"
    set_paths "$1"
    shift
    while (($#)); do
        case $1 in
            --primary) [[ -d ${2:-} ]] || die "--primary takes the run directory of a stack"
                       PRIMARY_RUN=$(cd "$2" && pwd); shift ;;
            --pg-port) PG_PORT=${2:?}; shift ;;
            *) die "unknown option for start: $1" ;;
        esac
        shift
    done
    [[ -n $PRIMARY_RUN ]] || die "start needs --primary RUN_DIR (the stack whose PostgreSQL to replicate)"
    if running; then
        log "standby already running on port $PG_PORT"
        return 0
    fi
    [[ -n $PG_PORT ]] || PG_PORT=$(free_port)
    [[ $PG_PORT =~ ^[0-9]+$ ]] || die "--pg-port takes a port number"
    SLOT=${SLOT:-replica_$PG_PORT}
    port_in_use "$PG_PORT" && die "port $PG_PORT is already in use"
    ensure_service_user
    if [[ ! -f $DATA/PG_VERSION ]]; then
        base_backup
    fi
    printf 'PRIMARY_RUN=%q\nPG_PORT=%q\nSLOT=%q\n' "$PRIMARY_RUN" "$PG_PORT" "$SLOT" >"$REPLICA_ENV"
    write_conf
    log "starting the standby on port $PG_PORT"
    as_service_user "$(bin pg_ctl)" start -D "$DATA" -l "$LOG" -w -t 60 >/dev/null ||
        { tail_log "$LOG"; die "the standby did not start"; }
    wait_pg_ready "$SOCK" "$PG_PORT" 30 || die "the standby is not accepting connections"
    wait_for 30 "WAL streaming from the primary" streaming || { tail_log "$LOG"; die "the standby does not stream from the primary"; }
    log "standby streaming from the primary; psql: eval \"\$($0 env $DIR)\" && psql"
}

streaming() {
    [[ $(psql_standby -c "SELECT status FROM pg_stat_wal_receiver") == streaming ]]
}

cmd_stop() {
    if [[ ! -d ${1:-} ]]; then
        log "nothing to stop: no directory ${1:-}"
        return 0
    fi
    set_paths "$1"
    if [[ -f $DATA/PG_VERSION ]] && running; then
        log "stopping the standby"
        as_service_user "$(bin pg_ctl)" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    fi
}

cmd_destroy() {
    [[ -d ${1:-} ]] || { log "nothing to destroy: no directory ${1:-}"; return 0; }
    cmd_stop "$1"
    if [[ -n $PRIMARY_RUN && -n $SLOT ]]; then
        primary_coordinates
        if wait_pg_ready "$PRIMARY_SOCK" "$PRIMARY_PORT" 2; then
            psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
            log "dropped slot $SLOT on the primary"
        else
            warn "the primary is not running: drop slot $SLOT there yourself, or it keeps WAL forever"
        fi
    fi
    rm -rf "$DIR"
    log "removed $DIR"
}

cmd_status() {
    set_paths "${1:-}"
    require_config
    echo "Standby in $DIR (primary: $PRIMARY_RUN, slot $SLOT):"
    if running; then
        echo "  postgres       running on port $PG_PORT"
        psql_standby -c "SELECT format('  in recovery    %s (read-only)', pg_is_in_recovery())
                         UNION ALL SELECT format('  last replayed  commit of %s', coalesce(pg_last_xact_replay_timestamp()::text, 'none yet'))"
    else
        echo "  postgres       stopped"
    fi
    echo "  reports        eval \"\$($0 env $DIR)\" && psql -c 'SELECT * FROM reporting.batch_history'"
    echo "  log            $LOG"
}

cmd_env() {
    set_paths "${1:-}"
    require_config
    printf 'export PGHOST=%q\nexport PGPORT=%q\nexport PGUSER=portal_report\nexport PGDATABASE=portal\n' "$SOCK" "$PG_PORT"
}

main() {
    case ${1:-} in
        start | stop | destroy | status | env) "cmd_$1" "${@:2}" ;;
        -h | --help | help | "") usage ;;
        *) die "unknown command: $1" ;;
    esac
}

main "$@"
