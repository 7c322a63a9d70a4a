#!/bin/sh
# Renders deploy/nginx/portal.conf.template for the nginx container of docker-compose.yml: the
# same template as the local stack (scripts/stack.sh), so both have the same locations,
# headers, limits and upstream retry rules.
#
#   nginx-render.sh TEMPLATE_DIR OUT_DIR          write OUT_DIR/nginx.conf and its files
#   nginx-render.sh TEMPLATE_DIR OUT_DIR --run    then replace itself by nginx in the foreground
#
# TEMPLATE_DIR holds portal.conf.template and fastcgi_params (deploy/nginx/). From the
# environment: PORTAL_FCGI_SERVERS ("host:port host:port", the responder instances),
# NGINX_LISTEN (default 8080), PORTAL_WEB_ROOT (default /opt/portal/web, the portal's pages),
# PORTAL_MAX_BODY_BYTES, PORTAL_MAX_JSON_BODY_BYTES. The operators'
# listener (/metrics, /status) is the unix socket OUT_DIR/internal.sock, inside the container only
# (`docker-compose exec nginx curl --unix-socket …`).
# POSIX sh and awk only: the nginx image has nothing more.
set -eu

template_dir=$1
out=$2
servers=""
for server in ${PORTAL_FCGI_SERVERS:?"name the responder instances, e.g. portal-fcgi-1:9000 portal-fcgi-2:9000"}; do
    servers="$servers        server $server;
"
done

mkdir -p "$out/tmp" "$out/logs"
cp "$template_dir/fastcgi_params" "$out/fastcgi_params"
awk -v run_dir="$out" -v nginx_dir="$out" -v log_dir="$out/logs" \
    -v listen="${NGINX_LISTEN:-8080}" -v web_root="${PORTAL_WEB_ROOT:-/opt/portal/web}" -v servers="$servers" -v workers=auto \
    -v max_body="${PORTAL_MAX_BODY_BYTES:-27262976}" -v max_json_body="${PORTAL_MAX_JSON_BODY_BYTES:-1048576}" \
    -v temp_paths="    uwsgi_temp_path $out/tmp/uwsgi;
    scgi_temp_path $out/tmp/scgi;" '
    # In a container nginx stays in the foreground.
    /^daemon on;$/ { print "daemon off;"; next }
    {
        gsub(/@RUN_DIR@/, run_dir); gsub(/@NGINX_DIR@/, nginx_dir); gsub(/@LOG_DIR@/, log_dir)
        gsub(/@INTERNAL_SOCKET@/, nginx_dir "/internal.sock"); gsub(/@WEB_ROOT@/, web_root)
        gsub(/@HTTP_LISTEN@/, listen); gsub(/@NGINX_WORKERS@/, workers)
        gsub(/@MAX_BODY@/, max_body); gsub(/@MAX_JSON_BODY@/, max_json_body)
        gsub(/@OPTIONAL_TEMP_PATHS@/, temp_paths); gsub(/@FCGI_SERVERS@/, servers)
        print
    }' "$template_dir/portal.conf.template" >"$out/nginx.conf"

if grep -n '@[A-Z_]*@' "$out/nginx.conf" >&2; then
    echo "nginx-render.sh: unrendered placeholder in $template_dir/portal.conf.template (above)" >&2
    exit 1
fi

if [ "${3:-}" = "--run" ]; then
    # Logs to the container's output.
    ln -sf /dev/stdout "$out/logs/nginx-access.log"
    ln -sf /dev/stderr "$out/logs/nginx-error.log"
    exec nginx -p "$out/" -c "$out/nginx.conf" -e /dev/stderr
fi
