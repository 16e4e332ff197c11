# Who may restore what: an ordinary user with a capable binary runs the
# whole periodic → kill → resume cycle; root restoring a user's image
# becomes that user, and refuses an image that claims other ids.

user_setup() {	# a copy of xckpt with CAP_CHECKPOINT_RESTORE, a directory of nobody's
	command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
	chmod 755 "$T"
	mkdir -p "$T/bin" "$T/u"
	cp "$XCKPT" "$T/bin/xckpt"
	setcap cap_checkpoint_restore+ep "$T/bin/xckpt" || skip "this filesystem takes no file capabilities"
	chown 65534:65534 "$T/u"
	UX=$T/bin/xckpt
}
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)	# not a function: "&" would fork a subshell

t_user_run_cycle() {	# xckpt run as nobody: three generations, SIGKILL, resume
	local L=$T/u/job.log status k
	user_setup
	"${NOBODY[@]}" sh -c 'exec "$0" run -D "$1/job" --interval 0.5s -- "$2" "$1/job.log" 300 20 \
		>"$1/out" 2>"$1/err" </dev/null' "$UX" "$T/u" "$VICTIMS/job" &
	RUNPID=$!
	PIDS+=("$RUNPID")
	for ((i = 0; i < 400; i++)); do [ -d "$T/u/job/gen-000003" ] && break; sleep 0.05; done
	[ -d "$T/u/job/gen-000003" ] || fail "no third generation: $(cat "$T/u/err")"
	jpid=$(awk '/^fresh/ {print $2}' "$L")
	PIDS+=("$jpid")
	[ "$(stat -c %u "/proc/$jpid")" = 65534 ] || fail "job is not nobody's"
	kill -STOP "$RUNPID"; kill -9 "$jpid"; kill -9 "$RUNPID"; wait "$RUNPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.02; done
	k=$(grep -c '^step' "$L")
	"${NOBODY[@]}" sh -c '"$0" run -D "$1/job" -- "$2" "$1/job.log" 300 20 >"$1/out2" 2>"$1/err2" </dev/null' \
		"$UX" "$T/u" "$VICTIMS/job" &
	rpid=$!
	PIDS+=("$rpid")
	for ((i = 0; i < 200; i++)); do
		grep -q '^fresh' "$T/u/err2" 2>/dev/null && break
		[ "$(grep -c '^step' "$L")" -gt "$k" ] && break
		sleep 0.05
	done
	grep -E '^(Uid|CapPrm|CapEff)' "/proc/$jpid/status" >"$T/ids" 2>/dev/null || fail "job not restored: $(cat "$T/u/err2")"
	grep -q '^Uid:[[:space:]]*65534[[:space:]]65534[[:space:]]65534[[:space:]]65534$' "$T/ids" || fail "ids: $(cat "$T/ids")"
	grep -q '^CapPrm:[[:space:]]*0*$' "$T/ids" && grep -q '^CapEff:[[:space:]]*0*$' "$T/ids" ||
		fail "the restored job kept xckpt's capabilities: $(cat "$T/ids")"
	wait "$rpid"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/u/err2")"
	# Its stdout was the first run's file, and is again.
	grep -q '^DONE steps=300 sum=45150$' "$T/u/out" || fail "job did not finish right: $(cat "$T/u/out" "$T/u/err2")"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	pass
}

# A job of nobody's, dumped by nobody into nobody's directory.
user_image() {
	user_setup
	"${NOBODY[@]}" sh -c 'exec "$0" "$1/job.log" 100000 20 >/dev/null 2>&1 </dev/null' "$VICTIMS/job" "$T/u" &
	VPID=$!
	PIDS+=("$VPID")
	for ((i = 0; i < 200; i++)); do grep -q '^step' "$T/u/job.log" 2>/dev/null && break; sleep 0.05; done
	"${NOBODY[@]}" "$UX" dump --pid "$VPID" -D "$T/u/img" 2>"$T/dump.err" || fail "dump as nobody: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null
}

t_user_image_root_restores() {	# root restoring nobody's image restores it as nobody, no capabilities
	local n
	user_image
	"$XCKPT" restore -D "$T/u/img" --detach >/dev/null 2>"$T/restore.err" || fail "restore: $(cat "$T/restore.err")"
	grep -q '^Uid:[[:space:]]*65534[[:space:]]65534[[:space:]]65534[[:space:]]65534$' "/proc/$VPID/status" ||
		fail "ids: $(grep Uid "/proc/$VPID/status")"
	grep -q '^CapPrm:[[:space:]]*0*$' "/proc/$VPID/status" || fail "capabilities: $(grep Cap "/proc/$VPID/status")"
	n=$(grep -c '^step' "$T/u/job.log")
	sleep 0.3
	[ "$(grep -c '^step' "$T/u/job.log")" -gt "$n" ] || fail "the restored job does not run"
	pass
}

t_user_image_claims_root() {	# a user's image edited to claim uid 0: refused by root, nothing created
	local out
	user_image
	# CREDS record (kind 19): uid, euid, suid, fsuid first; the user can
	# recompute every checksum, so the image is well-formed.
	python3 "$SRC/patch-record.py" "$T/u/img/proc-$VPID.img" 19 0 00000000000000000000000000000000 ||
		fail "patch"
	out=$("$XCKPT" restore -D "$T/u/img" 2>&1)
	[ $? = 3 ] || fail "expected exit 3: $out"
	echo "$out" | grep -q "pid $VPID: credentials (uid 0/0/0/0, directory owned by uid 65534): refused" ||
		fail "unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	# Claiming root's group is refused the same way.
	python3 "$SRC/patch-record.py" "$T/u/img/proc-$VPID.img" 19 0 feff0000feff0000feff0000feff000000000000 ||
		fail "patch"
	out=$("$XCKPT" restore -D "$T/u/img" 2>&1)
	[ $? = 3 ] && echo "$out" | grep -q "claims a group" || fail "group 0 not refused: $out"
	# And another user cannot restore it at all.
	chmod -R a+rX "$T/u/img"
	out=$(setpriv --reuid=1 --regid=1 --clear-groups "$UX" restore -D "$T/u/img" 2>&1)
	[ $? != 0 ] && echo "$out" | grep -q "belongs to another user" || fail "uid 1 restored nobody's image: $out"
	pass
}
