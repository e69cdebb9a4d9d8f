#!/usr/bin/env bash
# Runs every Kafka test against another Kafka version (default 3.9.2; `npm run test:kafka-3.9`):
# the conformance suite and all of test/drivers/kafka (ordering, exit-at-end, faults, restarts,
# SASL, TLS, settling, leader moves) on every ?client=, the Kafka producer knobs
# (test/bench/knobs.test.ts) and the cross-process CLI tests on kafka://.
#
# It starts its own broker of that version (scripts/kafka.sh with its own port and a temporary
# KAFKA_HOME_DIR; the jars are cached in the script's default home for the version), points the
# tests at it through KAFKA_VERSION/KAFKA_PORT/KAFKA_HOME_DIR (test/helpers/brokers.ts,
# test/drivers/kafka/helpers.ts) and starts the private brokers of the restart, SASL, TLS and
# leader-move tests at the same version (MQKIT_TEST_KAFKA_VERSION, private-broker.ts). Afterwards
# it stops that broker and deletes its directory; the shared broker on 9092 is never touched.
#
# Usage: scripts/test-kafka-version.sh [vitest args...]   (e.g. a file to run only that one)
# Environment:
#   MQKIT_KAFKA_TEST_VERSION   Kafka version (default 3.9.2)
#   MQKIT_KAFKA_TEST_PORT      its client port (default 39092; +1 controller, +2 SASL); not 9092
#   MQKIT_TEST_WORKERS         vitest files at a time (default 1 here: private brokers boot in them)
# Prints vitest's summary per part and the wall time; exits non-zero if any part failed.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${MQKIT_KAFKA_TEST_VERSION:-3.9.2}"
port="${MQKIT_KAFKA_TEST_PORT:-39092}"
if [[ ! "$port" =~ ^[0-9]+$ || "$port" == 9092 ]]; then
  echo "test-kafka-version: MQKIT_KAFKA_TEST_PORT must be a port number other than 9092 (the shared broker), got '$port'" >&2
  exit 64
fi

# The jars: fetched once into the script's default home for this version (the broker's data goes elsewhere).
lib_dir="$(dirname "$(env -u KAFKA_HOME_DIR -u KAFKA_LIB_DIR KAFKA_VERSION="$version" bash scripts/kafka.sh classpath)")"
home_dir="$(mktemp -d "${TMPDIR:-/tmp}/mqkit-kafka-$version-XXXXXX")"

export KAFKA_VERSION="$version" KAFKA_PORT="$port" KAFKA_CONTROLLER_PORT="$((port + 1))" KAFKA_SASL_PORT="$((port + 2))"
export KAFKA_SSL_PORT=off KAFKA_MTLS_PORT=off KAFKA_HOME_DIR="$home_dir" KAFKA_LIB_DIR="$lib_dir"
export MQKIT_TEST_KAFKA_VERSION="$version" MQKIT_TEST_WORKERS="${MQKIT_TEST_WORKERS:-1}"
unset MQKIT_TEST_KAFKA_URL

cleanup() {
  bash scripts/kafka.sh stop || true
  rm -rf "$home_dir"
}
trap cleanup EXIT
t0=$SECONDS
# Should this script be killed, the broker's watcher stops it.
KAFKA_STOP_WITH_PID=$$ bash scripts/kafka.sh start
npm run --silent build >/dev/null

status=0
summaries=()
# One vitest run ($1: label, the rest: its arguments); keeps its summary lines.
part() {
  local label="$1" log rc
  shift
  log="$(mktemp)"
  set +e
  npx vitest run "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  summaries+=("$label (exit $rc):" "$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +(Test Files|Tests|Duration) ' || echo '  (no summary)')")
  rm -f "$log"
  ((rc == 0)) || status=1
}

if [[ $# -gt 0 ]]; then
  part "vitest $*" "$@"
else
  part "test/drivers/kafka + knobs" test/drivers/kafka test/bench/knobs.test.ts
  # The cross-process CLI tests, on kafka:// only (their other backends do not depend on Kafka).
  part "CLI on kafka" test/commands/roundtrip.test.ts test/commands/consume-modes.test.ts test/commands/interrupt.test.ts -t "on 'kafka'"
fi

echo
echo "Kafka $version on 127.0.0.1:$port, wall time $((SECONDS - t0)) s:"
printf '%s\n' "${summaries[@]}"
exit "$status"
