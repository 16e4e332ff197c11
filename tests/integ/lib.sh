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

CLEANUP_HOOKS=()	# functions run first, for what is more than a pid (daemons, namespaces)
cleanup() {
	local h
	for h in "${CLEANUP_HOOKS[@]}"; do "$h"; done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# ctest's timeout kills with SIGKILL, which leaves the victims and the
# scratch directory behind. Shortly before it (INTEG_TIMEOUT, from ctest),
# the watchdog ends what this shell is waiting for and sends TERM, so the
# test fails through its own cleanup.
if [ -n "${INTEG_TIMEOUT:-}" ] && [ "$INTEG_TIMEOUT" -gt 10 ]; then
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep $((INTEG_TIMEOUT - 6)) &
		sp=$!
		wait "$sp"
		kill -TERM $$ 2>/dev/null
		for c in $(cat /proc/$$/task/*/children 2>/dev/null); do
			[ "$c" = "$BASHPID" ] || kill -TERM "$c" 2>/dev/null
		done
	) &
	WATCHDOG=$!
	trap 'echo "FAIL: $TEST: timed out after $((INTEG_TIMEOUT - 6)) s"; exit 1' TERM
fi

fail() { echo "FAIL: $TEST: $*"; [ -f "$T/out" ] && sed 's/^/  victim: /' "$T/out"; exit 1; }
pass() { echo "PASS: $TEST"; exit 0; }
# Cannot run here (no GPU, no driver): ctest reports it skipped, with why.
skip() { echo "SKIP: $TEST: $*"; exit 77; }

# The before/after comparison (tests/integ/inspect.c prints a process's
# observable state, one "key<TAB>value" per line). dump_kill and
# dump_leave_running take a snapshot before the dump; restore_bg compares
# the restored process with it; dump_leave_running also compares the live
# process after its dump. For other flows: `snap` before, `snap_check`
# after. A difference fails the test and names the field.
#   SNAP_IGNORE=REGEX   keys a test changes on purpose (say why next to it)
#   SNAP_SKIP=REASON    no comparison at all for this test (say why)
# Not restored yet, each with the work that restores it; a test that fixes
# one removes it here. (None today.)
SNAP_KNOWN='^$'
snap() {	# PID FILE
	"$VICTIMS/inspect" "$1" >"$2" 2>"$2.err" || fail "inspect pid $1: $(cat "$2.err")"
}
snap_compare() {	# BEFORE AFTER WHAT
	local diffs
	diffs=$(awk -F'\t' -v ign="${SNAP_IGNORE:-^$}" -v known="$SNAP_KNOWN" '
		NR == FNR { b[$1] = $2; next }
		{ a[$1] = $2 }
		END {
			for (k in b) if (k !~ ign && k !~ known && (!(k in a) || a[k] != b[k]))
				printf "%s: before \"%s\", after \"%s\"\n", k, b[k], (k in a) ? a[k] : "(absent)"
			for (k in a) if (k !~ ign && k !~ known && !(k in b))
				printf "%s: before (absent), after \"%s\"\n", k, a[k]
		}' "$1" "$2" | sort)
	[ -z "$diffs" ] || fail "state differs $3 ($(echo "$diffs" | wc -l) fields):
$(echo "$diffs" | head -20)"
}
snap_check() {	# [WHAT]: $VPID now against the snapshot taken before the dump
	[ -n "${SNAP_SKIP:-}" ] && return 0
	[ -f "$T/snap.before" ] || fail "snap_check: no snapshot taken before the dump"
	snap "$VPID" "$T/snap.after"
	snap_compare "$T/snap.before" "$T/snap.after" "${1:-after restore}"
}
snap_before() {
	[ -n "${SNAP_SKIP:-}" ] || snap "$VPID" "$T/snap.before"
}

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
	# RESTORE_STDIN: what the restored process inherits as fd 0 when it had a
	# pipe or FIFO there (a background command's stdin is /dev/null).
	"$XCKPT" restore -D "$T/img" --pidfile "$T/pidfile" ${RESTORE_OPTS:-} \
		<"${RESTORE_STDIN:-/dev/null}" 2>"$T/restore.err" &
	RPID=$!
	PIDS+=("$RPID")
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/pidfile" ] && break
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/pidfile" ] || fail "restore did not start: $(cat "$T/restore.err")"
	[ "$(cat "$T/pidfile")" = "$VPID" ] && [ -f "$T/snap.before" ] && snap_check
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
	snap_before
	"$XCKPT" dump --pid "$VPID" -D "$T/img" "$@" 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null	# reap it: its pid must be free again
	# A restored target is xckpt restore's child, which reaps it.
	for ((i = 0; i < 100; i++)); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.02; done
	kill -0 "$VPID" 2>/dev/null && fail "target still alive after dump"
	[ -f "$T/img/inventory.img" ] || fail "no image"
}


# Dump and leave it running: the live process must be exactly as it was.
dump_leave_running() {	# extra dump options...
	snap_before
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --leave-running "$@" 2>"$T/dump.err" ||
		fail "dump: $(cat "$T/dump.err")"
	kill -0 "$VPID" || fail "target died"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	snap_check "after a --leave-running dump"
}

# A victim run under script(1), on a pty that goes away with it, dumped and
# restored under another script(1): what names the terminal must change, so
# the caller sets SNAP_IGNORE. usage: on_a_terminal 'VICTIM ARGS...'
# (one shell word, quoted for sh). Sets VPID and RPID.
on_a_terminal() {
	rm -f "$T/ready"
	script -qec "$1; true" /dev/null >"$T/out" 2>&1 </dev/null &
	PIDS+=($!)
	wait_for "$T/ready"
	VPID=$(cat "$T/ready")
	PIDS+=("$VPID")
	dump_kill
	script -qec "'$XCKPT' restore -D '$T/img' --pidfile '$T/pidfile'" /dev/null >"$T/out2" 2>&1 \
		</dev/null &
	RPID=$!
	PIDS+=("$RPID")
	wait_for "$T/pidfile"
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored as $(cat "$T/pidfile"): $(cat "$T/out2")"
	snap_check
}
