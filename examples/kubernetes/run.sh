#!/bin/sh
# Runs bench-job.yaml (N `wsprobe bench` pods side by side), waits for it, collects each pod's
# JSON summary from its log into results/, and adds them up with `wsprobe bench merge`: the
# merged summary on stdout, results/report.html beside the summaries. Arguments are passed to
# `wsprobe bench merge` (e.g. --json, --max-p99 50ms); its exit status is this script's.
# Needs kubectl (pointed at the cluster) and wsprobe on PATH here.
set -eu
cd "$(dirname "$0")"
job=wsprobe-bench
kubectl delete job "$job" --ignore-not-found >&2
kubectl apply -f bench-job.yaml >&2
if ! kubectl wait --for=condition=complete "job/$job" --timeout="${WAIT:-30m}" >&2; then
    echo "run.sh: the job did not complete; see: kubectl describe job/$job" >&2
    exit 1
fi
rm -rf results
mkdir results
for pod in $(kubectl get pods -l "job-name=$job" -o name); do
    kubectl logs "$pod" > "results/${pod#pod/}.json"
done
exec wsprobe bench merge results/*.json --report results/report.html "$@"
