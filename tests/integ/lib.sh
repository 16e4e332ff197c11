# Integration tests: real processes dumped, killed, restored and checked.
# Sourced by run.sh (ctest passes XCKPT and VICTIMS in the environment).
# Each test works in its own scratch directory and kills, by pid, every
# process it started; the EXIT trap removes everything it created.
set -u
TEST=$1
XCKPT=${XCKPT:?}
VICTIMS=${VICTIMS:?}
SRC=$(cd "$(dirname "$0")" && pwd)
# A test killed by ctest's timeout (SIGKILL) cannot run its EXIT trap: sweep
# scratch directories that old, which no running test can still use.
find /tmp -maxdepth 1 -name 'xckpt-test.*' -type d -mmin +60 -exec rm -rf {} + 2>/dev/null
T=$(mktemp -d /tmp/xckpt-test.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $TEST: $*"; [ -f "$T/out" ] && sed 's/^/  victim: /' "$T/out"; exit 1; }
pass() { echo "PASS: $TEST"; exit 0; }

wait_for() {	# FILE [seconds]
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
}

setup_files() {
	printf '0123456789abcdefghij' >"$T/data.txt"
}

start() {	# command... : a victim, ready when $T/ready exists
	rm -f "$T/ready"
	"$@" >"$T/out" 2>&1 </dev/null &
	VPID=$!
	PIDS+=("$VPID")
	wait_for "$T/ready"
}

# Restore from $T/img in the background (RPID: xckpt restore, which exits
# with the restored process's status) and wait until the process runs.
restore_bg() {
	rm -f "$T/pidfile"
	"$XCKPT" restore -D "$T/img" --pidfile "$T/pidfile" ${RESTORE_OPTS:-} 2>"$T/restore.err" &
	RPID=$!
	PIDS+=("$RPID")
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/pidfile" ] && break
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/pidfile" ] || fail "restore did not start: $(cat "$T/restore.err")"
}

wait_stopped() {	# until $VPID is in a job-control stop
	for ((i = 0; i < 100; i++)); do
		grep -q '^State:.*T (stopped)' "/proc/$VPID/status" && return 0
		sleep 0.02
	done
}

# Restore, poke the process, and check that it finished its own checks with
# PASS.
restore_and_check() {
	local status
	restore_bg
	local rpid=$RPID
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with pid $(cat "$T/pidfile"), not $VPID"
	grep -q "^State:" "/proc/$VPID/status" || fail "restored process not found"
	sleep 0.3
	[ -n "${RESTORE_CHECK_HOOK:-}" ] && $RESTORE_CHECK_HOOK
	kill -USR1 "$VPID"
	sleep 0.2
	kill -USR2 "$VPID"
	wait "$rpid"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status)"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
	[ "$(cat "$T/log.txt")" = "$(printf 'before\nafter')" ] || fail "log file: $(cat "$T/log.txt")"
}

check_session() {	# the restored session leader leads its session and group again
	local pgid sid
	read -r _ _ _ _ pgid sid _ <"/proc/$VPID/stat"
	[ "$sid" = "$VPID" ] && [ "$pgid" = "$VPID" ] || fail "session $sid, group $pgid after restore"
}

check_user() {
	grep -q '^Uid:[[:space:]]*65534[[:space:]]65534[[:space:]]65534[[:space:]]65534$' "/proc/$VPID/status" ||
		fail "uids: $(grep Uid "/proc/$VPID/status")"
	grep -q '^Gid:[[:space:]]*65534[[:space:]]65534' "/proc/$VPID/status" || fail "gids"
	[ "$(stat -c %u "/proc/$VPID/status")" = 65534 ] || fail "not dumpable (/proc owned by root)"
}

dump_kill() {	# extra dump options...
	"$XCKPT" dump --pid "$VPID" -D "$T/img" "$@" 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null	# reap it: its pid must be free again
	kill -0 "$VPID" 2>/dev/null && fail "target still alive after dump"
	[ -f "$T/img/inventory.img" ] || fail "no image"
}

