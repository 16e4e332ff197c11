# Event objects behind fds: each kind built by the victim, dumped, killed,
# restored, then shown by the victim to hold its state and still work.

# Restore, let the victim run its checks, and wait for its verdict.
events_restore_check() {
	restore_bg
	local rpid=$RPID
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with pid $(cat "$T/pidfile"), not $VPID"
	touch "$T/go"
	wait "$rpid"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status)"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
}

# One victim mode per test, named after it. eventfd-id is a number the
# kernel hands out system-wide (the lowest free one) and no call sets:
# never compared. EXTRA_IGNORE adds what a test changes on purpose.
events_case() {
	SNAP_IGNORE="^fd\.[0-9]+\.eventfd-id\$${EXTRA_IGNORE:+|$EXTRA_IGNORE}"
	start "$VICTIMS/events" "${TEST}" "$T"
	dump_kill
	events_restore_check
	pass
}
t_eventfd() { events_case; }
t_timerfd() {
	# Time left runs on between the snapshot and the dump, and for the
	# absolute timer during the dump too; the victim checks it is sane.
	# The fast timer (fd 4) fires every 300 ms, so its unread count too
	# may grow meanwhile; the victim checks it still fires.
	EXTRA_IGNORE='^fd\.[0-9]+\.it_value$|^fd\.4\.ticks$' events_case
}
t_signalfd() { events_case; }
t_epoll() { events_case; }
t_posix_timer() { events_case; }
t_inotify() {
	# inspect keys fdinfo lines by name: every watch's "inotify wd" line
	# takes one key, in an order of kernel addresses. The victim compares
	# its watches itself, sorted.
	EXTRA_IGNORE='^fd\.[0-9]+\.inotify wd$' events_case
}

t_events_shared() {	# every event object and a pty, shared by parent and child
	SNAP_IGNORE='^fd\.[0-9]+\.(eventfd-id|it_value|inotify wd)$'
	start "$VICTIMS/events" shared "$T"
	child=$(cat "/proc/$VPID/task/$VPID/children")
	[ -n "$child" ] || fail "no child"
	PIDS+=($child)
	dump_kill
	# show names every process of the image
	"$XCKPT" show -D "$T/img" >"$T/show.txt" || fail "show"
	for p in $VPID $child; do
		grep -Eq "^  pid $p \(events\), parent [0-9]+, session [0-9]+, group [0-9]+: 1 thread, 10 fds, [0-9]+ mappings" "$T/show.txt" ||
			fail "show: no line for $p: $(cat "$T/show.txt")"
	done
	"$XCKPT" show -D "$T/img" --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["processes"]
assert [x["pid"] for x in p] == [int(a) for a in sys.argv[1:]], p
assert all(x["threads"] == 1 and x["fds"] == 10 and x["mappings"] > 0 for x in p), p' $VPID $child ||
		fail "show --json: no processes"
	events_restore_check
	pass
}

t_pty() {	# a session leader on a pty pair it opened
	SNAP_IGNORE='^fd\.[0-9]+\.eventfd-id$'
	start setsid "$VICTIMS/events" pty "$T"
	dump_kill
	events_restore_check
	pass
}

t_tty_user() {	# on the user's terminal: restored onto xckpt's, with its termios
	# The victim runs under script(1), in the session of its shell, on a
	# pty that goes away with them; xckpt restores it under another. What
	# names that terminal and its session must change.
	SNAP_IGNORE='^fd\.[0-9]\.(link|ino|mnt_id)$|(^|\.)stat\.(tty_nr|tpgid|pgrp|session)$|(^|\.)status\.(NSsid|NSpgid)$'
	on_a_terminal "'$VICTIMS/events' ttyuser '$T'"
	touch "$T/go"
	wait "$RPID"
	# On a terminal, xckpt's progress bar comes first on the line.
	grep -q 'PASS' "$T/out2" && ! grep -q 'FAIL' "$T/out2" ||
		fail "victim did not pass after restore: $(cat "$T/out2")"
	pass
}

t_seccomp() {	# the filters come back, after the restore's own calls, and still kill
	start "$VICTIMS/events" seccomp "$T"
	dump_kill
	restore_bg
	local rpid=$RPID
	touch "$T/go"
	wait "$rpid"
	status=$?
	grep -q '^CHECKED' "$T/out" || fail "victim did not check its filters (status $status)"
	[ "$status" = $((128 + 31)) ] || fail "uname did not kill it with SIGSYS (status $status)"
	pass
}

t_bad_events() {	# what the event objects cannot bring back: refused, named
	local mode want who
	for mode in inotify_queued inotify_deleted epoll_stale pty_session pty_child; do
		who=
		case $mode in
		pty_child) who='[0-9]*' want="fd 0 (/dev/pts/[0-9]*): a pty whose master another process of the tree ([0-9]*) holds is not supported" ;;
		pty_session) want="pty [0-9]* (terminal of pid [0-9]* too): a pty that is the controlling terminal of other processes of its session is not supported yet" ;;
		inotify_deleted) want="fd 3 (anon_inode:inotify): watch 1: the watched file has no path any more" ;;
		inotify_queued) want="fd 3 (anon_inode:inotify): inotify with events not read yet" ;;
		epoll_stale) want="fd 3 (anon_inode:\[eventpoll\]): watches a file the process no longer holds at fd 4" ;;
		esac
		start "$VICTIMS/events" $mode "$T"
		out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
		[ $? = 4 ] || fail "$mode: expected exit 4: $out"
		echo "$out" | grep -q "pid ${who:-$VPID}: $want" || fail "$mode: unclear error: $out"
		kill -0 "$VPID" || fail "$mode: target died"
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "$mode: still traced"
		[ -e "$T/img" ] && fail "$mode: image directory created"
		kill -9 "$VPID"
		rm -rf "$T/made"
	done
	pass
}

t_bad_anon_kinds() {	# io_uring, fanotify, userfaultfd, perf events, bpf, pidfds: refused, named; left running
	local kind want out
	for kind in io_uring fanotify userfaultfd perf bpf pidfd; do
		case $kind in
		io_uring) want="\[io_uring\]): io_uring is not supported" ;;
		fanotify) want="\[fanotify\]): fanotify is not supported" ;;
		userfaultfd) want="\[userfaultfd\]): userfaultfd is not supported" ;;
		perf) want="\[perf_event\]): perf events are not supported" ;;
		bpf) want="bpf-map): bpf objects are not supported" ;;
		pidfd) want="\[pidfd\]): pidfds are not supported" ;;
		esac
		start /usr/bin/python3 -c '
import ctypes, os, sys, time
os.closerange(3, 4096)
libc = ctypes.CDLL(None, use_errno=True)
kind = sys.argv[2]
if kind == "io_uring":
    fd = libc.syscall(425, 4, ctypes.create_string_buffer(120))
elif kind == "fanotify":
    fd = libc.syscall(300, 0, 0)
elif kind == "userfaultfd":
    fd = libc.syscall(323, os.O_CLOEXEC)
elif kind == "perf":	# PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, this process
    attr = ctypes.create_string_buffer(128)
    ctypes.memmove(attr, (1).to_bytes(4, "little") + (128).to_bytes(4, "little") +
                   (1).to_bytes(8, "little"), 16)
    fd = libc.syscall(298, attr, 0, -1, -1, 0)
elif kind == "bpf":	# BPF_MAP_CREATE: an array of one u32
    attr = ctypes.create_string_buffer(128)
    ctypes.memmove(attr, b"".join(v.to_bytes(4, "little") for v in (2, 4, 4, 1)), 16)
    fd = libc.syscall(321, 0, attr, 128)
else:
    fd = libc.syscall(434, os.getpid(), 0)
assert fd == 3, (kind, fd, ctypes.get_errno())
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T" $kind
		out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
		[ $? = 4 ] || fail "$kind: expected exit 4: $out"
		echo "$out" | grep -q "pid $VPID: fd 3 (anon_inode:$want" || fail "$kind: unclear error: $out"
		[ "$(echo "$out" | wc -l)" = 1 ] || fail "$kind: more than one error line: $out"
		kill -0 "$VPID" || fail "$kind: target died"
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "$kind: target still traced"
		[ -e "$T/img" ] && fail "$kind: image directory created"
		kill -9 "$VPID"
	done
	pass
}
