# shellcheck shell=bash
# Sourced by scripts/kafka.sh: `run CLASS [args...]`, any main class on Kafka's classpath.

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
