# `xckpt run`: periodic, signalled and requested checkpoints, resume from
# the newest complete generation. Sourced by run.sh.

# Kills, by pid, xckpt run and everything it started (the job, a dump).
kill_run() {	# RUNPID
	local p c kids=()
	kill -STOP "$1" 2>/dev/null
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do kids+=("$c"); done
		kids+=("$p")
	done
	for p in "${kids[@]}"; do kill -9 "$p" 2>/dev/null; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${kids[@]}"; do	# their pids must be free for the restore
		for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
	done
}

wait_file() {	# PATH [seconds]: until it exists
	local i
	for ((i = 0; i < ${2:-20} * 50; i++)); do [ -e "$1" ] && return 0; sleep 0.02; done
	fail "timed out waiting for $1"
}

last_step() { grep '^step' "$1" | tail -n 1 | cut -d' ' -f2; }

run_bg() {	# OUT ERR xckpt-run-args...: RUNPID
	local out=$1 err=$2
	shift 2
	"$XCKPT" run "$@" >"$out" 2>"$err" &
	RUNPID=$!
	PIDS+=("$RUNPID")
}

t_run_periodic() {	# three generations on an interval, SIGKILL, resume from the newest
	local J=$T/job L=$T/job.log l2 k status
	run_bg "$T/out" "$T/run.err" -D "$J" --interval 0.5s --keep 2 -- "$VICTIMS/job" "$L" 400 20
	wait_file "$J/gen-000002/inventory.img"
	l2=$(last_step "$L")
	wait_file "$J/gen-000003/inventory.img"
	# Pruning follows the rename that completes a generation: while xckpt
	# run lives, gen-000001 must go.
	for ((i = 0; i < 250; i++)); do [ -e "$J/gen-000001" ] || break; sleep 0.02; done
	[ -e "$J/gen-000001" ] && fail "--keep 2 left gen-000001"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$L")")
	kill_run "$RUNPID"
	k=$(last_step "$L")
	[ -d "$J/gen-000003" ] || fail "newest generation missing"
	grep -q "gen-000003: 1 process" "$T/run.err" || fail "no summary line: $(cat "$T/run.err")"
	"$XCKPT" run -D "$J" --interval 0.5s --keep 2 -- "$VICTIMS/job" "$L" 400 20 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	grep -q '^DONE steps=400 sum=80200$' "$T/out" || fail "job did not finish right: $(cat "$T/out")"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	# The resumed life goes on from a step at or after gen-000003's start.
	first=$(awk -v k="$k" '/^step/ { n++; if (seen) { print $2; exit } if ($2 == k) seen = 1 }' "$L")
	[ -n "$first" ] && [ "$first" -le $((k + 1)) ] && [ "$first" -gt "$l2" ] ||
		fail "resumed at step $first (killed after $k, gen 2 seen at $l2)"
	pass
}

stage_remove() { rm -rf "$STAGE"; }

t_run_stage() {	# --stage-dir on tmpfs, DIR on disk: drained, complete only there, resumed
	local J=$T/job L=$T/job.log status
	STAGE=$(mktemp -d /dev/shm/xckpt-test-stage.XXXXXX)
	CLEANUP_HOOKS+=(stage_remove)
	[ "$(stat -f -c %T "$STAGE")" != "$(stat -f -c %T "$T")" ] ||
		skip "/dev/shm and $T are the same kind of filesystem: no cross-filesystem drain to test"
	run_bg "$T/out" "$T/run.err" -D "$J" --interval 0.5s --keep 2 --stage-dir "$STAGE" -- \
		"$VICTIMS/job" "$L" 400 20
	wait_file "$J/gen-000002/inventory.img"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$L")")
	kill_run "$RUNPID"
	grep -q "failed" "$T/run.err" && fail "a drain failed: $(cat "$T/run.err")"
	grep -qE "gen-000002: 1 process, [0-9]+ pages, [0-9.]+ MiB written" "$T/run.err" ||
		fail "no summary line: $(cat "$T/run.err")"
	# What reached DIR is whole: every file of the image, and nothing hidden
	# but a drain cut short by the kill.
	"$XCKPT" show -D "$J/gen-000002" >/dev/null || fail "drained generation does not read back"
	[ -e "$STAGE/gen-000001" ] && fail "gen-000001 left on the stage after its drain"
	"$XCKPT" run -D "$J" --interval 0.5s --keep 2 --stage-dir "$STAGE" -- \
		"$VICTIMS/job" "$L" 400 20 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	grep -q '^DONE steps=400 sum=80200$' "$T/out" || fail "job did not finish right: $(cat "$T/out")"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	grep -q "failed" "$T/run2.err" && fail "a drain failed: $(cat "$T/run2.err")"
	pass
}

t_run_signal() {	# USR1: checkpoint, job stopped, exit 75; the same line resumes it
	local J=$T/job L=$T/job.log status
	run_bg "$T/out" "$T/run.err" -D "$J" -- "$VICTIMS/job" "$L" 150 20
	for ((i = 0; i < 200; i++)); do [ "$(last_step "$L")" -ge 10 ] 2>/dev/null && break; sleep 0.05; done
	jpid=$(awk '/^fresh/ {print $2}' "$L")
	PIDS+=("$jpid")
	kill -USR1 "$RUNPID"
	wait "$RUNPID"
	status=$?
	[ "$status" = 75 ] || fail "expected exit 75 after the signal, got $status: $(cat "$T/run.err")"
	kill -0 "$jpid" 2>/dev/null && fail "job still running after the checkpoint"
	[ -f "$J/gen-000001/inventory.img" ] || fail "no generation"
	[ -e "$J/ended" ] && fail "a checkpointed job marked as ended"
	k=$(last_step "$L")
	"$XCKPT" run -D "$J" -- "$VICTIMS/job" "$L" 150 20 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	grep -q '^DONE steps=150 sum=11325$' "$T/out" || fail "job did not finish right"
	[ "$(cat "$J/ended" 2>/dev/null)" = "exit 0" ] || fail "no 'ended' mark after the job's own end"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	[ "$(grep -c "^step $((k + 1))$" "$L")" = 1 ] || fail "steps after the checkpoint lost or repeated"
	pass
}

t_run_request() {	# the job asks for a checkpoint and is restored exactly there
	local J=$T/job L=$T/job.log status
	run_bg "$T/out" "$T/run.err" -D "$J" -- "$VICTIMS/job" "$L" 200 10 5
	for ((i = 0; i < 400; i++)); do grep -q '^continued 5' "$L" 2>/dev/null && break; sleep 0.05; done
	grep -q '^continued 5' "$L" || fail "the job was not continued after its checkpoint: $(cat "$T/run.err")"
	[ -f "$J/gen-000001/inventory.img" ] || fail "no generation for the request"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$L")")
	for ((i = 0; i < 200; i++)); do [ "$(last_step "$L")" -ge 20 ] && break; sleep 0.05; done
	kill_run "$RUNPID"
	"$XCKPT" run -D "$J" -- "$VICTIMS/job" "$L" 200 10 5 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	grep -q '^DONE steps=200 sum=20100$' "$T/out" || fail "job did not finish right"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	[ "$(grep -c '^continued 5$' "$L")" = 2 ] || fail "not resumed at the requested point"
	after=$(awk '/^continued 5/ { c++; next } c == 2 { print; exit }' "$L")
	[ "$after" = "step 6" ] || fail "after the second 'continued 5': '$after'"
	pass
}

t_run_crash_mid_dump() {	# xckpt killed in a generation: the previous one is restored
	local J=$T/job L=$T/job.log status k crashed=
	run_bg "$T/out" "$T/run.err" -D "$J" --interval 0.3s --compress zstd:19 -- \
		"$VICTIMS/job" "$L" 300 10 0 1
	wait_file "$J/gen-000001/inventory.img" 60
	PIDS+=("$(awk '/^fresh/ {print $2}' "$L")")
	for ((k = 2; k < 6 && !crashed; k++)); do
		for ((i = 0; i < 3000; i++)); do
			if ls -a "$J" | grep -q "^\.gen-00000$k\.xckpt-tmp-"; then
				kill_run "$RUNPID"
				crashed=$k
				break
			fi
			[ -d "$J/gen-00000$k" ] && break
			sleep 0.01
		done
	done
	[ -n "$crashed" ] || fail "never caught a dump in progress"
	[ -e "$J/gen-00000$crashed" ] && fail "the interrupted generation looks complete"
	"$XCKPT" -v run -D "$J" -- "$VICTIMS/job" "$L" 300 10 0 1 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(grep -v debug "$T/run2.err" | tail -3)"
	grep -q "resumed gen-00000$((crashed - 1))" "$T/run2.err" || fail "did not resume gen $((crashed - 1))"
	ls -a "$J" | grep -q 'xckpt-tmp' && fail "leftover of the crashed dump not removed"
	grep -q '^DONE steps=300 sum=45150$' "$T/out" || fail "job did not finish right"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	pass
}

t_run_exit_status() {	# CMD's own status; bad input refused; a damaged generation is not skipped
	local J=$T/job out
	"$XCKPT" run -D "$J" -- sh -c 'exit 7' 2>"$T/run.err"
	[ $? = 7 ] || fail "exit status of CMD not passed on"
	"$XCKPT" run -D "$J" 2>/dev/null
	[ $? = 2 ] || fail "no CMD: expected usage error"
	"$XCKPT" run -D "$J" --interval 0 -- true 2>/dev/null
	[ $? = 2 ] || fail "--interval 0 accepted"
	"$XCKPT" run -D "$J" -- "$T/no-such-program" 2>"$T/run.err"
	[ $? = 127 ] || fail "missing program: expected 127"
	# A damaged newest generation: refused (exit 3), never started afresh.
	run_bg "$T/out" "$T/run.err" -D "$J" -- "$VICTIMS/job" "$T/job.log" 1000 20
	for ((i = 0; i < 200; i++)); do [ -s "$T/job.log" ] && break; sleep 0.05; done
	PIDS+=("$(awk '/^fresh/ {print $2}' "$T/job.log")")
	kill -USR1 "$RUNPID"
	wait "$RUNPID"
	f=$(ls "$J"/gen-000001/pages-*.img)
	truncate -s $(($(stat -c %s "$f") - 64)) "$f"
	out=$("$XCKPT" run -D "$J" -- "$VICTIMS/job" "$T/job.log" 1000 20 2>&1)
	[ $? = 3 ] || fail "damaged generation: expected exit 3: $out"
	[ "$(grep -c '^fresh' "$T/job.log")" = 1 ] || fail "started afresh over a damaged checkpoint"
	pass
}

t_run_incremental() {	# generations against the last; a full one every 8; --keep keeps chains
	local J=$T/job L=$T/job.log status
	run_bg "$T/out" "$T/run.err" -D "$J" --interval 0.3s --incremental --keep 1 -- "$VICTIMS/job" "$L" 1000 10 0 8
	wait_file "$J/gen-000003/inventory.img" 60
	[ -d "$J/gen-000001" ] && [ -d "$J/gen-000002" ] || fail "--keep 1 removed a parent still needed"
	[ "$(cat "$J/.gen-000003.parent")" = 2 ] || fail "gen 3 not against gen 2"
	"$XCKPT" show -D "$J/gen-000003" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
s = json.dumps(j)
assert "gen-000002" in s, "no parent in show"' || fail "show does not name the parent"
	wait_file "$J/gen-000010/inventory.img" 60
	[ -e "$J/.gen-000009.parent" ] && fail "gen 9 should be a full image (chain of 8)"
	for ((i = 0; i < 100; i++)); do [ -d "$J/gen-000001" ] || break; sleep 0.05; done
	[ -d "$J/gen-000001" ] && fail "old chain not pruned once a full generation was newer"
	[ -d "$J/gen-000009" ] || fail "the parent of the newest was pruned"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$L")")
	kill_run "$RUNPID"
	"$XCKPT" run -D "$J" -- "$VICTIMS/job" "$L" 1000 10 0 8 >"$T/out" 2>"$T/run2.err"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	grep -q '^DONE steps=1000 sum=500500$' "$T/out" || fail "job did not finish right"
	[ "$(grep -c '^fresh' "$L")" = 1 ] || fail "the job started again instead of resuming"
	pass
}

t_run_pidns() {	# resumed where the job's pid is taken: --pidns reaches the restore
	local J=$T/job L=$T/job.log status jpid new
	run_bg "$T/out" "$T/run.err" -D "$J" --interval 0.5s -- "$VICTIMS/job" "$L" 300 20
	wait_file "$J/gen-000001/inventory.img"
	jpid=$(awk '/^fresh/ {print $2}' "$L")
	PIDS+=("$jpid")
	# xckpt run dies; its job goes on and keeps the pid.
	kill -9 "$RUNPID"
	wait "$RUNPID" 2>/dev/null
	kill -0 "$jpid" || fail "the job died with xckpt run"
	out=$("$XCKPT" run -D "$J" -- "$VICTIMS/job" "$L" 300 20 2>&1)
	[ $? = 1 ] && echo "$out" | grep -q "pid is in use" || fail "restore over a taken pid: $out"
	run_bg "$T/out2" "$T/run2.err" -D "$J" --pidns -- "$VICTIMS/job" "$L" 300 20
	for ((i = 0; i < 200; i++)); do
		new=$(grep -l "^NSpid:[[:space:]]*[0-9]*[[:space:]]*$jpid\$" /proc/[0-9]*/status 2>/dev/null | head -n 1)
		[ -n "$new" ] && break
		sleep 0.05
	done
	[ -n "$new" ] || fail "no process with pid $jpid in a new namespace: $(cat "$T/run2.err")"
	kill -9 "$jpid"		# the original goes; the restored one finishes
	wait "$RUNPID"
	status=$?
	[ "$status" = 0 ] || fail "resumed run exited $status: $(cat "$T/run2.err")"
	[ "$(grep -c '^DONE steps=300 sum=45150$' "$T/out")" = 1 ] || fail "job did not finish right: $(cat "$T/out")"
	pass
}
