# shellcheck shell=bash
# Sourced by scripts/kafka.sh: this instance's broker process (its pid file), whether it answers
# (a real Admin request), waiting until it does, and the per-instance lock.

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
