# shellcheck shell=bash
# Sourced by scripts/kafka.sh: `start`, and the watcher that stops the broker when
# KAFKA_STOP_WITH_PID's process is gone.

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
