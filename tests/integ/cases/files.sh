# Open files: each case runs the files victim in one mode (victims/files.c),
# dumps, kills and restores it, then lets it check its own files.

# Restore from $T/img, let the victim run its checks (SIGUSR1), and require
# PASS from it and a zero exit from xckpt restore.
files_restore_check() {
	local status
	restore_bg
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with pid $(cat "$T/pidfile"), not $VPID"
	[ -n "${RESTORE_CHECK_HOOK:-}" ] && $RESTORE_CHECK_HOOK
	kill -USR1 "$VPID"
	wait "$RPID"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status)"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
}

t_files_dup() {	# dup/dup2/F_DUPFD/dup3: one description, offset and flags shared
	setup_files
	start "$VICTIMS/files" dup "$T"
	dump_kill
	files_restore_check
	pass
}
t_files_flags() {	# every open flag, access mode, offset; a half-listed directory; devices
	start "$VICTIMS/files" flags "$T"
	dump_kill
	files_restore_check
	pass
}
t_files_locks() {	# flock, POSIX and OFD locks held again, against other processes
	start "$VICTIMS/files" locks "$T"
	dump_kill
	"$XCKPT" show -D "$T/img" | grep -q "posix write start 10 len 10\$" || fail "show: no lock"
	RESTORE_CHECK_HOOK=files_locks_held files_restore_check
	pass
}
files_locks_held() {	# from outside: util-linux flock(1), /proc/locks
	flock -n -x "$T/lock-flock" true && fail "flock lock not held after restore"
	flock -n -s "$T/lock-shared" true || fail "shared flock lock not shareable"
	grep -q "POSIX  ADVISORY  WRITE $VPID .* 10 19\$" /proc/locks ||
		fail "POSIX lock not in the restored process's name: $(grep "$VPID" /proc/locks)"
}

# python3's sqlite3 in WAL mode, mid-transaction with its locks: another
# process can read the committed rows but not write, before the dump and
# after the restore; the transaction commits after restore and the database
# checks out.
sqlite_locked() {	# $1: when
	local out
	out=$(sqlite3 "$T/test.db" "INSERT INTO t(v) VALUES ('intruder')" 2>&1) &&
		fail "$1: another process could write: $out"
	echo "$out" | grep -q "database is locked" || fail "$1: unexpected: $out"
	out=$(sqlite3 "$T/test.db" "SELECT count(*) FROM t" 2>&1)
	[ "$out" = 1000 ] || fail "$1: another process reads $out rows, not the 1000 committed"
}
sqlite_locked_after() { sqlite_locked "after restore"; }
t_files_sqlite_wal() {
	start /usr/bin/python3 "$SRC/victims/sqlite_wal.py" "$T"
	sqlite_locked "before dump"
	dump_kill
	RESTORE_CHECK_HOOK=sqlite_locked_after files_restore_check
	out=$(sqlite3 "$T/test.db" "PRAGMA integrity_check" 2>&1)
	[ "$out" = ok ] || fail "integrity_check: $out"
	out=$(sqlite3 "$T/test.db" "SELECT count(*) FROM t" 2>&1)
	[ "$out" = 3001 ] || fail "$out rows after commit, not 3001"
	sqlite3 "$T/test.db" "INSERT INTO t(v) VALUES ('later')" || fail "cannot write once released"
	pass
}

# A file changed between dump and restore: refused, naming it, nothing
# created; a moved one restores with --file-map. The log the process only
# writes may grow meanwhile (a job resumed from an older checkpoint).
files_refused() {	# WHAT EXPECTED-ERROR [restore options]
	local what=$1 want=$2 out
	shift 2
	out=$("$XCKPT" restore -D "$T/img" "$@" 2>&1)
	[ $? = 3 ] || fail "$what: expected exit 3: $out"
	echo "$out" | grep -q "restore pid $VPID: $want" || fail "$what: unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "$what: a process was created"
}
t_files_changed() {
	mkdir "$T/d"
	printf '0123456789' >"$T/d/data.txt"
	start "$VICTIMS/files" moved "$T"
	dump_kill
	echo "grown" >>"$T/log.out"		# write-only: may grow
	cp -p "$T/d/data.txt" "$T/keep"
	echo x >>"$T/d/data.txt"
	files_refused modified "fd 3 ($T/d/data.txt): file was modified since the dump"
	cp -p "$T/keep" "$T/d/copy" && mv "$T/d/copy" "$T/d/data.txt"
	files_refused replaced "fd 3 ($T/d/data.txt): file was replaced since the dump"
	mv "$T/d" "$T/e"
	files_refused moved "fd 3 ($T/d/data.txt): file was moved or removed since the dump"
	files_refused "moved elsewhere" "fd 3 ($T/x/data.txt): file is not at its --file-map path" \
		--file-map "$T/d=$T/x"
	"$XCKPT" restore -D "$T/img" --file-map "$T/d" 2>&1 | grep -q "file-map wants OLD=NEW" ||
		fail "a malformed --file-map is not refused"
	# The copy under its new name: the same content, another inode and path.
	SNAP_IGNORE='^fd\.3\.(link|ino)$' RESTORE_OPTS="--file-map $T/d/=$T/e" files_restore_check
	[ "$(cat "$T/log.out")" = "$(printf 'one\ngrown\ntwo')" ] || fail "log: $(cat "$T/log.out")"
	pass
}
t_files_ghost() {	# deleted files and memfds, open and mapped: content saved and made again
	start "$VICTIMS/files" ghost "$T"
	dump_kill
	"$XCKPT" show -D "$T/img" >/dev/null || fail "show"
	# Made again from their content, they are new inodes.
	SNAP_IGNORE='^fd\.[3-6]\.ino$' files_restore_check
	pass
}
t_files_fifo() {	# FIFOs: unread data and capacity kept, and they carry data after
	start "$VICTIMS/files" fifo "$T"
	dump_kill
	files_restore_check
	pass
}
t_files_fifo_external() {	# a FIFO someone outside holds: refused, or kept with --ext-pipe
	local out holder
	start "$VICTIMS/files" fifo "$T"
	sleep 1000 <>"$T/fifo1" &
	holder=$!
	PIDS+=("$holder")
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: fd 3 ($T/fifo1): FIFO is also open in pid $holder, outside the dump" ||
		fail "unclear error: $out"
	kill -0 "$VPID" || fail "target died"
	[ -e "$T/img" ] && fail "image directory created"
	dump_kill --ext-pipe
	files_restore_check	# the unread data stayed in the FIFO, with its holder
	pass
}
t_files_devtty() {	# /dev/tty past stdio: the terminal the process is restored on
	# Under script(1) on a pty that goes away with it; restored under
	# another. What names that terminal and its session must change.
	SNAP_IGNORE='^fd\.[0-2]\.(link|ino|mnt_id)$|(^|\.)stat\.(tty_nr|tpgid|pgrp|session)$|(^|\.)status\.(NSsid|NSpgid)$'
	on_a_terminal "'$VICTIMS/files' devtty '$T'"
	kill -USR1 "$VPID"
	wait "$RPID"
	grep -q 'PASS' "$T/out2" && ! grep -q 'FAIL' "$T/out2" && grep -q 'tty-ok' "$T/out2" ||
		fail "victim did not pass after restore: $(cat "$T/out2")"
	pass
}
t_files_tty_leader() {	# a session leader on the user's terminal, with a job in the foreground
	# Started as script(1)'s command (the session leader of its pty, as a
	# login shell is), restored by an xckpt that leads the session of
	# another pty: that terminal becomes the restored session's. What
	# names the terminal changes.
	SNAP_IGNORE='(^|\.)stat\.tty_nr$'
	rm -f "$T/ready"
	script -qec "exec '$VICTIMS/files' ttylead '$T'" /dev/null >"$T/out" 2>&1 </dev/null &
	PIDS+=($!)
	wait_for "$T/ready"
	VPID=$(cat "$T/ready")
	PIDS+=("$VPID" $(cat "/proc/$VPID/task/$VPID/children"))
	dump_kill
	# An xckpt that does not lead its terminal's session (its shell
	# does) cannot give the terminal away: refused before anything is made.
	script -qec "'$XCKPT' restore -D '$T/img'; echo status \$?" /dev/null >"$T/out1" 2>&1 </dev/null
	grep -q "restore pid $VPID: controlling terminal (session [0-9]*): it led a session on its terminal, and this terminal belongs to another session" "$T/out1" &&
		grep -q "status 4" "$T/out1" || fail "restore under a shell: $(cat "$T/out1")"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	script -qec "exec '$XCKPT' restore -D '$T/img' --pidfile '$T/pidfile'" /dev/null \
		>"$T/out2" 2>&1 </dev/null &
	RPID=$!
	PIDS+=("$RPID")
	wait_for "$T/pidfile"
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored as $(cat "$T/pidfile"): $(cat "$T/out2")"
	snap_check
	kill -USR1 "$VPID"
	wait "$RPID"
	grep -q 'PASS' "$T/out2" && ! grep -q 'FAIL' "$T/out2" && grep -q 'lead-ok' "$T/out2" ||
		fail "victim did not pass after restore: $(cat "$T/out2")"
	pass
}
