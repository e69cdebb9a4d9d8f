# shellcheck shell=bash
# Sourced by scripts/kafka.sh: KRaft storage, formatted once per data dir, and the SCRAM users,
# which live in its metadata log.

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
  # The nodes of one cluster are formatted with the same id (KAFKA_CLUSTER_ID).
  cid="${KAFKA_CLUSTER_ID:-$(random_cluster_id)}"
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
