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
