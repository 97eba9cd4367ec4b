#!/bin/sh
# The daemon benchmark: wrk posts realistic submissions with unique
# external_ids (bench/submit.lua) first to a bare libevent server that
# answers without doing anything (bench/bare_server), then to measured
# with a fresh SQLite store, in the same run, with the same requests.
# Prints durable submissions a second, the ratio to the bare server, and
# p50/p99 latency.  See docs/PERFORMANCE.md.
#
# usage: bench/bench_daemon.sh BUILDDIR [-d SECONDS] [-c CONNECTIONS] [-t THREADS]
set -eu
build=${1:?usage: bench_daemon.sh BUILDDIR [-d SECONDS] [-c CONNECTIONS] [-t THREADS]}
shift
duration=10 conns=64 threads=2
while getopts d:c:t: opt; do
	case $opt in
	d) duration=$OPTARG ;;
	c) conns=$OPTARG ;;
	t) threads=$OPTARG ;;
	*) exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "bench_daemon: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/measured-bench.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

run_wrk() {
	BENCH_RUN=$1 wrk -t"$threads" -c"$conns" -d"${duration}s" --latency \
		-s "$here/submit.lua" "$2" > "$tmp/wrk-$1.out" 2>&1
	grep '^RESULT' "$tmp/wrk-$1.out" || { cat "$tmp/wrk-$1.out" >&2; exit 1; }
}

# The bare server.
"$build/bench/bare_server" 127.0.0.1 0 > "$tmp/bare.port" &
bare=$!
pids="$bare"
i=0
while [ ! -s "$tmp/bare.port" ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done
bare_line=$(run_wrk bare "http://127.0.0.1:$(cat "$tmp/bare.port")")
kill "$bare"; wait "$bare" 2>/dev/null || true

# measured, with a fresh store and no rate limit.
cat > "$tmp/measured.conf" <<CONF
<?xml version="1.0" encoding="UTF-8"?>
<measured xmlns="urn:measured:config:1">
  <rate-limit per-second="0"/>
</measured>
CONF
store="sqlite:$tmp/measured.db"
MEASURED_TOKEN=$("$build/measured" -s "$store" token add --role submitter --platform bench --name bench 2>/dev/null)
export MEASURED_TOKEN
"$build/measured" -c "$tmp/measured.conf" -s "$store" -l 127.0.0.1:0 2> "$tmp/daemon.log" &
daemon=$!
pids="$pids $daemon"
i=0
while ! grep -q 'serving on' "$tmp/daemon.log"; do i=$((i + 1)); [ $i -lt 200 ] || { cat "$tmp/daemon.log" >&2; exit 1; }; sleep 0.05; done
url=$(sed -n 's/.*serving on \(http:[^ ]*\) .*/\1/p' "$tmp/daemon.log" | head -1)
# CPU time of each of the daemon's threads (user and system clock ticks,
# fields 14 and 15 of /proc/PID/task/TID/stat), before and after: the
# CPU a request costs moves far less with the machine's load than the
# rate does.
cpu_ticks() {
	for t in /proc/"$daemon"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm")" "$(cut -d')' -f2 "$t/stat" | awk '{ print $12, $13 }')"
	done | sort
}
cpu_ticks > "$tmp/cpu.before"
daemon_line=$(run_wrk measured "$url")
cpu_ticks > "$tmp/cpu.after"
created=$(curl -s "$url/metrics" | sed -n 's/^measured_http_requests_total{route="\/v1\/submissions",code="201"} //p')
batch_sum=$(curl -s "$url/metrics" | sed -n 's/^measured_store_commit_batch_size_sum //p')
batch_n=$(curl -s "$url/metrics" | sed -n 's/^measured_store_commit_batch_size_count //p')
kill -TERM "$daemon"; wait "$daemon" || { echo "bench_daemon: the daemon did not drain cleanly" >&2; exit 1; }

field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
printf '%s\n' "wrk -t$threads -c$conns -d${duration}s, POST /v1/submissions (bench/submit.lua), one machine"
printf '%-10s %12s %10s %10s %8s\n' "server" "requests/s" "p50 ms" "p99 ms" "errors"
for name in bare measured; do
	if [ $name = bare ]; then line=$bare_line; else line=$daemon_line; fi
	printf '%-10s %12s %10s %10s %8s\n' "$name" "$(field "$line" rate)" \
		"$(field "$line" p50_ms)" "$(field "$line" p99_ms)" "$(field "$line" errors)"
done
awk -v d="$(field "$daemon_line" rate)" -v b="$(field "$bare_line" rate)" \
	'BEGIN { printf "measured / bare: %.2f (target: 0.50 or more)\n", d / b }'
echo "durable submissions (201, committed before the answer): $created"
awk -v s="${batch_sum:-0}" -v n="${batch_n:-0}" \
	'BEGIN { if (n > 0) printf "store: %d commits, %.1f submissions a commit on average\n", n, s / n }'
hz=$(getconf CLK_TCK)
requests=$(field "$daemon_line" requests)
join "$tmp/cpu.before" "$tmp/cpu.after" | awk -v hz="$hz" -v n="$requests" '
	$1 != "md-reader" && n > 0 {
		u = ($4 - $2) / hz * 1e6 / n; s = ($5 - $3) / hz * 1e6 / n
		name = $1 == "measured" ? "event loop" : $1 " thread"
		printf "cpu a request, %-18s %5.1f us (user %.1f, system %.1f)\n", name ":", u + s, u, s
	}'
