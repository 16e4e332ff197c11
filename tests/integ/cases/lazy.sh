# Lazy restore (--lazy): the process runs at once and its private memory
# comes in on demand and in the background from the page server.

# The page server's pid, as -v names it in restore.err.
lazy_server() {
	sed -n 's/.*page server pid \([0-9]*\):.*/\1/p' "$T/restore.err" | head -1
}

# Until the page server is gone; it must have brought every page in and
# left no mapping registered with a userfaultfd.
wait_pages_in() {
	local s i
	s=$(lazy_server)
	[ -n "$s" ] || fail "no page server: $(cat "$T/restore.err")"
	PIDS+=("$s")
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$s" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$s" 2>/dev/null && fail "page server $s still running after 60 s"
	grep -q "every page in after" "$T/restore.err" || fail "page server: $(cat "$T/restore.err")"
	for p in "$VPID" "$@"; do
		grep -Eq '^VmFlags:.* (um|uw|ui)( |$)' "/proc/$p/smaps" &&
			fail "pid $p: a mapping is still registered: $(grep -E '^VmFlags:.* um' "/proc/$p/smaps" | head -1)"
	done
	return 0
}

wait_verdict() {
	for ((i = 0; i < 1200; i++)); do
		grep -q '^PASS\|^FAIL' "$T/out" && break
		sleep 0.05
	done
	grep -q '^PASS' "$T/out" || fail "victim: $(cat "$T/out")"
}

# Dump a lazymem victim; the comparison with the snapshot waits until
# every page is in (a registered mapping shows in VmFlags until then).
lazy_dump() {	# MIB THREADS CHILDREN
	start "$VICTIMS/lazymem" "$T" "$@"
	dump_kill
	mv "$T/snap.before" "$T/snap.lazy"
}

# The restored victim touches its memory, says its verdict; every page in, it ends.
lazy_finish() {
	kill -USR1 "$VPID"
	wait_verdict
	wait_pages_in
	kill -TERM "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	pass
}

# Restore lazily and have every process touch its memory at once.
lazy_touch() {	# MIB THREADS CHILDREN
	lazy_dump "$@"
	RESTORE_OPTS="--lazy -v" restore_bg
	lazy_finish
}

t_lazy_threads() { lazy_touch 64 4 0; }	# threads fault at once; written, dropped, moved and forked pages right
t_lazy_exact() {	# once every page is in, nothing differs from before the dump
	lazy_dump 48 2 0
	RESTORE_OPTS="--lazy -v" restore_bg
	wait_pages_in
	mv "$T/snap.lazy" "$T/snap.before"
	# The victim's own pipe (its threads wait on it) is a new pipe.
	SNAP_IGNORE='^fd\.[56]\.(ino|link)$' snap_check "after every page came in"
	kill -USR1 "$VPID"
	wait_verdict
	kill -TERM "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	pass
}

t_lazy_tree() { lazy_touch 24 2 3; }	# a tree: one userfaultfd per process, all served from one loop

t_lazy_detach() {	# --detach returns while the page server stays
	local pid
	lazy_dump 48 2 0
	pid=$("$XCKPT" restore -D "$T/img" --lazy --detach -v 2>"$T/restore.err") ||
		fail "restore: $(cat "$T/restore.err")"
	[ "$pid" = "$VPID" ] || fail "restored as '$pid'"
	PIDS+=("$VPID")
	kill -USR1 "$VPID"
	wait_verdict
	wait_pages_in
	pass
}

t_lazy_restorer_killed() {	# the restoring xckpt killed: the page server goes on
	lazy_dump 64 2 0
	RESTORE_OPTS="--lazy -v" restore_bg
	kill -9 "$RPID"
	kill -USR1 "$VPID"
	wait_verdict
	wait_pages_in
	pass
}

t_lazy_chain() {	# an incremental chain: each page from the image that holds it
	start "$VICTIMS/pagegen" "$T" 24
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	kill -USR1 "$VPID"
	wait_for "$T/gen1"
	dump_kill --parent "$T/d0"
	mv "$T/snap.before" "$T/snap.lazy"
	RESTORE_OPTS="--lazy -v" restore_bg
	kill -USR2 "$VPID"
	wait_pages_in
	wait "$RPID"
	grep -qx "PASS gen 1" "$T/out" || fail "memory after restore: $(tail -1 "$T/out")"
	pass
}

t_lazy_damaged() {	# a block damaged after the restore began: the process is killed, named
	local size status
	lazy_dump 48 1 0
	size=$(stat -c %s "$T/img/pages-$VPID.img")
	# Inside R, the bulk of the lazy memory, well past the eager heap.
	printf '\x5a\xa5\x5a\xa5' | dd of="$T/img/pages-$VPID.img" bs=1 seek=$((size / 2)) conv=notrunc \
		status=none
	"$XCKPT" restore -D "$T/img" --lazy -v --pidfile "$T/pidfile" 2>"$T/restore.err" &
	RPID=$!
	PIDS+=("$RPID")
	wait "$RPID"
	status=$?
	# 137: the process was killed once running; 1: killed before the
	# restore was done (the page server starts at once).
	[ "$status" = 137 ] || [ "$status" = 1 ] ||
		fail "xckpt restore exited $status: $(cat "$T/restore.err")"
	kill -0 "$VPID" 2>/dev/null && fail "the process still runs"
	grep -q "^xckpt: restore pid $VPID: pages-$VPID.img: block [0-9]*: serve pages lazily: Bad message (process killed)$" \
		"$T/restore.err" || fail "no error line naming the block: $(cat "$T/restore.err")"
	pass
}

t_lazy_server_killed() {	# page server killed (SIGKILL) before every page is in: no zeros, the process is killed
	local s status
	lazy_dump 256 1 0
	RESTORE_OPTS="--lazy -v" restore_bg
	s=$(lazy_server)
	[ -n "$s" ] || fail "no page server: $(cat "$T/restore.err")"
	kill -9 "$s" || fail "page server $s already gone"
	wait "$RPID"
	status=$?
	[ "$status" = 137 ] || fail "xckpt restore exited $status, not 137: $(cat "$T/restore.err")"
	grep -q "^xckpt: restore: page server pid $s: killed by signal 9 before every page was in: 1 waiting processes killed$" \
		"$T/restore.err" || fail "no error line from the guard: $(cat "$T/restore.err")"
	pass
}

t_lazy_pidns() {	# --pidns: a forked child's thread ids are not the page server's
	local orig
	lazy_dump 32 2 1
	orig=$VPID
	RESTORE_OPTS="--lazy --pidns -v" restore_bg
	VPID=$(cat "$T/pidfile")
	PIDS+=("$VPID")
	grep -q "^NSpid:[[:space:]]*$VPID[[:space:]]*$orig\$" "/proc/$VPID/status" ||
		fail "not in a pid namespace: $(grep NSpid "/proc/$VPID/status")"
	lazy_finish
}
