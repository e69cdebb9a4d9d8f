#!/bin/sh
# Run the sharded bench on the current kubectl context, then merge: ./run.sh [RUN_ID]
# (the mqkit:local image must be available to the cluster, see Dockerfile; on kind:
# kind load docker-image mqkit:local). Shards start producing 90 s from now: time to schedule
# the pods and connect; a pod that starts later is reported as late by the merge.
set -eu
cd "$(dirname "$0")"
run_id=${1:-run-$(date +%Y%m%d-%H%M%S)}
start_at=$(( $(date +%s) + 90 ))
fill() { sed -e "s/@RUN_ID@/$run_id/g" -e "s/@START_AT@/$start_at/g" "$1"; }
fill bench-job.yaml | kubectl apply -f -
# A shard that failed all its tries fails the Job: merge anyway, the merge names the missing shard.
kubectl wait --for=condition=complete --timeout=30m "job/mqkit-bench-$run_id" || echo "job mqkit-bench-$run_id did not complete: merging the shards there are" >&2
fill merge-job.yaml | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=5m "job/mqkit-merge-$run_id"
kubectl logs "job/mqkit-merge-$run_id"
