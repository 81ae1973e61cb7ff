#!/bin/sh
# Runs bench-job.yaml (N `wsprobe bench` pods side by side), waits for it to complete or fail,
# collects each pod's JSON summary from its log into results/, and adds them up with
# `wsprobe bench merge`: the merged summary on stdout, results/report.html beside the
# summaries. Arguments are passed to `wsprobe bench merge` (e.g. --json, --max-p99 50ms); its
# exit status is this script's (1 when the Job failed or did not finish in $WAIT, 30m).
# Needs kubectl (pointed at the cluster) and wsprobe on PATH here.
set -eu
cd "$(dirname "$0")"

# Each run is a Job of its own (bench-job.yaml has a generateName), so the pods collected
# below, selected by the job-name label Kubernetes gives them, are this run's and no other's.
job=$(kubectl create -f bench-job.yaml -o name)
name=${job#*/}
echo "run.sh: $job created; waiting for it to complete or fail" >&2

# Complete or Failed, whichever comes first: a Job that fails (a pod that could not run,
# backoffLimit: 0) never completes, and waiting for that alone would hang until the timeout.
timeout=${WAIT:-30m}
kubectl wait --for=condition=complete "$job" --timeout="$timeout" >/dev/null 2>&1 &
complete=$!
kubectl wait --for=condition=failed "$job" --timeout="$timeout" >/dev/null 2>&1 &
failed=$!
while kill -0 "$complete" 2>/dev/null && kill -0 "$failed" 2>/dev/null; do
    sleep 2
done
state=unfinished
if ! kill -0 "$complete" 2>/dev/null && wait "$complete"; then
    state=complete
elif ! kill -0 "$failed" 2>/dev/null && wait "$failed"; then
    state=failed
fi
kill "$complete" "$failed" 2>/dev/null || true
case $state in
    failed)
        why=$(kubectl get "$job" -o 'jsonpath={.status.conditions[?(@.type=="Failed")].message}' 2>/dev/null || true)
        echo "run.sh: $job failed${why:+: $why}" >&2
        echo "hint: kubectl describe $job; kubectl logs -l job-name=$name" >&2
        exit 1 ;;
    unfinished)
        echo "run.sh: $job did not complete within $timeout (WAIT)" >&2
        echo "hint: kubectl describe $job" >&2
        exit 1 ;;
esac

rm -rf results
mkdir results
for pod in $(kubectl get pods -l "job-name=$name" -o name); do
    kubectl logs "$pod" > "results/${pod#pod/}.json"
done
if [ -z "$(ls results)" ]; then
    echo "run.sh: $job completed but has no pods left to read (ttlSecondsAfterFinished?)" >&2
    exit 1
fi
exec wsprobe bench merge results/*.json --report results/report.html "$@"
