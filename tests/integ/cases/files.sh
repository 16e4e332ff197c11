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
