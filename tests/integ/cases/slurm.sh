# Slurm: a batch job under `xckpt run` is signalled, checkpointed, requeued
# and resumed by its rerun. A real one-node cluster (tests/integ/slurm.sh).
. "$SRC/slurm.sh"

wait_until() {	# SECONDS COMMAND...: until COMMAND succeeds
	local n=$1 i
	shift
	for ((i = 0; i < n * 10; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
steps_at_least() {	# LOG N
	local n
	n=$(grep -c '^step' "$1" 2>/dev/null)
	[ "${n:-0}" -ge "$2" ]
}

t_slurm_requeue() {
	local jid k
	slurm_up
	cat >"$T/job.sh" <<JOB
#!/bin/bash
#SBATCH --requeue
#SBATCH --open-mode=append
echo "start restart=\${SLURM_RESTART_COUNT:-0}"
exec "$XCKPT" run -D "$T/ckpt" --requeue -- "$VICTIMS/job" "$T/job.log" 300 20
JOB
	jid=$(sbatch --parsable -o "$T/slurm.out" "$T/job.sh") || fail "sbatch failed"
	wait_until 30 steps_at_least "$T/job.log" 20 || fail "job did not start: $(job_state "$jid"); $(cat "$T/slurm.out" 2>&1)"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$T/job.log")")
	scancel --signal=USR1 --batch "$jid" || fail "scancel --signal failed"
	wait_until 30 test -d "$T/ckpt/gen-000001" || fail "no checkpoint after the signal: $(cat "$T/slurm.out")"
	wait_until 60 grep -q '^DONE' "$T/slurm.out" ||
		fail "job did not finish after requeue ($(job_state "$jid")): $(cat "$T/slurm.out")"
	grep -q '^start restart=0$' "$T/slurm.out" && grep -q '^start restart=1$' "$T/slurm.out" ||
		fail "not requeued: $(cat "$T/slurm.out")"
	grep -q '^DONE steps=300 sum=45150$' "$T/slurm.out" || fail "wrong result: $(cat "$T/slurm.out")"
	[ "$(grep -c '^fresh' "$T/job.log")" = 1 ] || fail "the job started again instead of resuming"
	k=$(awk '/^step/ { if ($2 <= last) { print last; exit } last = $2 }' "$T/job.log")
	[ -z "$k" ] || [ "$(grep -c "^step $((k + 1))$" "$T/job.log")" -ge 1 ] || fail "steps lost after the checkpoint"
	wait_until 20 test -z "$(job_state "$jid")" -o "$(job_state "$jid")" = COMPLETED ||
		fail "job state $(job_state "$jid")"
	pass
}

t_slurm_rescue() {	# rescue-node saves a plain job and an `xckpt run` job; both resume
	local a b
	slurm_up
	mkdir -p "$T/bin"
	ln -s "$XCKPT" "$T/bin/xckpt"
	# A job that knows nothing of xckpt run, only where a rescue puts it.
	cat >"$T/plain.sh" <<JOB
#!/bin/bash
echo "start restart=\${SLURM_RESTART_COUNT:-0}"
R=$T/rescue/\$SLURM_JOB_ID
[ -f "\$R/inventory.img" ] && exec "$XCKPT" restore -D "\$R"
exec "$VICTIMS/job" "$T/plain.log" 300 20
JOB
	cat >"$T/run.sh" <<JOB
#!/bin/bash
echo "start restart=\${SLURM_RESTART_COUNT:-0}"
exec "$XCKPT" run -D "$T/ckpt" --requeue -- "$VICTIMS/job" "$T/run.log" 300 20
JOB
	a=$(sbatch --parsable --requeue --open-mode=append -o "$T/plain.out" "$T/plain.sh") || fail "sbatch"
	b=$(sbatch --parsable --requeue --open-mode=append -o "$T/run.out" "$T/run.sh") || fail "sbatch"
	wait_until 30 steps_at_least "$T/plain.log" 20 && wait_until 30 steps_at_least "$T/run.log" 20 ||
		fail "jobs did not start: $(squeue 2>&1)"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$T/plain.log")" "$(awk '/^fresh/ {print $2}' "$T/run.log")")
	# A dump refuses an `xckpt run` job and says what to do instead.
	out=$("$XCKPT" dump --slurm-job "$b" -D "$T/x" 2>&1) && fail "dumped an xckpt run supervisor"
	echo "$out" | grep -q "slurm job $b: runs under xckpt run: signal it instead" || fail "unclear: $out"
	PATH=$T/bin:$PATH "$SRC/../../scripts/slurm/rescue-node" "$T/rescue" >"$T/rescue.out" 2>&1 ||
		fail "rescue-node: $(cat "$T/rescue.out")"
	grep -q "job $a: saved in $T/rescue/$a, requeued" "$T/rescue.out" || fail "plain job: $(cat "$T/rescue.out")"
	grep -q "job $b: saved by its xckpt run" "$T/rescue.out" || fail "run job: $(cat "$T/rescue.out")"
	wait_until 90 grep -q '^DONE' "$T/plain.out" || fail "plain job did not finish: $(cat "$T/plain.out")"
	wait_until 90 grep -q '^DONE' "$T/run.out" || fail "run job did not finish: $(cat "$T/run.out")"
	for j in plain run; do
		grep -q '^start restart=1$' "$T/$j.out" || fail "$j: not requeued: $(cat "$T/$j.out")"
		grep -q '^DONE steps=300 sum=45150$' "$T/$j.out" || fail "$j: wrong result"
		[ "$(grep -c '^fresh' "$T/$j.log")" = 1 ] || fail "$j: started again instead of resuming"
		[ "$(grep -c '^step' "$T/$j.log")" = 300 ] || fail "$j: steps lost or repeated"
	done
	pass
}
