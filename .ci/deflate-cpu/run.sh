#!/usr/bin/env bash
# Server CPU per echoed message with permessage-deflate: wsprobe listen against Node ws with
# bufferutil (../shared/bench/node-bu after its setup.sh, or $NODE_BU), both echoing, the server pinned to cpu 0 and the
# generator (gen.js: Node ws offering deflate, every message compressed) to cpu 1. This is how
# the figure in the #13 note was measured; `wsprobe bench` offers deflate too, but its
# generated messages (a stamp and x's) compress far better than gen.js's, so the figures here
# stay on gen.js to remain comparable.
# usage: .ci/deflate-cpu/run.sh path/to/wsprobe [REPS]   (SECS=4 per window)
set -euo pipefail
cd "$(dirname "$0")"
bin=$1; reps=${2:-3}; secs=${SECS:-4}
tck=$(getconf CLK_TCK)
cpu_us() { awk -v t="$tck" '{print ($14+$15)*1000000/t}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
start_server() { # name port
  case $1 in
    wsprobe) taskset -c 0 "$bin" listen -q "127.0.0.1:$2" >/dev/null 2>&1 & ;;
    wsprobe-nodeflate) taskset -c 0 "$bin" listen -q --no-deflate "127.0.0.1:$2" >/dev/null 2>&1 & ;;
    node-t0) taskset -c 0 node node-deflate.js "$2" 0 >/dev/null 2>&1 & ;;
    node-default) taskset -c 0 node node-deflate.js "$2" 1024 >/dev/null 2>&1 & ;;
  esac
  echo $!
}
results=$(mktemp)
printf '%-18s %-14s %10s %12s %s\n' server case msgs/s "cpu_us/msg" extensions
for case in "1 32 64" "50 1 64" "1 4 4096" "50 1 4096"; do
  read -r conns inflight size <<<"$case"
  for server in wsprobe node-t0 node-default; do
    for rep in $(seq "$reps"); do
      port=$(free_port)
      pid=$(start_server "$server" "$port")
      sleep 0.4
      c0=""; n0=0; t0=0; ext=""
      while read -r what n rest; do
        if [ "$what" = start ]; then c0=$(cpu_us "$pid"); n0=$n; t0=$(date +%s.%N); ext=$rest; fi
        if [ "$what" = end ]; then c1=$(cpu_us "$pid"); n1=$n; t1=$(date +%s.%N); fi
      done < <(taskset -c 1 node gen.js "ws://127.0.0.1:$port" "$conns" "$inflight" "$size" "$secs")
      kill "$pid"; wait "$pid" 2>/dev/null || true
      awk -v s="$server" -v c="c${conns}_p${inflight}_${size}B" -v n=$((n1 - n0)) -v cu="$c0" -v cv="$c1" -v t0="$t0" -v t1="$t1" -v e="$ext" \
        'BEGIN { printf "%-18s %-14s %10.0f %12.2f %s\n", s, c, n/(t1-t0), (cv-cu)/n, e }' | tee -a "$results"
    done
  done
done
echo "== medians (server CPU per echoed message; msgs/s is bound by the one-core generator)"
python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    runs[(p[1], p[0])].append((float(p[2]), float(p[3])))
for (case, server), v in sorted(runs.items()):
    print(f"{case:14} {server:14} msgs/s {statistics.median(x[0] for x in v):7.0f}  cpu_us/msg {statistics.median(x[1] for x in v):7.1f}")
PY
rm -f "$results"
