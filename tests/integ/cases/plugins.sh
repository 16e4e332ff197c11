# Plugins (docs/plugins.md): the example plugin's record survives dump and
# restore, and a rewritten record is what the process gets (so the test can
# fail).

slack_run() {	# DUMP_OPTS... : dump, restore, print the slack the process finds
	start "$VICTIMS/slack" "$T" 123457
	[ "$(cat "/proc/$VPID/timerslack_ns")" = 123457 ] || fail "victim did not set its slack"
	dump_kill "$@"
	restore_bg
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with another pid"
	SLACK_SEEN=$(cat "/proc/$VPID/timerslack_ns")
	kill -USR1 "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
}

t_plugin_example() {
	slack_run --plugin-example
	[ "$SLACK_SEEN" = 123457 ] || fail "timer slack after restore: $SLACK_SEEN"
	grep -qx 'SLACK 123457' "$T/out" || fail "the process itself sees another slack"
	"$XCKPT" show -D "$T/img" | grep -q 'example  0x1000 timer slack 123457 ns' ||
		fail "show does not list the plugin record: $("$XCKPT" show -D "$T/img" | tail -3)"
	"$XCKPT" show -D "$T/img" --json | grep -q '"plugins":\[{"plugin":"example","kind":4096' ||
		fail "show --json does not list the plugin record"
	# The core carries the slack too; the plugin's record, written last,
	# is what sets it: a record rewritten to another value wins.
	rm -rf "$T/img"
	: >"$T/out"
	start "$VICTIMS/slack" "$T" 123457
	dump_kill --plugin-example
	python3 "$SRC/patch-record.py" "$T/img/proc-$VPID.img" 0x1000 0 e168030000000000 ||
		fail "could not patch the record"
	SNAP_IGNORE='timerslack_ns$|\.prctl\.TIMERSLACK$'	# changed on purpose
	restore_bg
	SLACK_SEEN=$(cat "/proc/$VPID/timerslack_ns")
	kill -USR1 "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	[ "$SLACK_SEEN" = 223457 ] || fail "the plugin's record did not set the slack: $SLACK_SEEN"
	pass
}

t_plugin_record_refused() {	# a well-framed but bad plugin record is refused before anything runs
	start "$VICTIMS/slack" "$T" 123457
	dump_kill --plugin-example
	python3 "$SRC/patch-record.py" "$T/img/proc-$VPID.img" 0x1000 0 0000000000000000 ||
		fail "could not patch the record"
	"$XCKPT" restore -D "$T/img" 2>"$T/restore.err"
	[ $? = 3 ] || fail "restore of a bad plugin record did not exit 3: $(cat "$T/restore.err")"
	grep -q "plugin example: timer slack of 0" "$T/restore.err" ||
		fail "error does not name the plugin: $(cat "$T/restore.err")"
	kill -0 "$VPID" 2>/dev/null && fail "a process runs with pid $VPID"
	# A record kind no plugin here owns is refused too.
	python3 "$SRC/add-records.py" "$T/img/proc-$VPID.img" 0x1f00:0102030405060708 ||
		fail "could not add a record"
	"$XCKPT" restore -D "$T/img" 2>"$T/restore.err" && fail "restore accepted an unknown plugin record"
	grep -q "kind 0x1f00" "$T/restore.err" || fail "unknown kind not named: $(cat "$T/restore.err")"
	pass
}

# Real GPU: device memory survives dump, kill and restore, and the GPU still
# works afterwards. Skips, saying why, without a GPU, driver or nvcc.
t_cuda_sum() {
	local t0 t1 t2
	[ -e /dev/nvidia0 ] || skip "no GPU here (/dev/nvidia0 missing)"
	ldconfig -p | grep -q 'libcuda\.so\.1 ' || skip "no CUDA driver here (libcuda.so.1 missing)"
	[ -x "$VICTIMS/cuda_sum" ] || skip "victim not built (nvcc was not found at configure time)"
	"$XCKPT" check | grep -q '^plugin cuda *ok' ||
		skip "CUDA driver without the checkpoint API: $("$XCKPT" check | grep '^plugin cuda')"
	start "$VICTIMS/cuda_sum" "$T"
	t0=$(date +%s.%N)
	dump_kill
	t1=$(date +%s.%N)
	"$XCKPT" show -D "$T/img" >"$T/show" || fail "show: $(cat "$T/show")"
	grep -q 'GPU memory saved' "$T/show" || fail "show lists no GPU state: $(cat "$T/show")"
	restore_bg
	t2=$(date +%s.%N)
	sleep 1		# some steps on the restored GPU state before the check
	kill -USR1 "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	grep -q '^PASS' "$T/out" || fail "device data differ after restore"
	echo "cuda_sum: dump $(awk "BEGIN{print $t1 - $t0}") s, restore $(awk "BEGIN{print $t2 - $t1}") s," \
		"image $(du -sm "$T/img" | cut -f1) MiB; $(grep 'GPU memory saved' "$T/show")"
	pass
}

# InfiniBand: this kernel has no RDMA devices, so a stand-in device node
# named like a verbs device (/dev/infiniband/uverbs-xckpt-N, really
# /dev/null's device) shows what a process with an open verbs fd meets.
rdma_node() {
	[ -d /dev/infiniband ] || { mkdir /dev/infiniband && RDMA_MADE_DIR=1; }
	RDMA_NODE=/dev/infiniband/uverbs-xckpt-$$
	mknod "$RDMA_NODE" c 1 3 || skip "cannot make a device node here"
	trap 'rm -f "$RDMA_NODE"; [ -n "${RDMA_MADE_DIR:-}" ] && rmdir /dev/infiniband 2>/dev/null; cleanup' EXIT
}

t_rdma_refused() {	# refused before the seize, saying what instead; left running
	rdma_node
	start "$VICTIMS/devfd" "$T" "$RDMA_NODE"
	"$XCKPT" dump --pid "$VPID" -D "$T/img" 2>"$T/dump.err"
	[ $? = 4 ] || fail "dump did not exit 4: $(cat "$T/dump.err")"
	grep -q "^xckpt: dump pid $VPID: RDMA ($RDMA_NODE; .*): verbs state cannot be saved; use TCP (UCX_TLS=tcp,self,sm) or its own checkpoint: Operation not supported$" "$T/dump.err" ||
		fail "error line: $(cat "$T/dump.err")"
	grep -q "NCCL_IB_DISABLE=1" "$T/dump.err" || fail "no advice: $(cat "$T/dump.err")"
	[ -e "$T/img" ] && fail "an image was left"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target left traced"
	grep -q '^State:.*S (sleeping)' "/proc/$VPID/status" || fail "target not running"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -qx 'FD3 OPEN' "$T/out" || fail "target lost its fd"
	pass
}

t_rdma_ignored() {	# --ignore-rdma: an idle verbs fd is left out, and the restore says so
	rdma_node
	start "$VICTIMS/devfd" "$T" "$RDMA_NODE"
	SNAP_IGNORE='^fd\.3\.'	# the verbs fd is left out on purpose
	dump_kill --ignore-rdma
	grep -q "ignore-rdma: 1 fd(s) of $RDMA_NODE left out" "$T/dump.err" ||
		fail "dump did not say what it left out: $(cat "$T/dump.err")"
	restore_bg
	kill -USR1 "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	grep -qx 'FD3 CLOSED' "$T/out" || fail "fd 3 after restore: $(cat "$T/out")"
	pass
}

# A process holding a GPU device where there is no CUDA driver: refused
# before it is touched, saying what is missing, and left running. A stand-in
# node named like a GPU device (/dev/nvidia-xckpt-N, really /dev/null's
# device) plays the GPU.
t_cuda_no_driver() {
	ldconfig -p | grep -q 'libcuda\.so\.1 ' && skip "a CUDA driver is installed here"
	local node=/dev/nvidia-xckpt-$$
	mknod "$node" c 1 3 || skip "cannot make a device node here"
	trap 'rm -f "$node"; cleanup' EXIT
	start "$VICTIMS/devfd" "$T" "$node"
	"$XCKPT" dump --pid "$VPID" -D "$T/img" 2>"$T/dump.err"
	[ $? = 4 ] || fail "dump did not exit 4: $(cat "$T/dump.err")"
	grep -q "^xckpt: dump pid $VPID: CUDA ($node): no CUDA driver here (libcuda.so.1: .*): Operation not supported$" "$T/dump.err" ||
		fail "error line: $(cat "$T/dump.err")"
	[ -e "$T/img" ] && fail "an image was left"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target left traced"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -qx 'FD3 OPEN' "$T/out" || fail "target lost its fd"
	pass
}

# An image holding a GPU's state (records added to a real image: this
# machine has no GPU to dump): show lists the GPU and the memory saved, and
# restore where no CUDA driver is installed refuses it before anything runs.
t_cuda_image_no_driver() {
	ldconfig -p | grep -q 'libcuda\.so\.1 ' && skip "a CUDA driver is installed here"
	local gpu info
	# CUDA_GPU: ordinal 0, 80 GiB, UUID 11..11, "NVIDIA H100 80GB HBM3";
	# CUDA_INFO: driver 12.8, restore thread 4321, 1 GPU, /dev/nvidia0, 512 MiB saved
	gpu=0000000000000000000000001400000011111111111111111111111111111111
	gpu+=4e5649444941204831303020383047422048424d33$(printf '0%.0s' $(seq 150))
	info=302f0000e1100000010000000100000000000020000000000000000000000000
	start "$VICTIMS/slack" "$T" 123457
	dump_kill
	python3 "$SRC/add-records.py" "$T/img/proc-$VPID.img" "0x1101:$gpu" "0x1100:$info" ||
		fail "could not add the records"
	"$XCKPT" show -D "$T/img" >"$T/show" 2>&1 || fail "show: $(cat "$T/show")"
	grep -q 'cuda     0x1100 driver 12.8, 1 GPU(s), GPU memory saved 512 MiB, restore thread 4321' "$T/show" ||
		fail "show: $(tail -4 "$T/show")"
	grep -q 'cuda     0x1101 GPU 0: NVIDIA H100 80GB HBM3, GPU-11111111-1111-1111-1111-111111111111, 81920 MiB' "$T/show" ||
		fail "show: $(tail -4 "$T/show")"
	"$XCKPT" restore -D "$T/img" 2>"$T/restore.err"
	[ $? = 3 ] || fail "restore did not exit 3: $(cat "$T/restore.err")"
	grep -q "^xckpt: restore pid $VPID: image holds CUDA state: no CUDA driver here (libcuda.so.1: " "$T/restore.err" ||
		fail "error line: $(cat "$T/restore.err")"
	kill -0 "$VPID" 2>/dev/null && fail "a process runs with pid $VPID"
	# A GPU map naming a GPU the image does not hold is refused too (the
	# records are checked before the driver is looked for).
	"$XCKPT" restore -D "$T/img" --cuda-gpu-map \
		GPU-22222222-2222-2222-2222-222222222222=GPU-33333333-3333-3333-3333-333333333333 2>"$T/restore.err"
	[ $? = 2 ] || fail "a map of an unknown GPU did not exit 2: $(cat "$T/restore.err")"
	grep -q "no such GPU in the image" "$T/restore.err" || fail "error line: $(cat "$T/restore.err")"
	pass
}

t_check_plugins() {	# check reports each plugin's device support, and still works without
	"$XCKPT" check >"$T/check" 2>&1 || fail "check: $(cat "$T/check")"
	grep -Eq '^plugin cuda +(ok \(driver [0-9]+\.[0-9]+, checkpoint API present\)|absent \((no CUDA driver here \(|driver ).*\))$' "$T/check" ||
		fail "cuda line: $(grep cuda "$T/check")"
	grep -Eq '^plugin ib +(ok|absent) \(.+\)$' "$T/check" || fail "ib line: $(grep ib "$T/check")"
	tail -1 "$T/check" | grep -qx 'looks good' || fail "last line: $(tail -1 "$T/check")"
	pass
}

# The CUDA plugin end to end through a stand-in driver
# (victims/fake_libcuda.c, loaded as libcuda.so.1 through LD_LIBRARY_PATH)
# and a stand-in GPU node: which driver calls come, in which order, and
# whether the process was traced at each (the lock and checkpoint before
# the seize; on restore, Restore and Unlock before the release).
fake_cuda() {
	FAKE_NODE=/dev/nvidia-xckpt-$$
	mkdir "$T/fakecuda" || fail "mkdir"
	export XCKPT_FAKE_CUDA=$T/fakecuda
	export LD_LIBRARY_PATH=$VICTIMS/fakecuda${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	mknod "$FAKE_NODE" c 1 3 || skip "cannot make a device node here"
	trap 'rm -f "$FAKE_NODE"; cleanup' EXIT
	"$XCKPT" check | grep -q '^plugin cuda *ok (driver 12.8, checkpoint API present)$' ||
		fail "the stand-in driver is not used: $("$XCKPT" check | grep cuda)"
	start "$VICTIMS/devfd" "$T" "$FAKE_NODE"
}
trace_is() {	# EXPECTED... : the stand-in driver's trace since the last call
	local want got
	want=$(printf '%s\n' "$@")
	got=$(cat "$T/fakecuda/trace" 2>/dev/null)
	: >"$T/fakecuda/trace"
	[ "$got" = "$want" ] || fail "driver calls:
$got
expected:
$want"
}
fake_state() { cat "$T/fakecuda/state-$VPID"; }

t_cuda_fake_dump_restore() {
	fake_cuda
	SNAP_IGNORE='^fd\.3\.'	# the GPU fd is the driver's to make again; this one does not
	dump_kill
	trace_is "GetState traced=0" "Lock traced=0" "Checkpoint traced=0" "cuInit traced=0"
	[ "$(fake_state)" = 2 ] || fail "not left CHECKPOINTED for the image: $(fake_state)"
	"$XCKPT" show -D "$T/img" >"$T/show" || fail "show"
	grep -q 'cuda     0x1100 driver 12.8, 1 GPU(s), GPU memory saved' "$T/show" || fail "show: $(tail -3 "$T/show")"
	grep -q 'GPU 0: Fake GPU, GPU-abababab-abab-abab-abab-abababababab, 1024 MiB' "$T/show" ||
		fail "show: $(tail -3 "$T/show")"
	grep -q "nvidia-xckpt" "$T/show" && fail "the GPU fd went into the image"
	restore_bg
	trace_is "cuInit traced=0" "GetState traced=1" "Restore traced=1" "Unlock traced=1"
	[ "$(fake_state)" = 0 ] || fail "not RUNNING after restore: $(fake_state)"
	kill -USR1 "$VPID"
	wait "$RPID" || fail "xckpt restore exited $?"
	grep -qx 'FD3 CLOSED' "$T/out" || fail "victim: $(cat "$T/out")"
	pass
}

t_cuda_fake_leave_running() {
	fake_cuda
	dump_leave_running
	trace_is "GetState traced=0" "Lock traced=0" "Checkpoint traced=0" "cuInit traced=0" \
		"Restore traced=0" "Unlock traced=0"
	[ "$(fake_state)" = 0 ] || fail "not RUNNING after the dump: $(fake_state)"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -qx 'FD3 OPEN' "$T/out" || fail "victim: $(cat "$T/out")"
	pass
}

t_cuda_fake_checkpoint_fails() {	# the target is unlocked again and runs on
	fake_cuda
	XCKPT_FAKE_CUDA_FAIL=Checkpoint "$XCKPT" dump --pid "$VPID" -D "$T/img" 2>"$T/dump.err" &&
		fail "dump succeeded"
	grep -q "^xckpt: dump pid $VPID: CUDA ($FAKE_NODE): cuCheckpointProcessCheckpoint (CUDA error 801): Operation not supported$" "$T/dump.err" ||
		fail "error line: $(cat "$T/dump.err")"
	trace_is "GetState traced=0" "Lock traced=0" "Checkpoint traced=0" "GetState traced=0" \
		"Unlock traced=0"
	[ "$(fake_state)" = 0 ] || fail "left locked: $(fake_state)"
	[ -e "$T/img" ] && fail "an image was left"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target left traced"
	kill -USR1 "$VPID"
	wait "$VPID"
	grep -qx 'FD3 OPEN' "$T/out" || fail "victim: $(cat "$T/out")"
	pass
}

t_cuda_fake_old_driver() {	# a driver without the checkpoint API: check says so, a GPU process is refused
	local why="CUDA driver without the checkpoint API (libcuda.so.1 lacks cuCheckpointProcessGetState; driver 550 or later has it)"
	fake_cuda
	export LD_LIBRARY_PATH=$VICTIMS/fakecuda-old
	"$XCKPT" check | grep -qF "plugin cuda                      absent (driver 12.8, checkpoint API absent)" ||
		fail "check: $("$XCKPT" check | grep cuda)"
	"$XCKPT" dump --pid "$VPID" -D "$T/img" 2>"$T/dump.err"
	[ $? = 4 ] || fail "dump did not exit 4: $(cat "$T/dump.err")"
	grep -qF "xckpt: dump pid $VPID: CUDA ($FAKE_NODE): $why: Operation not supported" "$T/dump.err" ||
		fail "error line: $(cat "$T/dump.err")"
	[ -s "$T/fakecuda/trace" ] && fail "driver called: $(cat "$T/fakecuda/trace")"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target left traced"
	pass
}
