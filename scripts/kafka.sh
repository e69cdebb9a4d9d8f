#!/usr/bin/env bash
# Start/stop a REAL single-node Apache Kafka broker (KRaft, combined broker+controller)
# from Kafka's jars on Maven Central, for tests, CI and local use. No Docker, no tarball.
#
# Usage: scripts/kafka.sh start|stop|status|restart|clean|run <main-class> [args...]|classpath
#
#   start      fetch jars (once per version, via kafka/pom.xml), format storage (once),
#              launch the broker in the background and wait until it answers a real
#              client request (an Admin ListTopics call). No-op if already running.
#   stop       SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds. No-op if stopped.
#   status     exit 0 if running AND answering; 1 if not running; 2 if running but not answering.
#   restart    stop + start.
#   clean      stop, then wipe this instance's data, config and log (keeps the jars).
#   run CLASS  run any main class from the Kafka classpath, e.g.
#                scripts/kafka.sh run org.apache.kafka.tools.ProducerPerformance --topic t ...
#   classpath  print the classpath (one 'dir/*' entry) on stdout.
#
# Environment:
#   KAFKA_VERSION          Kafka version (default 4.4.0; 3.9.x works too)
#   KAFKA_HOST             listener host (default 127.0.0.1)
#   KAFKA_PORT             client (PLAINTEXT) port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_SASL_PORT        SASL_PLAINTEXT listener port (default KAFKA_PORT+2; "off" for none), with
#                          PLAIN and SCRAM-SHA-256/512 for one user:
#   KAFKA_SASL_USER        (default mqkit)
#   KAFKA_SASL_PASSWORD    (default mqkit-secret)  e.g. kafka://mqkit:mqkit-secret@127.0.0.1:9094?sasl=plain
#                          PLAIN users live in server.properties (JAAS); SCRAM credentials are
#                          written into the metadata log when storage is formatted (--add-scram),
#                          or, for storage formatted before (by an older version of this script),
#                          added through the admin API after start.
#   KAFKA_SSL_PORT         SSL listener port (default off): TLS, no client certificate asked for.
#   KAFKA_MTLS_PORT        SSL listener port (default off) that requires a client certificate
#                          signed by a CA in KAFKA_SSL_TRUSTSTORE (ssl.client.auth=required).
#                          Either port needs, as PEM files (Kafka's ssl.*.type=PEM):
#   KAFKA_SSL_KEYSTORE     the broker's encrypted PKCS#8 private key followed by its certificate
#                          chain (a PEM keystore file is read only with a key password), and
#   KAFKA_SSL_KEY_PASSWORD that key's password (letters, digits, '.', '_', '-');
#   KAFKA_SSL_TRUSTSTORE   CA certificates trusted for client certificates (needed for MTLS).
#                          Only the client listeners use TLS: brokers and the controller keep
#                          talking PLAINTEXT. e.g. kafka://127.0.0.1:9095?ssl=true&cafile=ca.pem
#   KAFKA_HOME_DIR         scratch dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/mqkit/kafka-<version>)
#                          holds lib/ (jars, shared by all ports) and, per port P:
#                          data-P/, server-P.properties, kafka-P.log, kafka-P.pid
#   KAFKA_LIB_DIR          where the jars are (default $KAFKA_HOME_DIR/lib). A second, private
#                          instance (tests that stop a broker) can use its own KAFKA_HOME_DIR,
#                          KAFKA_PORT and KAFKA_CONTROLLER_PORT with the default instance's jars:
#                            KAFKA_LIB_DIR="$(dirname "$(scripts/kafka.sh classpath)")"
#                          Each instance has its own data, config, log, pid file and lock;
#                          stop/clean only ever touch the instance named by the port and home dir.
#   KAFKA_HEAP             broker heap flags (default "-Xmx512m -Xms512m")
#   KAFKA_TOOL_HEAP        heap flags for 'run' and the readiness probe (default "-Xmx512m")
#   KAFKA_JVM_OPTS         extra JVM flags for the broker
#   KAFKA_EXTRA_CONFIG     extra server.properties lines (newline separated), appended last
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 90)
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (default 30)
#   KAFKA_MVN_ARGS         extra arguments for the Maven call that fetches the jars
#   KAFKA_STOP_WITH_PID    on a fresh start, also launch a watcher that runs 'stop' once the
#                          process with this pid is gone (a test run that was killed must not
#                          leave its broker behind). Its lines go to kafka-P.log.watch.
#
# Progress goes to stderr, one line per step. Jars and data never live in the repo.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
POM="$REPO_ROOT/kafka/pom.xml"

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
# Kafka 4.x logs through log4j2, Kafka 3.x through reload4j (see kafka/pom.xml profiles).
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
# The user and password go into JAAS strings and SCRAM specs unquoted-safe only when simple.
if [[ ! "$KAFKA_SASL_USER" =~ ^[A-Za-z0-9._-]+$ || ! "$KAFKA_SASL_PASSWORD" =~ ^[A-Za-z0-9._-]+$ ]]; then
  echo "kafka: KAFKA_SASL_USER and KAFKA_SASL_PASSWORD may only use letters, digits, '.', '_' and '-'" >&2
  exit 64
fi

log() { echo "kafka: $*" >&2; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

# ---------------------------------------------------------------- jars

ensure_jars() {
  if [[ -f "$LIB_DIR/.complete" ]]; then
    return 0
  fi
  need mvn "install Maven 3.x: apt-get install maven"
  [[ -f "$POM" ]] || die "missing $POM"
  mkdir -p "$KAFKA_HOME_DIR" "$(dirname "$LIB_DIR")"
  local tmp="$LIB_DIR.tmp.$$" t0=$SECONDS
  rm -rf "$tmp"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIB_DIR (first time only)"
  local -a mvn_args=(-q -B -f "$POM" dependency:copy-dependencies
    "-DoutputDirectory=$tmp" "-Dkafka.version=$KAFKA_VERSION" "-Dkafka.logging=$LOGGING"
    -DincludeScope=runtime)
  # shellcheck disable=SC2206  # deliberate word splitting of user-supplied extra args
  [[ -n "$KAFKA_MVN_ARGS" ]] && mvn_args+=($KAFKA_MVN_ARGS)
  # (Maven 3.8 prints stray ANSI resets even with -q -B: strip them; pipefail keeps mvn's status)
  if ! mvn "${mvn_args[@]}" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; then
    rm -rf "$tmp"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is that version on Maven Central?)"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13-$KAFKA_VERSION.jar after Maven ran"; }
  touch "$tmp/.complete"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  log "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l) jars in $((SECONDS - t0))s"
}

classpath() { echo "$LIB_DIR/*"; }

tool_log_flags() {
  if [[ $LOGGING == log4j2 ]]; then
    echo "-Dlog4j2.configurationFile=$TOOLS_LOG_CONFIG"
  else
    echo "-Dlog4j.configuration=file:$TOOLS_LOG_CONFIG"
  fi
}

# ---------------------------------------------------------------- config files

# stdin → FILE via a temporary file and a rename: instances on other ports share these files, and
# a JVM starting meanwhile must never read a half-written one.
atomic_write() {
  cat >"$1.tmp.$$"
  mv -f "$1.tmp.$$" "$1"
}

write_log_configs() {
  if [[ $LOGGING == log4j2 ]]; then
    atomic_write "$BROKER_LOG_CONFIG" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/kafka.sh: broker logs go to stdout, which is redirected to kafka-<port>.log -->
<Configuration status="warn">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="stdout"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="kafka.authorizer.logger" level="warn"/>
  </Loggers>
</Configuration>
EOF
    atomic_write "$TOOLS_LOG_CONFIG" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/kafka.sh: CLI tools log warnings to stderr -->
<Configuration status="warn">
  <Appenders>
    <Console name="stderr" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="warn"><AppenderRef ref="stderr"/></Root>
  </Loggers>
</Configuration>
EOF
  else
    atomic_write "$BROKER_LOG_CONFIG" <<'EOF'
# generated by scripts/kafka.sh: broker logs go to stdout, redirected to kafka-<port>.log
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
    atomic_write "$TOOLS_LOG_CONFIG" <<'EOF'
# generated by scripts/kafka.sh: CLI tools log warnings to stderr
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  fi
}

write_server_config() {
  {
    echo "# generated by scripts/kafka.sh on every start; edit the script (or KAFKA_EXTRA_CONFIG), not this file"
    echo "process.roles=broker,controller"
    echo "node.id=1"
    # Static quorum: works on 3.9 and 4.x alike, and keeps the controller port a pure config
    # setting (a dynamic quorum formatted with --standalone records the endpoint in the log).
    echo "controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
    # Extra client listeners (SASL, SSL, MTLS) are appended; brokers and the controller keep
    # talking PLAINTEXT.
    local listeners="PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
    local advertised="PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT"
    local protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if [[ -n "$KAFKA_SASL_PORT" ]]; then
      listeners+=",SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_SASL_PORT"
      advertised+=",SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_SASL_PORT"
      protocols+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
    fi
    if [[ -n "$KAFKA_SSL_PORT" ]]; then
      listeners+=",SSL://$KAFKA_HOST:$KAFKA_SSL_PORT"
      advertised+=",SSL://$KAFKA_HOST:$KAFKA_SSL_PORT"
      protocols+=",SSL:SSL"
    fi
    if [[ -n "$KAFKA_MTLS_PORT" ]]; then
      listeners+=",MTLS://$KAFKA_HOST:$KAFKA_MTLS_PORT"
      advertised+=",MTLS://$KAFKA_HOST:$KAFKA_MTLS_PORT"
      protocols+=",MTLS:SSL"
    fi
    echo "listeners=$listeners"
    echo "advertised.listeners=$advertised"
    echo "listener.security.protocol.map=$protocols"
    if [[ -n "$KAFKA_SASL_PORT" ]]; then
      echo "listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
      echo "listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER=\"$KAFKA_SASL_PASSWORD\";"
      echo "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
      echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
    fi
    if [[ -n "$KAFKA_SSL_PORT$KAFKA_MTLS_PORT" ]]; then
      # PEM stores (Kafka ≥ 2.7): no JKS/keytool step. Both TLS listeners share the keystore.
      echo "ssl.keystore.type=PEM"
      echo "ssl.keystore.location=$KAFKA_SSL_KEYSTORE"
      echo "ssl.key.password=$KAFKA_SSL_KEY_PASSWORD"
      if [[ -n "$KAFKA_SSL_TRUSTSTORE" ]]; then
        echo "ssl.truststore.type=PEM"
        echo "ssl.truststore.location=$KAFKA_SSL_TRUSTSTORE"
      fi
      [[ -n "$KAFKA_SSL_PORT" ]] && echo "listener.name.ssl.ssl.client.auth=none"
      [[ -n "$KAFKA_MTLS_PORT" ]] && echo "listener.name.mtls.ssl.client.auth=required"
    fi
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "controller.listener.names=CONTROLLER"
    echo "log.dirs=$DATA_DIR"
    echo "num.network.threads=3"
    echo "num.io.threads=8"
    echo "num.partitions=1"
    echo "default.replication.factor=1"
    echo "min.insync.replicas=1"
    # mqkit declares topics explicitly: producing to an undeclared topic must fail.
    echo "auto.create.topics.enable=false"
    echo "delete.topic.enable=true"
    echo "offsets.topic.replication.factor=1"
    echo "offsets.topic.num.partitions=10"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "transaction.state.log.num.partitions=4"
    if ((KAFKA_MAJOR >= 4)); then
      echo "share.coordinator.state.topic.replication.factor=1"
      echo "share.coordinator.state.topic.min.isr=1"
    fi
    echo "group.initial.rebalance.delay.ms=0"
    # small footprint for a throwaway test broker
    echo "log.segment.bytes=16777216"
    echo "log.retention.hours=24"
    echo "log.retention.check.interval.ms=60000"
    echo "log.cleaner.dedupe.buffer.size=16777216"
    if [[ -n "$KAFKA_EXTRA_CONFIG" ]]; then
      echo "# KAFKA_EXTRA_CONFIG"
      printf '%s\n' "$KAFKA_EXTRA_CONFIG"
    fi
  } >"$CONFIG"
  atomic_write "$CLIENT_CONFIG" <<'EOF'
# generated by scripts/kafka.sh: short timeouts for the readiness probe
request.timeout.ms=5000
default.api.timeout.ms=8000
socket.connection.setup.timeout.ms=2000
socket.connection.setup.timeout.max.ms=2000
EOF
}

random_cluster_id() {
  # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ ${#id} -eq 22 && "$id" != -* ]] && { echo "$id"; return; }
  done
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    log "storage already formatted ($DATA_DIR)"
    return 0
  fi
  local cid
  cid="$(random_cluster_id)"
  mkdir -p "$DATA_DIR"
  log "formatting KRaft storage in $DATA_DIR (cluster id $cid)"
  local out
  local -a scram=()
  if [[ -n "$KAFKA_SASL_PORT" ]]; then
    scram=(--add-scram "SCRAM-SHA-256=[name=$KAFKA_SASL_USER,password=$KAFKA_SASL_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_SASL_USER,password=$KAFKA_SASL_PASSWORD]")
  fi
  # shellcheck disable=SC2086  # KAFKA_TOOL_HEAP is a flag list
  if ! out="$(java $KAFKA_TOOL_HEAP "$(tool_log_flags)" -cp "$(classpath)" kafka.tools.StorageTool \
    format -t "$cid" -c "$CONFIG" --ignore-formatted "${scram[@]}" 2>&1)"; then
    echo "$out" >&2
    die "kafka.tools.StorageTool format failed"
  fi
  [[ -n "$KAFKA_SASL_PORT" ]] && scram_marker_write
  return 0
}

# SCRAM credentials live in the metadata log, so they belong to the storage: a marker in the data
# dir records for which user they were written.
SCRAM_MARKER="$DATA_DIR/.mqkit-scram-users"
scram_marker_write() { echo "$KAFKA_SASL_USER:$(echo -n "$KAFKA_SASL_PASSWORD" | sha256sum | cut -c1-16)" >"$SCRAM_MARKER"; }
scram_marker_ok() { [[ -f "$SCRAM_MARKER" && "$(cat "$SCRAM_MARKER")" == "$KAFKA_SASL_USER:$(echo -n "$KAFKA_SASL_PASSWORD" | sha256sum | cut -c1-16)" ]]; }

# Storage formatted without these SCRAM users (an older script, other credentials): add them
# through the admin API (AlterUserScramCredentials, KRaft ≥ 3.5) over the PLAINTEXT listener.
ensure_scram_users() {
  [[ -n "$KAFKA_SASL_PORT" ]] || return 0
  scram_marker_ok && return 0
  local cls=org.apache.kafka.tools.ConfigCommand
  ((KAFKA_MAJOR >= 4)) || cls=kafka.admin.ConfigCommand
  log "adding SCRAM-SHA-256/512 credentials for user $KAFKA_SASL_USER (storage formatted without them)"
  local out mechanism
  # One mechanism per request: the broker refuses to alter one user twice in a request.
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    # shellcheck disable=SC2086  # KAFKA_TOOL_HEAP is a flag list
    if ! out="$(timeout 60 java $KAFKA_TOOL_HEAP "$(tool_log_flags)" -cp "$(classpath)" "$cls" \
      --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" --alter --entity-type users \
      --entity-name "$KAFKA_SASL_USER" --add-config "$mechanism=[password=$KAFKA_SASL_PASSWORD]" 2>&1)"; then
      echo "$out" >&2
      die "could not add the $mechanism credentials for $KAFKA_SASL_USER"
    fi
  done
  scram_marker_write
}

# ---------------------------------------------------------------- process helpers

# Prints the pid of this instance's broker if it is alive, else nothing (and drops a stale pid file).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka\.Kafka $CONFIG"; then
    echo "$pid"
  else
    rm -f "$PID_FILE"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A real client request: Admin ListTopics (Metadata) through TopicCommand, with short timeouts.
probe() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || return 1
  # shellcheck disable=SC2086  # KAFKA_TOOL_HEAP is a flag list
  timeout 30 java $KAFKA_TOOL_HEAP -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$(tool_log_flags)" \
    -cp "$(classpath)" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" --list >/dev/null 2>&1
}

wait_ready() {
  local pid="$1" t0=$SECONDS deadline=$((SECONDS + KAFKA_START_TIMEOUT)) said_port=0
  while :; do
    if [[ ! -d "/proc/$pid" ]]; then
      # The cause is usually an ERROR line well above the last ones (the shutdown that follows it
      # fills the tail), and a private broker's folder is removed afterwards: show both.
      log "broker process $pid exited during startup; its first ERROR lines, then the last lines of $LOG_FILE:"
      grep -m 5 -A 3 -E ' (ERROR|FATAL) ' "$LOG_FILE" >&2 || true
      tail -n 40 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "Kafka $KAFKA_VERSION failed to start"
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      if ((said_port == 0)); then
        log "port $BOOTSTRAP is open after $((SECONDS - t0))s; sending a metadata request"
        said_port=1
      fi
      if probe; then
        log "broker answers on $BOOTSTRAP (ready after $((SECONDS - t0))s)"
        return 0
      fi
    fi
    if ((SECONDS >= deadline)); then
      log "broker did not answer on $BOOTSTRAP within ${KAFKA_START_TIMEOUT}s; last lines of $LOG_FILE:"
      tail -n 40 "$LOG_FILE" >&2 || true
      die "Kafka $KAFKA_VERSION start timed out (the process $pid is left running: scripts/kafka.sh stop)"
    fi
    sleep 1
  done
}

lock() {
  mkdir -p "$KAFKA_HOME_DIR"
  exec 9>"$LOCK_FILE"
  if ! flock -w 600 9; then die "could not lock $LOCK_FILE"; fi
}

# ---------------------------------------------------------------- commands

cmd_start() {
  need java "install OpenJDK 17+: apt-get install openjdk-17-jre-headless"
  lock
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    log "Kafka $KAFKA_VERSION already running (pid $pid); checking it answers on $BOOTSTRAP"
    ensure_jars
    wait_ready "$pid"
    if [[ -n "$KAFKA_SASL_PORT" ]]; then
      if grep -q "^listeners=.*SASL_PLAINTEXT://" "$CONFIG" 2>/dev/null && port_open "$KAFKA_HOST" "$KAFKA_SASL_PORT"; then
        ensure_scram_users
      else
        log "note: this broker runs without the SASL listener (started by an older scripts/kafka.sh); 'restart' adds it on :$KAFKA_SASL_PORT"
      fi
    fi
    local tls_port
    for tls_port in $KAFKA_SSL_PORT $KAFKA_MTLS_PORT; do
      if ! grep -Eq "^listeners=.*://$KAFKA_HOST:$tls_port(,|\$)" "$CONFIG" 2>/dev/null; then
        log "note: this broker runs without a listener on :$tls_port (started with other settings); 'restart' adds it"
      fi
    done
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    die "port $BOOTSTRAP is already in use by another process (not started from $KAFKA_HOME_DIR)"
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_HOST:$KAFKA_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
  fi
  if [[ -n "$KAFKA_SASL_PORT" ]] && port_open "$KAFKA_HOST" "$KAFKA_SASL_PORT"; then
    die "SASL port $KAFKA_HOST:$KAFKA_SASL_PORT is already in use (set KAFKA_SASL_PORT, or KAFKA_SASL_PORT=off)"
  fi
  local var
  for var in KAFKA_SSL_PORT KAFKA_MTLS_PORT; do
    if [[ -n "${!var}" ]] && port_open "$KAFKA_HOST" "${!var}"; then
      die "$var $KAFKA_HOST:${!var} is already in use"
    fi
  done
  ensure_jars
  log "writing $CONFIG"
  write_log_configs
  write_server_config
  format_storage
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  rm -f "$PID_FILE"
  log "launching Kafka $KAFKA_VERSION on $BOOTSTRAP (controller :$KAFKA_CONTROLLER_PORT${KAFKA_SASL_PORT:+, SASL :$KAFKA_SASL_PORT}${KAFKA_SSL_PORT:+, SSL :$KAFKA_SSL_PORT}${KAFKA_MTLS_PORT:+, mTLS :$KAFKA_MTLS_PORT}, log $LOG_FILE)"
  local broker_log_flag
  if [[ $LOGGING == log4j2 ]]; then
    broker_log_flag="-Dlog4j2.configurationFile=$BROKER_LOG_CONFIG"
  else
    broker_log_flag="-Dlog4j.configuration=file:$BROKER_LOG_CONFIG"
  fi
  # Own session (setsid) so the broker outlives this shell and its process group; the child
  # writes its own pid and then execs java, so the pid file names the JVM itself. fd 9 (the lock)
  # is closed for the child.
  # shellcheck disable=SC2086,SC2016  # flag lists; $$ and $0 expand in the child bash
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java $KAFKA_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
    -Djava.awt.headless=true "$broker_log_flag" -Dkafka.logs.dir="$KAFKA_HOME_DIR" $KAFKA_JVM_OPTS \
    -cp "$(classpath)" kafka.Kafka "$CONFIG" \
    </dev/null >"$LOG_FILE" 2>&1 9>&- &
  local _
  for _ in $(seq 1 50); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || die "broker did not write $PID_FILE; see $LOG_FILE"
  log "broker pid $pid; waiting up to ${KAFKA_START_TIMEOUT}s for it to answer"
  wait_ready "$pid"
  ensure_scram_users
  if [[ -n "${KAFKA_STOP_WITH_PID:-}" ]]; then start_watcher "$KAFKA_STOP_WITH_PID" "$pid"; fi
}

# Stop the broker (pid $2) once process $1 is gone. Own session, so it outlives this shell; fd 9
# (the lock) closed, or its 'stop' would wait for itself. Ends by itself when the broker does.
start_watcher() {
  local owner="$1" broker="$2"
  [[ "$owner" =~ ^[0-9]+$ ]] || die "KAFKA_STOP_WITH_PID must be a process id, got '$owner'"
  log "the broker stops when process $owner exits (watcher log $LOG_FILE.watch)"
  # shellcheck disable=SC2016  # expanded by the watcher's bash
  KAFKA_VERSION="$KAFKA_VERSION" KAFKA_PORT="$KAFKA_PORT" KAFKA_HOME_DIR="$KAFKA_HOME_DIR" KAFKA_LIB_DIR="$LIB_DIR" \
    KAFKA_STOP_WITH_PID='' setsid nohup bash -c '
      while kill -0 "$1" 2>/dev/null && [[ -d "/proc/$2" ]]; do sleep 1; done
      if [[ -d "/proc/$2" ]]; then echo "process $1 is gone: stopping the broker"; exec bash "$0" stop; fi
    ' "$SCRIPT_DIR/kafka.sh" "$owner" "$broker" </dev/null >>"$LOG_FILE.watch" 2>&1 9>&- &
}

cmd_stop() {
  lock
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    log "Kafka $KAFKA_VERSION on port $KAFKA_PORT is not running"
    return 0
  fi
  log "stopping Kafka $KAFKA_VERSION (pid $pid) with SIGTERM"
  kill -TERM "$pid" 2>/dev/null || true
  local t0=$SECONDS
  while [[ -d "/proc/$pid" ]] && ((SECONDS - t0 < KAFKA_STOP_TIMEOUT)); do
    sleep 0.2
  done
  if [[ -d "/proc/$pid" ]]; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while [[ -d "/proc/$pid" ]]; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped after $((SECONDS - t0))s"
}

cmd_status() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      log "not running from $KAFKA_HOME_DIR (but something else listens on $BOOTSTRAP)"
    else
      log "Kafka $KAFKA_VERSION on $BOOTSTRAP is not running"
    fi
    return 1
  fi
  [[ -f "$LIB_DIR/.complete" ]] || { log "running (pid $pid) but jars missing in $LIB_DIR"; return 2; }
  if probe; then
    log "Kafka $KAFKA_VERSION running (pid $pid) and answering on $BOOTSTRAP"
    return 0
  fi
  log "Kafka $KAFKA_VERSION running (pid $pid) but NOT answering on $BOOTSTRAP"
  return 2
}

cmd_clean() {
  cmd_stop
  log "wiping $DATA_DIR, $CONFIG and logs (jars in $LIB_DIR are kept)"
  rm -rf "$DATA_DIR" "$CONFIG" "$LOG_FILE" "$LOG_FILE.1" "$PID_FILE"
}

cmd_run() {
  [[ $# -ge 1 ]] || die "usage: scripts/kafka.sh run <main-class> [args...]"
  need java "install OpenJDK 17+"
  ensure_jars
  mkdir -p "$KAFKA_HOME_DIR"
  [[ -f "$TOOLS_LOG_CONFIG" ]] || write_log_configs
  local cls="$1"
  shift
  # shellcheck disable=SC2086
  exec java $KAFKA_TOOL_HEAP "$(tool_log_flags)" -cp "$(classpath)" "$cls" "$@"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_stop; cmd_start ;;
    clean) cmd_clean ;;
    run) cmd_run "$@" ;;
    classpath) ensure_jars; classpath ;;
    *)
      echo "usage: scripts/kafka.sh start|stop|status|restart|clean|run <main-class> [args...]|classpath" >&2
      exit 64
      ;;
  esac
}

main "$@"
