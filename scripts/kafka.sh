#!/usr/bin/env bash
# Start/stop a REAL single-node Apache Kafka broker (KRaft, combined broker+controller)
# from Kafka's jars on Maven Central, for tests, CI and local use. No Docker, no tarball.
#
# Usage: scripts/kafka.sh start|stop|status|restart|clean|run <main-class> [args...]|classpath
#
#   start      fetch jars (once per version, via scripts/kafka/pom.xml), format storage (once),
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
#   KAFKA_NODE_ID          this node's id (default 1). A cluster of N combined broker+controller
#   KAFKA_QUORUM_VOTERS    nodes: N instances (own KAFKA_PORT and KAFKA_CONTROLLER_PORT each) with
#   KAFKA_CLUSTER_ID       their own KAFKA_NODE_ID and the same voters ("1@host:cport1,2@host:cport2,
#                          ...", default: this node alone) and cluster id (22-character Kafka Uuid,
#                          default: a random one when the storage is formatted). Start them at the
#                          same time: a node answers only once a majority of the voters runs.
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

# The entry point and its CLI; each job is in a file of its own under scripts/kafka/.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for part in common fetch config storage process start stop status run; do
  # shellcheck source=/dev/null
  source "$SCRIPT_DIR/kafka/$part.sh"
done

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
