#!/bin/sh
# Run once by the postgres image on an empty cluster (docker-entrypoint-initdb.d), after
# 10-bootstrap.sql created the roles: the passwords the services log in with (from
# docker-compose.yml's environment), and the portal database.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
    -v owner="$PORTAL_OWNER_PASSWORD" -v app="$PORTAL_APP_PASSWORD" -v worker="$PORTAL_WORKER_PASSWORD" <<'SQL'
ALTER ROLE portal_owner PASSWORD :'owner';
ALTER ROLE portal_app PASSWORD :'app';
ALTER ROLE portal_worker PASSWORD :'worker';
CREATE DATABASE portal OWNER portal_owner;
SQL
