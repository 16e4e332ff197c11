# Sockets: each kind built, dumped, killed, restored, then checked by the
# victim itself (queues exactly once, names, options) and made to talk.

# Restores $T/img, wakes the victim and waits for its verdict.
sk_restore_check() {
	restore_bg
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with pid $(cat "$T/pidfile")"
	kill -USR1 "$VPID"
	wait "$RPID"
	local status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status): $(cat "$T/restore.err")"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
}

t_unix_sockets() {	# every unix socket kind, queues both ways, backlog, names
	start "$VICTIMS/unixsk" "$T"
	dump_kill
	sk_restore_check
	pass
}

t_unix_sockets_leave_running() {	# reading the queues leaves them as they were
	start "$VICTIMS/unixsk" "$T"
	dump_leave_running
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "victim failed after a --leave-running dump"
	pass
}

# A unix stream server outside the dump (python), printing what it gets.
sk_outside_server() {	# PATH
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
open(sys.argv[1] + ".ready", "w").write("1")
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    for line in f:
        open(sys.argv[1] + ".log", "a").write(line.decode())
        c.sendall(b"ack " + line)
' "$1" &
	PIDS+=($!)
	wait_for "$1.ready"
}

# A client of that server: says "before", waits for SIGUSR1, says "after"
# on the same socket and checks the answer.
sk_outside_client() {	# PATH
	start python3 -c '
import os, signal, socket, sys
os.closerange(3, 4096)
signal.signal(signal.SIGUSR1, lambda *a: None)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sys.argv[1])
f = c.makefile("rb")
c.sendall(b"before\n")
assert f.readline() == b"ack before\n"
open(sys.argv[2] + "/ready", "w").write(str(os.getpid()))
signal.pause()
c.sendall(b"after\n")
print("PASS" if f.readline() == b"ack after\n" else "FAIL: no answer", flush=True)
' "$1" "$T"
}

t_unix_outside_peer() {	# refused without --ext-unix-sk, target left running
	sk_outside_server "$T/srv.sock"
	sk_outside_client "$T/srv.sock"
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: fd [0-9]* (socket:\[[0-9]*\]): peer is outside the dump" ||
		fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	[ -e "$T/img" ] && fail "image directory created"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "target's connection broken by the refused dump"
	pass
}

t_unix_ext_peer() {	# --ext-unix-sk: connected again to the outside server's name
	sk_outside_server "$T/srv.sock"
	sk_outside_client "$T/srv.sock"
	dump_kill --ext-unix-sk
	sk_restore_check
	[ "$(cat "$T/srv.sock.log")" = "$(printf 'before\nafter')" ] || fail "server got: $(cat "$T/srv.sock.log")"
	pass
}

t_unix_path_taken() {	# the listener's path taken at restore time: one clear error
	start "$VICTIMS/unixsk" "$T"
	dump_kill
	python3 -c '
import os, socket, sys, time
os.unlink(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").write("1")
time.sleep(600)' "$T/listen.sock" &
	PIDS+=($!)
	wait_for "$T/listen.sock.ready"
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? != 0 ] || fail "restore succeeded"
	echo "$out" | grep -q "restore pid $VPID: socket:\[[0-9]*\]: address in use" ||
		fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	kill -0 "$VPID" 2>/dev/null && fail "half-restored process left behind"
	pass
}
