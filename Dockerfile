# syntax=docker/dockerfile:1
# The portal's three programs (portal-fcgi, portalctl, ij-worker) in one image; docker-compose.yml
# runs each service from it with its own command.

# ---- build: the Swift toolchain and the C libraries' headers
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libsodium-dev libcairo2-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest alone first: the dependencies are fetched again only when it changes.
COPY Package.swift ./
RUN swift package resolve
# Tests/ too: the manifest names its targets, and SwiftPM wants every target's directory.
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation linked in, so the runtime image needs only the C libraries.
RUN swift build -c release --static-swift-stdlib \
    && bin=$(swift build -c release --show-bin-path) \
    && install -d /out \
    && install -m 0755 "$bin/portal-fcgi" "$bin/portalctl" "$bin/ij-worker" /out/

# ---- runtime: Debian slim with the shared libraries the programs link to
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libsodium23 libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin portal \
    && install -d -o portal -g portal /var/spool/espace-employeur /var/mail/espace-employeur
COPY --from=build /out/ /usr/local/bin/
COPY sql/ /usr/share/espace-employeur/sql/
ENV PORTAL_MIGRATIONS_DIR=/usr/share/espace-employeur/sql/migrations \
    PORTAL_FCGI_LISTEN=0.0.0.0:9000
USER portal
EXPOSE 9000
# SIGTERM drains in-flight requests (PORTAL_DRAIN_TIMEOUT_SECONDS); compose's stop_grace_period covers it.
STOPSIGNAL SIGTERM
CMD ["portal-fcgi"]
