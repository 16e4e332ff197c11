# Threads: multi-threaded processes dumped and restored with every thread's
# own state, each blocked in a system call. Sourced by run.sh.

# Starts the threads victim with N threads, stdin a FIFO that the test
# keeps open in fd 7 (the readers' byte comes from there after the restore).
start_threads() {	# N [strict]
	mkfifo "$T/in"
	exec 7<>"$T/in"
	rm -f "$T/ready"
	"$VICTIMS/threads" "$T" "$@" <"$T/in" >"$T/out" 2>&1 &
	VPID=$!
	PIDS+=("$VPID")
	wait_for "$T/ready" 30
	[ "$(ls "/proc/$VPID/task" | wc -l)" = $(($1 + 1)) ] || fail "victim has not $(($1 + 1)) threads"
	snap_before
}

# Wakes the victim (SIGUSR1; one byte per reader thread) and waits for its
# verdict; $1: the pid to wait for (xckpt restore, or the victim itself).
finish_threads() {	# N WAITPID
	kill -USR1 "$VPID"
	printf '%*s' $(($1 / 4)) '' | tr ' ' x >&7
	wait "$2"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass (status $status)"
	[ "$status" = 0 ] || fail "exit status $status"
}

# The restored readers' stdin is the same FIFO (restore_bg compares the
# restored process with the snapshot taken before the dump).
restore_threads() {
	RESTORE_STDIN=$T/in restore_bg
}

# Same threads, each with the same state as before the dump (the harness's
# comparison covers every thread: name, mask, affinity, scheduling, TLS...).
check_threads() {	# N [WHAT]: after a restore, restore_bg has compared already
	[ "$(ls "/proc/$VPID/task" | wc -l)" = $(($1 + 1)) ] ||
		fail "$(ls "/proc/$VPID/task" | wc -l) threads ${2:-after restore}"
	[ -n "${2:-}" ] && snap_check "$2"
	return 0
}

t_threads_2() {
	start_threads 2
	dump_kill
	restore_threads
	check_threads 2
	finish_threads 2 "$RPID"
	pass
}
t_threads_sleep_once() {	# sleeps interrupted by the comparison's stop and the dump: no EINTR, the rest of the time
	# The comparison stops every thread before the dump: each sleep is in
	# restart_syscall at the dump, and must go on all the same.
	start_threads 8 strict
	dump_kill
	restore_threads
	check_threads 8
	finish_threads 8 "$RPID"
	pass
}
t_threads_64() {	# TLS, masks, names, affinities; futex, nanosleep, read, poll
	start_threads 64
	dump_kill
	restore_threads
	check_threads 64
	finish_threads 64 "$RPID"
	pass
}
t_threads_64_leave_running() {	# the dumped process goes on; then its image is restored too
	start_threads 64
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --leave-running 2>"$T/dump.err" ||
		fail "dump: $(cat "$T/dump.err")"
	[ "$(grep -L '^TracerPid:[[:space:]]*0$' /proc/"$VPID"/task/*/status)" = "" ] ||
		fail "a thread is still traced"
	check_threads 64 "after a --leave-running dump"
	kill -9 "$VPID"
	wait "$VPID" 2>/dev/null
	restore_threads
	check_threads 64
	finish_threads 64 "$RPID"
	pass
}
t_threads_leave_running_continues() {	# after a --leave-running dump the process itself finishes
	start_threads 16
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --leave-running 2>"$T/dump.err" ||
		fail "dump: $(cat "$T/dump.err")"
	check_threads 16 "after a --leave-running dump"
	finish_threads 16 "$VPID"
	pass
}
t_threads_python() {	# threading and a ThreadPoolExecutor, dumped mid-work
	start /usr/bin/python3 "$SRC/victims/threads.py" "$T"
	sleep 1
	[ -s "$T/result" ] && fail "finished before the dump"
	dump_kill
	restore_bg
	wait "$RPID" || fail "restored python exited $?: $(cat "$T/out")"
	# sum of i*i for i < n, n = 8 chunks of 400000
	[ "$(cat "$T/result")" = "$(python3 -c 'n = 8 * 400000; print(n * (n - 1) * (2 * n - 1) // 6 * 2)')" ] ||
		fail "wrong result: $(cat "$T/result")"
	pass
}
t_bad_thread_creds() {	# a thread with credentials of its own: refused, left running as it was
	start /usr/bin/python3 -c '
import ctypes, os, sys, threading, time
os.closerange(3, 4096)
libc = ctypes.CDLL(None, use_errno=True)
def own():
    libc.syscall(117, 65534, 65534, 65534)	# setresuid, this thread only
    time.sleep(600)
threading.Thread(target=own, daemon=True).start()
time.sleep(0.5)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T"
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: credentials of thread [0-9]*: threads with credentials of their own" ||
		fail "unclear error: $out"
	kill -0 "$VPID" || fail "target died"
	[ "$(grep -L '^TracerPid:[[:space:]]*0$' /proc/"$VPID"/task/*/status)" = "" ] ||
		fail "a thread is still traced"
	[ -e "$T/img/inventory.img" ] && fail "an image was left"
	pass
}
t_threads_pidns() {	# --pidns while the original tids are taken: same tids inside
	start_threads 8
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	orig=$VPID
	tids=$(ls "/proc/$orig/task" | sort -n)
	RESTORE_OPTS=--pidns restore_threads
	new=$(cat "$T/pidfile")
	[ "$new" != "$orig" ] || fail "restored with the original pid outside the namespace"
	inside=$(for t in /proc/$new/task/*; do awk '/^NSpid:/ { print $3 }' "$t/status"; done | sort -n)
	[ "$inside" = "$tids" ] || fail "tids inside the namespace: $inside, not $tids"
	kill -9 "$orig"
	wait "$orig" 2>/dev/null
	VPID=$new
	finish_threads 8 "$RPID"
	pass
}
