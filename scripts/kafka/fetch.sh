# shellcheck shell=bash
# Sourced by scripts/kafka.sh: Kafka's jars, fetched once per version from Maven Central by
# pom.xml (beside this file) into LIB_DIR, and the classpath that names them.

POM="$SCRIPT_DIR/kafka/pom.xml"

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
