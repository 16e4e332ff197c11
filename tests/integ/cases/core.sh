# Core cases: one process, the image, the CLI. Sourced by run.sh; each
# t_NAME is the ctest "integ_NAME" (tests/CMakeLists.txt lists the t_
# functions of every file in cases/).
t_c_program() {
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill
	restore_and_check
	pass
}
t_c_program_uncompressed() {
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill --compress none --threads 1
	RESTORE_OPTS="--threads 1" restore_and_check
	pass
}
t_c_program_static() {	# statically linked, not position-independent; a session leader
	setup_files
	start setsid "$VICTIMS/state-static" "$T"
	read -r _ _ _ _ pgid sid _ <"/proc/$VPID/stat"
	[ "$sid" = "$VPID" ] && [ "$pgid" = "$VPID" ] || fail "victim is not a session leader"
	dump_kill
	RESTORE_CHECK_HOOK=check_session restore_and_check
	pass
}
t_python() {
	setup_files
	start /usr/bin/python3 "$SRC/victims/state.py" "$T"
	dump_kill --compress zstd:3
	restore_and_check
	pass
}
t_other_user() {	# a process of another user comes back with its ids, dumpable
	setup_files
	chmod 777 "$T"		# the victim writes its files as nobody
	start setpriv --reuid=65534 --regid=65534 --clear-groups "$VICTIMS/state" "$T"
	dump_kill
	RESTORE_CHECK_HOOK=check_user restore_and_check
	pass
}
t_perl() {
	setup_files
	printf 'before\nafter' >"$T/log.txt"	# this victim writes no log
	start /usr/bin/perl "$SRC/victims/state.pl" "$T"
	dump_kill
	restore_and_check
	pass
}
t_leave_running() {
	setup_files
	start "$VICTIMS/state" "$T"
	dump_leave_running
	grep -q '^State:[[:space:]]*[RS]' "/proc/$VPID/status" || fail "target not running"
	# The original goes on and passes its own checks ...
	kill -USR1 "$VPID"; sleep 0.2; kill -USR2 "$VPID"
	wait "$VPID" || fail "original failed after --leave-running dump"
	grep -q '^PASS' "$T/out" || fail "original did not pass"
	# ... and the image it left restores too, from the same point.
	: >"$T/out"
	printf 'before\n' >"$T/log.txt"
	restore_and_check
	pass
}
t_stopped() {	# a SIGSTOP'd job is dumped, and restored stopped
	setup_files
	start "$VICTIMS/state" "$T"
	kill -STOP "$VPID"
	wait_stopped
	dump_kill
	restore_bg
	rpid=$RPID
	sleep 0.3
	grep -q '^State:.*T (stopped)' "/proc/$VPID/status" || fail "restored process is not stopped"
	kill -USR1 "$VPID"; kill -USR2 "$VPID"; kill -CONT "$VPID"
	wait "$rpid" || fail "restored process failed: $(cat "$T/out")"
	grep -q '^PASS' "$T/out" || fail "victim did not pass"
	pass
}
t_leave_running_signal() {	# a signal during a --leave-running dump still interrupts pause()
	start "$VICTIMS/pause" "$T"
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R --compress zstd:19 2>"$T/dump.err" &
	x=$!
	PIDS+=("$x")
	sleep 0.3
	kill -0 "$x" 2>/dev/null || fail "dump ended too early for the test"
	kill -USR1 "$VPID"
	wait "$x" || fail "dump: $(cat "$T/dump.err")"
	for ((i = 0; i < 300; i++)); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.05; done
	grep -q WOKE "$T/out" || fail "the signal did not wake pause() after the dump"
	pass
}
t_stop_during_dump() {	# SIGSTOP in the middle of a --leave-running dump is not lost
	start "$VICTIMS/pause" "$T"
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R --compress zstd:19 2>"$T/dump.err" &
	x=$!
	PIDS+=("$x")
	sleep 0.3
	kill -STOP "$VPID"
	wait "$x" || fail "dump: $(cat "$T/dump.err")"
	sleep 0.2
	grep -q '^State:.*T (stopped)' "/proc/$VPID/status" || fail "SIGSTOP was lost: $(grep State "/proc/$VPID/status")"
	kill -CONT "$VPID"; kill -USR1 "$VPID"
	wait "$VPID" || fail "victim failed"
	pass
}
t_rseq() {	# a thread inside an rseq critical section leaves it through its abort handler
	start "$VICTIMS/rseq" "$T"
	for i in 1 2 3; do
		"$XCKPT" dump --pid "$VPID" -D "$T/img$i" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	done
	dump_kill
	restore_bg
	rpid=$RPID
	sleep 0.2
	kill -USR2 "$VPID"
	wait "$rpid"
	grep -q '^lost 0 ' "$T/out" || fail "critical section left unarmed: $(cat "$T/out")"
	pass
}
t_stopped_detach() {	# a stopped shell job restored with --detach survives xckpt's exit
	setup_files
	set -m			# job control: the victim leads its own group
	start "$VICTIMS/state" "$T"
	set +m
	read -r _ _ _ _ pgid _ <"/proc/$VPID/stat"
	[ "$pgid" = "$VPID" ] || fail "victim does not lead its group"
	kill -STOP "$VPID"
	wait_stopped
	dump_kill
	"$XCKPT" restore -D "$T/img" --detach >/dev/null 2>"$T/restore.err" || fail "restore: $(cat "$T/restore.err")"
	PIDS+=("$VPID")
	sleep 0.5
	grep -q '^State:.*T (stopped)' "/proc/$VPID/status" || fail "not stopped or gone after xckpt exited"
	kill -CONT "$VPID"; kill -USR1 "$VPID"; sleep 0.2; kill -USR2 "$VPID"
	for ((i = 0; i < 100; i++)); do grep -q '^PASS' "$T/out" && break; sleep 0.05; done
	grep -q '^PASS' "$T/out" || fail "victim did not pass: $(cat "$T/out")"
	pass
}
t_bad_pid() {
	pid=999999
	while kill -0 $pid 2>/dev/null; do pid=$((pid - 1)); done
	out=$("$XCKPT" dump --pid $pid -D "$T/img" 2>&1) && fail "dump of a missing pid succeeded"
	echo "$out" | grep -q "pid $pid" || fail "error does not name the pid: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	[ -e "$T/img" ] && fail "image directory created"
	pass
}
t_bad_kthread() {
	out=$("$XCKPT" dump --pid 2 -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid 2.*kernel thread" || fail "unclear error: $out"
	pass
}
t_bad_socket() {	# refused, named, and the target left as it was
	mode=${TEST#bad_}
	start "$VICTIMS/refuse" "$mode" "$T"
	snap_before
	maps_before=$(cat "/proc/$VPID/maps")
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	case $mode in
	socket) want="pid $VPID: fd 3 (socket:\[[0-9]*\]): netlink sockets are not supported" ;;
	lease) want="pid $VPID: fd 3 ($T/leasefile): leases and other lock kinds are not supported" ;;
	timer) want="pid $VPID: POSIX timer 0: a timer on another task's CPU clock is not supported" ;;
	mdwe) want="pid $VPID: process: PR_SET_MDWE is not restored yet" ;;
	esac
	echo "$out" | grep -q "$want" || fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	sleep 0.1
	kill -0 "$VPID" || fail "target died"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	grep -q '^State:[[:space:]]*S' "/proc/$VPID/status" || fail "target not left sleeping"
	grep -q '^SigBlk:[[:space:]]*0*$' "/proc/$VPID/status" || fail "signal mask changed"
	[ "$(cat "/proc/$VPID/maps")" = "$maps_before" ] || fail "maps changed"
	snap_check "after the refused dump"
	ls -a "$T" | grep -q xckpt-tmp && fail "temporary image left behind"
	[ -e "$T/img" ] && fail "image directory created"
	pass
}
t_bad_lease() { t_bad_socket; }
t_bad_timer() { t_bad_socket; }
t_bad_mdwe() { t_bad_socket; }
t_changed_file() {	# a file behind a mapping changed after the dump: refused, nothing created
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill
	touch -d '2001-01-01' "$T/lib.dat"
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 3 ] || fail "expected exit 3: $out"
	echo "$out" | grep -q "pid $VPID: $T/lib.dat: file changed since the dump" || fail "unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	pass
}
t_pid_in_use() {	# the original still runs: restore must refuse, not touch it
	setup_files
	start "$VICTIMS/state" "$T"
	dump_leave_running
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 1 ] || fail "expected exit 1: $out"
	echo "$out" | grep -q "pid $VPID: process: pid is in use" || fail "unclear error: $out"
	snap_check "after the refused restore"
	kill -USR1 "$VPID"; sleep 0.2; kill -USR2 "$VPID"
	wait "$VPID" || fail "original was disturbed"
	pass
}
t_interrupted() {	# SIGINT in the middle of a (slow, zstd:19) dump
	setup_files
	start "$VICTIMS/state" "$T"
	snap_before
	maps_before=$(cat "/proc/$VPID/maps")
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --compress zstd:19 2>"$T/dump.err" &
	x=$!
	PIDS+=("$x")
	sleep 0.5
	kill -INT "$x"
	wait "$x" && fail "dump was not interrupted"
	grep -q "pid $VPID: process: stopped by Interrupt" "$T/dump.err" || fail "unclear error: $(cat "$T/dump.err")"
	[ -e "$T/img" ] && fail "image directory created"
	ls -a "$T" | grep -q xckpt-tmp && fail "temporary image left behind"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	[ "$(cat "/proc/$VPID/maps")" = "$maps_before" ] || fail "maps changed"
	snap_check "after the interrupted dump"
	kill -USR1 "$VPID"; sleep 0.2; kill -USR2 "$VPID"
	wait "$VPID" || fail "target was disturbed"
	grep -q '^PASS' "$T/out" || fail "target did not pass its own checks"
	pass
}
t_cli() {
	"$XCKPT" --version | grep -q '^xckpt [0-9]' || fail "--version"
	for c in "" dump restore show check; do
		"$XCKPT" $c --help | grep -q '^usage: xckpt' || fail "$c --help"
	done
	out=$("$XCKPT" dump -D "$T/img" 2>&1); [ $? = 2 ] || fail "missing --pid: exit 2 expected"
	echo "$out" | grep -q -- "--pid is required" || fail "missing --pid: $out"
	"$XCKPT" frobnicate 2>/dev/null; [ $? = 2 ] || fail "unknown command: exit 2 expected"
	"$XCKPT" restore -D "$T/img" --pid 3 2>/dev/null; [ $? = 2 ] || fail "wrong option: exit 2 expected"
	"$XCKPT" dump --pid 1 -D "$T/img" --compress lz4 2>/dev/null; [ $? = 2 ] || fail "bad codec"
	out=$("$XCKPT" restore -D "$T/nothing" 2>&1); [ $? = 1 ] || fail "missing image: $out"
	echo "$out" | grep -q "nothing: open image directory: No such file" || fail "missing image: $out"
	"$XCKPT" check >"$T/check.txt" || fail "check: $(cat "$T/check.txt")"
	grep -q "clone3 set_tid *ok" "$T/check.txt" || fail "check output"
	pass
}
t_other_vdso() {	# well-formed image from another kernel / CPU: refused
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill
	f=$T/img/proc-$VPID.img
	if [ $TEST = other_vdso ]; then	# VDSO record: vdso_crc at payload offset 32
		"$SRC/patch-record.py" "$f" 18 32 efbeadde || fail "patch"
		want="\[vdso\]: vDSO differs from the dumping kernel's"
	else				# XSTATE record: features at payload offset 8, bit 62
		"$SRC/patch-record.py" "$f" 14 15 40 || fail "patch"
		want="CPU lacks vector state the image holds"
	fi
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 3 ] || fail "expected exit 3: $out"
	echo "$out" | grep -q "pid $VPID: .*$want" || fail "unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	pass
}
t_other_cpu() { t_other_vdso; }
t_many_maps() {	# 4000 mappings, protections, madvise flags and huge pages come back
	start "$VICTIMS/maps" "$T"
	nmaps=$(wc -l <"/proc/$VPID/maps")
	thp=$(awk '/^AnonHugePages/ {print $2}' "/proc/$VPID/smaps_rollup")
	perms=$(awk '{print $1, $2}' "/proc/$VPID/maps" | sort | md5sum)
	dump_kill
	"$XCKPT" restore -D "$T/img" --detach --pidfile "$T/pidfile" >/dev/null 2>"$T/restore.err" ||
		fail "restore: $(cat "$T/restore.err")"
	PIDS+=("$VPID")
	[ "$(wc -l <"/proc/$VPID/maps")" = "$nmaps" ] || fail "mapping count changed"
	[ "$(awk '{print $1, $2}' "/proc/$VPID/maps" | sort | md5sum)" = "$perms" ] ||
		fail "mappings or protections changed"
	[ "$(grep -c ' dd' "/proc/$VPID/smaps")" -ge 500 ] || fail "MADV_DONTDUMP lost"
	if [ "$thp" -gt 0 ]; then
		now=$(awk '/^AnonHugePages/ {print $2}' "/proc/$VPID/smaps_rollup")
		[ "$now" -ge "$thp" ] || fail "huge pages lost ($thp kB before, $now kB after)"
	fi
	kill -USR2 "$VPID"
	for ((i = 0; i < 100; i++)); do grep -q PASS "$T/out" && break; sleep 0.05; done
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore"
	pass
}
t_killed() {	# SIGKILL to xckpt in the middle of a (slow) dump: target unharmed
	setup_files
	start "$VICTIMS/state" "$T"
	snap_before
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --compress zstd:19 2>"$T/dump.err" &
	x=$!
	PIDS+=("$x")
	sleep 0.5
	kill -KILL "$x"
	wait "$x" 2>/dev/null
	[ -e "$T/img" ] && fail "image directory looks complete"
	for ((i = 0; i < 50; i++)); do grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" && break; sleep 0.02; done
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	grep -q '^SigBlk:[[:space:]]*fffffffffffffff[ef]$' "/proc/$VPID/status" && fail "signal mask left all blocked"
	snap_check "after xckpt was killed"
	kill -USR1 "$VPID"; sleep 0.2; kill -USR2 "$VPID"
	wait "$VPID" || fail "target was harmed: $(cat "$T/out")"
	grep -q '^PASS' "$T/out" || fail "target did not pass its own checks"
	pass
}
bad_image_case() {
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill
	f=$T/img/proc-$VPID.img
	case $TEST in
	bad_image_truncated) truncate -s $(($(stat -c %s "$f") - 100)) "$f" ;;
	bad_image_bitflip)	# one bit in the middle of the page data
		p=$T/img/pages-$VPID.img
		off=$(($(stat -c %s "$p") / 2))
		b=$(od -An -tu1 -j $off -N1 "$p" | tr -d ' ')
		printf "$(printf '\\%03o' $((b ^ 4)))" | dd of="$p" bs=1 seek=$off conv=notrunc 2>/dev/null ;;
	bad_image_version) printf '\x63' | dd of="$f" bs=1 seek=8 conv=notrunc 2>/dev/null ;;
	esac
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 3 ] || fail "expected exit 3: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	echo "$out" | grep -q "img: offset [0-9]*" || fail "error does not say where: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	pass
}
t_bad_image_truncated() { bad_image_case; }
t_bad_image_bitflip() { bad_image_case; }
t_bad_image_version() { bad_image_case; }
t_show() {
	setup_files
	start "$VICTIMS/state" "$T"
	dump_kill
	"$XCKPT" show -D "$T/img" >"$T/show.txt" || fail "show failed"
	grep -q "pid $VPID (xc-victim)" "$T/show.txt" || fail "show: no process line"
	grep -q "vec_loop\|loop_avx" "$T/show.txt" || fail "show: no stack"
	"$XCKPT" show -D "$T/img" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["pid"] > 0 and j["mappings"] and j["fds"] and j["registers"][0]["rip"]
assert any("loop" in f["symbol"] for f in j["stack"])
' || fail "show --json"
	pass
}
