#!/usr/bin/env bash
# One load run: mark the moment, warm up, Locust headless (bounded in time, loopback only), let the queues drain,
# check the invariants, and turn Locust's CSV into the per-action table. Run prepare.py on the site first.
#
#   benchmarks/load/run.sh SITE [--host http://127.0.0.1:8100] [-u 100] [-r 10] [-t 10m] [--out DIR]
#       [--access-log /path/to/gunicorn-access.log ...] [--drain 60] [--warmup 3m]
#
# --warmup: the same users for that long first, not measured (its table is in DIR/warmup), so that the table is
# of a stack in its steady state: after a restart, gunicorn's workers, the caches and the scheduler's backlog of
# jobs made the first three minutes of a run a third slower (service times from the access log). The invariants
# cover the warm-up too. 0 (the default) measures from the first request.
#
# Environment: BENCH (default /home/frappe/frappe-bench), LOCUST (default /tmp/locust-venv/bin/locust; see the
# locustfile's docstring for its install), USERS_FILE (default /tmp/load/users-SITE.json, what prepare.py wrote).
# Exit status: Locust's failures or a failed invariant make it non-zero.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
site=${1:?usage: run.sh SITE [--host URL] [-u N] [-r N] [-t DURATION] [--out DIR] [--access-log LOG]...}
shift
host=http://127.0.0.1:8100 users=100 rate=10 duration=10m drain=60 warmup=0
out=/tmp/load/results/$site-$(date -u +%Y%m%dT%H%M%S)
logs=()
while (($#)); do
	case $1 in
		--host) host=$2; shift 2 ;;
		-u) users=$2; shift 2 ;;
		-r) rate=$2; shift 2 ;;
		-t) duration=$2; shift 2 ;;
		--out) out=$2; shift 2 ;;
		--access-log) logs+=(--access-log "$2"); shift 2 ;;
		--drain) drain=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done

# Loopback only: this is a load generator, never to be pointed at someone else's server.
hostname=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname or "")' "$host")
case $hostname in
	127.0.0.1 | localhost | ::1) ;;
	*) echo "refusing $host: the load benchmark runs against 127.0.0.1 only" >&2; exit 2 ;;
esac
# Bounded in time: Locust's own -t, and a hard stop a few minutes past it.
to_seconds() {
	case $1 in
		*h) echo $((${1%h} * 3600)) ;;
		*m) echo $((${1%m} * 60)) ;;
		*s) echo "${1%s}" ;;
		*) echo "$1" ;;
	esac
}
seconds=$(to_seconds "$duration")
warmup_seconds=$(to_seconds "$warmup")
((seconds <= 3600)) || { echo "-t $duration: at most one hour" >&2; exit 2; }
((warmup_seconds <= 900)) || { echo "--warmup $warmup: at most 15 minutes" >&2; exit 2; }

bench=${BENCH:-/home/frappe/frappe-bench}
locust=${LOCUST:-/tmp/locust-venv/bin/locust}
users_file=${USERS_FILE:-/tmp/load/users-$site.json}
[[ -x $locust ]] || { echo "no Locust at $locust: python3 -m venv /tmp/locust-venv && /tmp/locust-venv/bin/pip install locust" >&2; exit 2; }
[[ -r $users_file ]] || { echo "no $users_file: run prepare.py $site first" >&2; exit 2; }
mkdir -p "$out"
chmod 777 "$out"

# The site's Python runs as the bench's owner, so no file under sites/ becomes root's.
site_python() {
	local cmd="cd $(printf %q "$bench/sites") && ../env/bin/python $(printf '%q ' "$@")"
	if [[ $(id -u) == 0 ]]; then sudo -u "$(stat -c %U "$bench/sites")" -H bash -c "$cmd"; else bash -c "$cmd"; fi
}

site_python "$here/invariants.py" "$site" --mark "$out/mark.json" "${logs[@]}" 2>/dev/null

status=0
if ((warmup_seconds > 0)); then
	echo "warm-up: $users users (+$rate/s) for $warmup, not measured -> $out/warmup"
	mkdir -p "$out/warmup" && chmod 777 "$out/warmup"
	LOAD_USERS=$users_file timeout $((warmup_seconds + 180)) "$locust" -f "$here/locustfile.py" --headless \
		-u "$users" -r "$rate" -t "${warmup_seconds}s" --stop-timeout 30 --host "$host" \
		--csv "$out/warmup/run" --only-summary >"$out/warmup/locust.log" 2>&1 || status=$?
	python3 "$here/report.py" "$out/warmup/run_stats.csv" >"$out/warmup/report.txt" || true
fi
echo "locust: $users users (+$rate/s) for $duration against $host (Host: $site) -> $out"
LOAD_USERS=$users_file timeout $((seconds + 180)) "$locust" -f "$here/locustfile.py" --headless \
	-u "$users" -r "$rate" -t "$duration" --stop-timeout 30 --host "$host" \
	--csv "$out/run" --html "$out/run.html" --only-summary >"$out/locust.log" 2>&1 || status=$?
tail -n 40 "$out/locust.log"

echo "letting the queues drain for $drain s"
sleep "$drain"
site_python "$here/invariants.py" "$site" --since-file "$out/mark.json" "${logs[@]}" --json "$out/invariants.json" \
	2>/dev/null | tee "$out/invariants.txt" || status=1
python3 "$here/report.py" "$out/run_stats.csv" --json "$out/report.json" | tee "$out/report.txt"
python3 "$here/report.py" "$out/run_stats.csv" --markdown >"$out/report.md"
echo "results in $out (locust exit $status)"
exit "$status"
