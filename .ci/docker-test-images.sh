#!/usr/bin/env bash
# CI plumbing, not part of the product: gives a machine where no container registry answers a
# Docker engine and the two images the testkit's docker tier runs, built from Debian's packages
# (debootstrap of bookworm, then apt inside the image root), so `.ci/docker-tier.sh` needs nothing
# beside the clone. Images honour the official images' interface closely enough for Testcontainers
# (GenericContainer for Redis, PostgreSQLContainer for PostgreSQL):
#   larder-test/redis:7      (Debian's redis-server 7.0)     substitute for "redis"
#   larder-test/postgres:15  (Debian's PostgreSQL 15)        substitute for "postgres"
# The Redis image works like the official one: `docker-entrypoint.sh` runs the command (arguments
# starting with '-' get `redis-server` put in front), the working and data directory is /data, so
# `SAVE` writes /data/dump.rdb and a server started again loads it (the testkit's snapshot hook).
# No MongoDB server can be had on these machines, so no mongo image is built.
#
#   docker-test-images.sh start   install docker.io if needed, start dockerd, build missing images
#   docker-test-images.sh stop    stop the dockerd this script started (none if it found one running)
#   docker-test-images.sh env     print the exports a test run needs
# Idempotent. A Redis image built by an older recipe (its dev.larder.image-rev label differs) is
# rebuilt under the same name; its default command behaves as before, so older testkits still run it.
# Exits non-zero with a reason when the engine or an image cannot be had.
set -euo pipefail
STATE=${LARDER_DOCKER_STATE:-/tmp/larder-docker}
REDIS_IMAGE=larder-test/redis:7
PG_IMAGE=larder-test/postgres:15
# Bumped whenever an image's recipe changes, so machines that kept an older build rebuild it.
REDIS_REV=2
mkdir -p "$STATE"
log() { printf '[docker-test-images] %s\n' "$*" >&2; }

engine_up() { docker info >/dev/null 2>&1; }

start_engine() {
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io from Debian's packages"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >"$STATE/apt.log" 2>&1 \
      || { log "apt-get install docker.io failed: $(tail -1 "$STATE/apt.log")"; exit 3; }
  fi
  export PATH="/usr/bin:/usr/sbin:$PATH"
  if engine_up; then log "engine already answering (not started here, so 'stop' leaves it running)"; return; fi
  log "starting dockerd"
  nohup dockerd >"$STATE/dockerd.log" 2>&1 &
  echo $! >"$STATE/dockerd.pid"   # only an engine started here is ever stopped by 'stop'
  for _ in $(seq 1 60); do engine_up && { log "engine up"; return; }; sleep 1; done
  log "dockerd did not answer within 60 s: $(tail -3 "$STATE/dockerd.log" | tr '\n' ' ')"; exit 4
}

rootfs() {
  local dir=$STATE/rootfs
  if [ -f "$dir/.complete" ]; then echo "$dir"; return; fi
  command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1
  rm -rf "$dir"
  log "debootstrap (minbase bookworm)"
  debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian >"$STATE/debootstrap.log" 2>&1 \
    || { log "debootstrap failed: $(tail -2 "$STATE/debootstrap.log" | tr '\n' ' ')"; exit 5; }
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  log "installing redis-server and postgresql-15 into the image root"
  chroot "$dir" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server postgresql-15 locales-all' >"$STATE/chroot.log" 2>&1 \
    || { log "package install in image root failed: $(tail -2 "$STATE/chroot.log" | tr '\n' ' ')"; exit 5; }
  # the package's own cluster is not wanted in the image
  rm -rf "$dir/var/lib/postgresql/15" "$dir/etc/postgresql/15/main" "$dir/var/lib/apt/lists/"* "$dir/var/cache/apt/"*.bin
  touch "$dir/.complete"
  echo "$dir"
}

build_base() {
  docker image inspect larder-test/base:bookworm >/dev/null 2>&1 && return
  local dir; dir=$(rootfs)
  log "importing base image"
  tar -C "$dir" -c . | docker import - larder-test/base:bookworm >/dev/null
}

image_rev() { docker image inspect -f '{{ index .Config.Labels "dev.larder.image-rev" }}' "$1" 2>/dev/null || true; }

build_redis() {
  [ "$(image_rev "$REDIS_IMAGE")" = "$REDIS_REV" ] && return
  build_base
  local ctx=$STATE/redis; rm -rf "$ctx"; mkdir -p "$ctx"
  cat >"$ctx/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# The official redis image's convention: options alone (or a .conf file) mean redis-server.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
exec "$@"
SH
  chmod +x "$ctx/docker-entrypoint.sh"
  cat >"$ctx/Dockerfile" <<DOCKER
FROM larder-test/base:bookworm
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /data
WORKDIR /data
LABEL dev.larder.image-rev="$REDIS_REV"
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server", "--bind", "0.0.0.0", "-::*", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", "/data"]
DOCKER
  log "building $REDIS_IMAGE (rev $REDIS_REV)"
  docker build -q -t "$REDIS_IMAGE" "$ctx" >/dev/null
}

build_postgres() {
  docker image inspect "$PG_IMAGE" >/dev/null 2>&1 && return
  build_base
  local ctx=$STATE/postgres; rm -rf "$ctx"; mkdir -p "$ctx"
  cat >"$ctx/entrypoint.sh" <<'SH'
#!/bin/bash
# Honours the official postgres image's interface: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB,
# POSTGRES_HOST_AUTH_METHOD, POSTGRES_INITDB_ARGS, PGDATA, /docker-entrypoint-initdb.d/*.sql|*.sh,
# and "postgres -c name=value ..." as the command.
set -e
BIN=/usr/lib/postgresql/15/bin
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
USER_=${POSTGRES_USER:-postgres}
DB_=${POSTGRES_DB:-$USER_}
AUTH=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
[ "$1" = postgres ] && shift
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH" != trust ]; then
    echo "Error: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)" >&2; exit 1
  fi
  pwfile=$(mktemp); printf '%s' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  $BIN/initdb --username="$USER_" --pwfile="$pwfile" --auth-local=trust --auth-host="$AUTH" ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all $AUTH" >>"$PGDATA/pg_hba.conf"
  $BIN/pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [ "$DB_" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$USER_" --dbname postgres -c "CREATE DATABASE \"$DB_\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) . "$f" ;;
      *.sql) psql -v ON_ERROR_STOP=1 --username "$USER_" --dbname "$DB_" -f "$f" ;;
    esac
  done
  $BIN/pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
fi
exec $BIN/postgres "$@"
SH
  chmod +x "$ctx/entrypoint.sh"
  cat >"$ctx/Dockerfile" <<'DOCKER'
FROM larder-test/base:bookworm
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data && chown -R postgres:postgres /var/lib/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH LANG=en_US.utf8 PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKER
  log "building $PG_IMAGE"
  docker build -q -t "$PG_IMAGE" "$ctx" >/dev/null
}

print_env() {
  cat <<ENV
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export LARDER_TEST_REDIS_IMAGE=$REDIS_IMAGE
export LARDER_TEST_POSTGRES_IMAGE=$PG_IMAGE
ENV
}

case "${1:-start}" in
  start) start_engine; build_redis; build_postgres; log "ready: $REDIS_IMAGE $PG_IMAGE"; print_env ;;
  env) print_env ;;
  stop)
    if [ -f "$STATE/dockerd.pid" ]; then
      pid=$(cat "$STATE/dockerd.pid")
      docker ps -q | xargs -r docker rm -f >/dev/null 2>&1 || true
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      rm -f "$STATE/dockerd.pid"; log "dockerd stopped"
    fi ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
