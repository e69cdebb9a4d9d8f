# shellcheck shell=bash
# Sourced by scripts/kafka.sh: the settings (the environment, documented there, with its defaults),
# their checks (a bad value exits 64 before any command runs), this instance's paths, and the
# log/die/need helpers every other part uses.

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}"
KAFKA_SASL_USER="${KAFKA_SASL_USER:-mqkit}"
KAFKA_SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-mqkit-secret}"
KAFKA_SSL_PORT="${KAFKA_SSL_PORT:-off}"
KAFKA_MTLS_PORT="${KAFKA_MTLS_PORT:-off}"
KAFKA_SSL_KEYSTORE="${KAFKA_SSL_KEYSTORE:-}"
KAFKA_SSL_KEY_PASSWORD="${KAFKA_SSL_KEY_PASSWORD:-}"
KAFKA_SSL_TRUSTSTORE="${KAFKA_SSL_TRUSTSTORE:-}"
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_QUORUM_VOTERS="${KAFKA_QUORUM_VOTERS:-$KAFKA_NODE_ID@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT}"
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}"
KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/mqkit/kafka-${KAFKA_VERSION}}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms512m}"
KAFKA_TOOL_HEAP="${KAFKA_TOOL_HEAP:--Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
KAFKA_EXTRA_CONFIG="${KAFKA_EXTRA_CONFIG:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_MVN_ARGS="${KAFKA_MVN_ARGS:-}"

KAFKA_MAJOR="${KAFKA_VERSION%%.*}"
if [[ ! "$KAFKA_MAJOR" =~ ^[0-9]+$ ]]; then
  echo "kafka: KAFKA_VERSION '$KAFKA_VERSION' is not a version number" >&2
  exit 64
fi
# Kafka 4.x logs through log4j2, Kafka 3.x through reload4j (see the profiles in scripts/kafka/pom.xml).
if ((KAFKA_MAJOR >= 4)); then LOGGING=log4j2; else LOGGING=reload4j; fi

LIB_DIR="${KAFKA_LIB_DIR:-$KAFKA_HOME_DIR/lib}"
DATA_DIR="$KAFKA_HOME_DIR/data-$KAFKA_PORT"
CONFIG="$KAFKA_HOME_DIR/server-$KAFKA_PORT.properties"
CLIENT_CONFIG="$KAFKA_HOME_DIR/client.properties"
LOG_FILE="$KAFKA_HOME_DIR/kafka-$KAFKA_PORT.log"
PID_FILE="$KAFKA_HOME_DIR/kafka-$KAFKA_PORT.pid"
LOCK_FILE="$KAFKA_HOME_DIR/.lock-$KAFKA_PORT"
BROKER_LOG_CONFIG="$KAFKA_HOME_DIR/broker-log.$([[ $LOGGING == log4j2 ]] && echo xml || echo properties)"
TOOLS_LOG_CONFIG="$KAFKA_HOME_DIR/tools-log.$([[ $LOGGING == log4j2 ]] && echo xml || echo properties)"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

if [[ "$KAFKA_SASL_PORT" == off ]]; then KAFKA_SASL_PORT=""; fi
if [[ -n "$KAFKA_SASL_PORT" && ! "$KAFKA_SASL_PORT" =~ ^[0-9]+$ ]]; then
  echo "kafka: KAFKA_SASL_PORT '$KAFKA_SASL_PORT' is not a port number (or off)" >&2
  exit 64
fi
for var in KAFKA_SSL_PORT KAFKA_MTLS_PORT; do
  if [[ "${!var}" == off ]]; then printf -v "$var" ''; fi
  if [[ -n "${!var}" && ! "${!var}" =~ ^[0-9]+$ ]]; then
    echo "kafka: $var '${!var}' is not a port number (or off)" >&2
    exit 64
  fi
done
if [[ -n "$KAFKA_SSL_PORT$KAFKA_MTLS_PORT" ]]; then
  if [[ ! -r "$KAFKA_SSL_KEYSTORE" || ! "$KAFKA_SSL_KEY_PASSWORD" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "kafka: an SSL listener needs KAFKA_SSL_KEYSTORE (a readable PEM file) and KAFKA_SSL_KEY_PASSWORD (letters, digits, '.', '_', '-')" >&2
    exit 64
  fi
  if [[ -n "$KAFKA_MTLS_PORT" && ! -r "$KAFKA_SSL_TRUSTSTORE" ]]; then
    echo "kafka: KAFKA_MTLS_PORT needs KAFKA_SSL_TRUSTSTORE (a readable PEM file of CA certificates)" >&2
    exit 64
  fi
fi
if [[ ! "$KAFKA_NODE_ID" =~ ^[0-9]+$ ]]; then
  echo "kafka: KAFKA_NODE_ID '$KAFKA_NODE_ID' is not a number" >&2
  exit 64
fi
if [[ ! "$KAFKA_QUORUM_VOTERS" =~ ^[0-9]+@[^,@]+:[0-9]+(,[0-9]+@[^,@]+:[0-9]+)*$ ]]; then
  echo "kafka: KAFKA_QUORUM_VOTERS '$KAFKA_QUORUM_VOTERS' is not id@host:port[,id@host:port...]" >&2
  exit 64
fi
if [[ -n "$KAFKA_CLUSTER_ID" && ! "$KAFKA_CLUSTER_ID" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]]; then
  echo "kafka: KAFKA_CLUSTER_ID '$KAFKA_CLUSTER_ID' is not a Kafka Uuid (22 characters of URL-safe base64)" >&2
  exit 64
fi
# The user and password go into JAAS strings and SCRAM specs unquoted-safe only when simple.
if [[ ! "$KAFKA_SASL_USER" =~ ^[A-Za-z0-9._-]+$ || ! "$KAFKA_SASL_PASSWORD" =~ ^[A-Za-z0-9._-]+$ ]]; then
  echo "kafka: KAFKA_SASL_USER and KAFKA_SASL_PASSWORD may only use letters, digits, '.', '_' and '-'" >&2
  exit 64
fi

log() { echo "kafka: $*" >&2; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }
