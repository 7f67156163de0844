#!/usr/bin/env bash
# Runs a command (a Maven build) against the testkit's docker tier on a machine where no
# container registry answers: starts a Docker engine and builds the local test images with
# .ci/docker-test-images.sh (beside this script), exports what the test JVMs need, runs the
# command, and stops the engine again if it started it (an engine that already answered, someone
# else's, is left running with its containers).
#
#   .ci/docker-tier.sh ./mvnw -B verify
#
# MongoDB: no MongoDB image can be had on these machines, so MongoDB runs on the
# mongo-java-server stand-in (LARDER_TEST_MONGO=embedded); tests needing transactions,
# replica sets or causal sessions are skipped with the reason.
# Exit code: the command's; 2 for bad usage; 3 when the engine or the images cannot be had.
set -euo pipefail

die() { printf '[docker-tier] FAILED: %s\n' "$1" >&2; exit "${2:-3}"; }
log() { printf '[docker-tier] %s\n' "$*" >&2; }

[ "$#" -gt 0 ] || die "usage: $0 <command...>   e.g. $0 ./mvnw -B verify" 2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
IMAGES=.ci/docker-test-images.sh
[ -f "$IMAGES" ] || die "$ROOT/$IMAGES not found"

if docker info >/dev/null 2>&1; then
  log "a Docker engine already answers: using it, and leaving it running afterwards"
else
  stop_engine() {
    local rc=$?
    log "stopping the Docker engine"
    bash "$IMAGES" stop || log "WARNING: '$IMAGES stop' failed; a dockerd may still be running"
    exit "$rc"
  }
  # Set before starting, so that a half-started engine is stopped too.
  trap stop_engine EXIT
fi

log "starting the Docker engine and building the test images"
exports=$(bash "$IMAGES" start) || die "'$IMAGES start' failed (exit $?): no Docker engine or test images; see its messages above"
eval "$exports"

[ -n "${LARDER_TEST_REDIS_IMAGE:-}" ] && [ -n "${LARDER_TEST_POSTGRES_IMAGE:-}" ] \
  || die "'$IMAGES start' printed no image names (got: $exports)"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer after '$IMAGES start'"
for image in "$LARDER_TEST_REDIS_IMAGE" "$LARDER_TEST_POSTGRES_IMAGE"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image is missing after '$IMAGES start'"
done

export LARDER_TEST_SERVICES=docker
export LARDER_TEST_MONGO=embedded
log "LARDER_TEST_SERVICES=docker LARDER_TEST_MONGO=embedded redis=$LARDER_TEST_REDIS_IMAGE postgres=$LARDER_TEST_POSTGRES_IMAGE"
log "running: $*"
"$@"
