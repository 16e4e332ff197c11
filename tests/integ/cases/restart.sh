# Interrupted system calls: after the restore each ends as the kernel would
# have ended it had the dump never stopped it. Sourced by run.sh.

# The victim's thread sleeps in system call NR (/proc/PID/syscall names it
# first; it says "running" while the thread runs).
wait_in_call() {	# NR
	for ((i = 0; i < 250; i++)); do
		[ "$(cut -d' ' -f1 "/proc/$VPID/syscall" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.02
	done
	fail "victim not in system call $1: $(cat "/proc/$VPID/syscall" 2>&1)"
}

# The restart victim in MODE, its stdin a FIFO that the test keeps open in
# fd 7, once its thread is in the call NR.
start_call() {	# MODE NR
	rm -rf "$T/in" "$T/ready" "$T/out" "$T/img"
	mkfifo "$T/in"
	exec 7<>"$T/in"
	"$VICTIMS/restart" "$T" "$1" <"$T/in" >"$T/out" 2>&1 &
	VPID=$!
	PIDS+=("$VPID")
	wait_for "$T/ready"
	wait_in_call "$2"
}

# The victim (or xckpt restore, which exits with its status) ends with PASS
# within 10 s.
wait_pass() {	# WAITPID WHAT
	local status
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && fail "$2: the call did not end after the signal"
	wait "$1"
	status=$?
	grep -q '^PASS' "$T/out" || fail "$2: victim did not pass (status $status)"
	[ "$status" = 0 ] || fail "$2: exit status $status"
}

# Restored stopped, the process gets the signal before it runs: when it goes
# on, the signal is delivered first and ends the call as in the kernel (a
# handled signal: EINTR, or the call goes on with SA_RESTART), rather than
# the call being issued again after the handler (pause() never returned).
# Every mode, several rounds: the outcome must not depend on timing.
t_restart_signal_stopped() {	# pause, read (SA_RESTART or not), nanosleep: a signal right after restore
	local m
	for round in 1 2; do
		for m in "pause 34" "read_restart 0" "read_intr 0" "nanosleep 230"; do
			set -- $m
			start_call "$1" "$2"
			kill -STOP "$VPID"
			wait_stopped
			dump_kill
			RESTORE_STDIN=$T/in restore_bg
			wait_stopped
			grep -q '^State:.*T (stopped)' "/proc/$VPID/status" || fail "$1: not restored stopped"
			kill -USR1 "$VPID"
			kill -CONT "$VPID"
			if [ "$1" = read_restart ]; then
				sleep 0.3
				printf x >&7
			fi
			wait_pass "$RPID" "$1 (round $round)"
		done
	done
	pass
}

# The signal sent as soon as xckpt restore --detach returns: the process may
# not have run yet, or be back in the call; either way pause() must end.
t_restart_signal_running() {	# pause() ends for a signal sent right after the restore, 10 rounds
	for round in $(seq 10); do
		start_call pause 34
		dump_kill
		"$XCKPT" restore -D "$T/img" --detach >/dev/null 2>"$T/restore.err" ||
			fail "restore: $(cat "$T/restore.err")"
		kill -USR1 "$VPID"
		for ((i = 0; i < 200; i++)); do grep -q '^PASS' "$T/out" && break; sleep 0.05; done
		grep -q '^PASS' "$T/out" || fail "round $round: pause() did not end after the signal"
		for ((i = 0; i < 100; i++)); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.02; done
	done
	pass
}

# Waits with a temporary mask: the thread's own mask is what the image keeps
# (PTRACE_GETSIGMASK shows the one the kernel set aside, while a
# PTRACE_SETSIGMASK drops it: a --leave-running dump must put the own one
# back), the wait still ends for the signal the temporary mask lets through,
# and the own mask is in force after it.
t_restart_temp_mask() {	# sigsuspend, ppoll, pselect, epoll_pwait: the own mask survives, dump and --leave-running
	# Inside the wait /proc shows the temporary mask, just before the
	# restarted call the own one: which depends on when the comparison
	# looks. The victim checks its own mask after the wait itself.
	SNAP_IGNORE='status\.SigBlk$'
	local m
	for m in "sigsuspend 130" "ppoll 271" "pselect 270" "epoll_pwait 281"; do
		set -- $m
		start_call "$1" "$2"
		dump_leave_running
		wait_in_call "$2"
		kill -USR1 "$VPID"
		wait_pass "$VPID" "$1 after a --leave-running dump"
		start_call "$1" "$2"
		dump_kill
		RESTORE_STDIN=$T/in restore_bg
		wait_in_call "$2"
		kill -USR1 "$VPID"
		wait_pass "$RPID" "$1 after restore"
	done
	pass
}

# Sleeps of 20 s, each interrupted by the dump only, restored: none fails
# with EINTR, none ends early. The restore must come well within the 20 s,
# or the dump would not have interrupted the sleeps at all.
sleeps_start() {
	T0=$(date +%s)
	rm -rf "$T/ready" "$T/out" "$T/img"
	"$VICTIMS/restart" "$T" sleeps 20 >"$T/out" 2>&1 </dev/null &
	VPID=$!
	PIDS+=("$VPID")
	wait_for "$T/ready"
}
sleeps_end() {	# WAITPID
	[ $(($(date +%s) - T0)) -lt 17 ] || fail "too slow: the sleeps may have ended before the dump"
	wait "$1"
	grep -q '^PASS' "$T/out" || fail "victim did not pass"
}
t_restart_sleeps() {	# nanosleep, clock_nanosleep (relative, absolute), select, poll: dump and restore
	sleeps_start
	dump_kill
	restore_bg
	sleeps_end "$RPID"
	pass
}

# Interrupted twice: a --leave-running dump leaves the relative sleeps in
# restart_syscall, which a new task cannot have; the next dump must keep
# them sleeping. Then a restored process dumped and restored again.
t_restart_sleeps_twice() {	# the same through a --leave-running dump and a dump, then two dumps and restores
	sleeps_start
	dump_leave_running
	rm -rf "$T/img"
	dump_kill
	restore_bg
	sleeps_end "$RPID"
	sleeps_start
	dump_kill
	restore_bg
	sleep 0.5
	rm -rf "$T/img"
	dump_kill
	wait "$RPID" 2>/dev/null
	restore_bg
	sleeps_end "$RPID"
	pass
}

# A sleep made through syscall(3), left in restart_syscall by a stop and
# SIGCONT: its call cannot be told from its code, so the dump is refused,
# naming the thread, and the process sleeps on untouched.
t_restart_unknown_refused() {	# restart_syscall of a call made through syscall(3): refused, left running
	rm -f "$T/ready"
	"$VICTIMS/restart" "$T" rawsleep 8 >"$T/out" 2>&1 </dev/null &
	VPID=$!
	PIDS+=("$VPID")
	wait_for "$T/ready"
	wait_in_call 35
	kill -STOP "$VPID"
	wait_stopped
	kill -CONT "$VPID"
	wait_in_call 219
	snap_before
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "dump pid $VPID: thread $VPID: in restart_syscall of a call that cannot be told from its code: not supported" ||
		fail "unclear error: $out"
	[ -e "$T/img" ] && fail "image directory created"
	snap_check "after the refused dump"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "the sleep did not go on as it was"
	pass
}
