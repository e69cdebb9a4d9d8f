# shellcheck shell=bash
# Sourced by scripts/kafka.sh: `status` (0 running and answering, 1 not running, 2 not answering).

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
