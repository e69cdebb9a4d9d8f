# shellcheck shell=bash
# Sourced by scripts/kafka.sh: `stop` and `clean` (stop, then wipe this instance's data).

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

cmd_clean() {
  cmd_stop
  log "wiping $DATA_DIR, $CONFIG and logs (jars in $LIB_DIR are kept)"
  rm -rf "$DATA_DIR" "$CONFIG" "$LOG_FILE" "$LOG_FILE.1" "$PID_FILE"
}
