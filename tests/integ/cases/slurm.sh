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

job_over() {	# JOBID: gone from the queue or COMPLETED (asked afresh on each call)
	local s
	s=$(job_state "$1")
	[ -z "$s" ] || [ "$s" = COMPLETED ]
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
	wait_until 20 job_over "$jid" ||
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

epilogs_ran() {	# JOBID N
	[ "$(grep -c "^epilog $1 " "$T/hooks.log" 2>/dev/null)" = "$2" ]
}

t_slurm_prolog_epilog() {	# the shipped job.sh, Prolog and Epilog around a requeue
	local jid D n
	mkdir -p "$T/bin"
	ln -s "$XCKPT" "$T/bin/xckpt"
	export XCKPT_ROOT=$T/root
	cat >"$T/prolog.sh" <<HOOK
#!/bin/bash
XCKPT=$XCKPT XCKPT_ROOT=$XCKPT_ROOT "$SRC/../../scripts/slurm/prolog"
rc=\$?
echo "prolog \$SLURM_JOB_ID rc=\$rc \$(stat -c '%U %a' "$XCKPT_ROOT/\$SLURM_JOB_USER/\$SLURM_JOB_ID")" >>"$T/hooks.log"
exit \$rc
HOOK
	cat >"$T/epilog.sh" <<HOOK
#!/bin/bash
XCKPT_ROOT=$XCKPT_ROOT XCKPT_KEEP=1 XCKPT_REMOVE_DONE=1 "$SRC/../../scripts/slurm/epilog"
rc=\$?
d=$XCKPT_ROOT/\$SLURM_JOB_USER/\$SLURM_JOB_ID
echo "epilog \$SLURM_JOB_ID code=\$SLURM_JOB_EXIT_CODE rc=\$rc gens=\$(ls -d "\$d"/gen-* 2>/dev/null | wc -l) \$([ -d "\$d" ] || echo gone)" >>"$T/hooks.log"
exit \$rc
HOOK
	chmod 755 "$T/prolog.sh" "$T/epilog.sh"
	slurm_up "Prolog=$T/prolog.sh" "Epilog=$T/epilog.sh"
	# The shipped batch script, with a short interval and the test's job.
	sed -e "s|--interval 6h -- ./sim input.dat|--interval 0.3s -- $VICTIMS/job $T/job.log 300 20|" \
		"$SRC/../../scripts/slurm/job.sh" >"$T/job.sh"
	grep -q "$VICTIMS/job" "$T/job.sh" || fail "job.sh no longer has the line this test adapts"
	jid=$(PATH=$T/bin:$PATH sbatch --parsable -o "$T/slurm.out" "$T/job.sh") || fail "sbatch failed"
	D=$XCKPT_ROOT/root/$jid
	wait_until 30 steps_at_least "$T/job.log" 20 || fail "job did not start: $(job_state "$jid"); $(cat "$T/slurm.out" 2>&1)"
	PIDS+=("$(awk '/^fresh/ {print $2}' "$T/job.log")")
	wait_until 30 test -f "$D/gen-000002/inventory.img" || fail "no generations in the Prolog's directory $D"
	scancel --signal=USR1 --batch "$jid" || fail "scancel --signal failed"
	wait_until 90 grep -q '^DONE' "$T/slurm.out" ||
		fail "job did not finish after requeue ($(job_state "$jid")): $(cat "$T/slurm.out")"
	grep -q '^DONE steps=300 sum=45150$' "$T/slurm.out" || fail "wrong result: $(cat "$T/slurm.out")"
	[ "$(grep -c '^fresh' "$T/job.log")" = 1 ] || fail "the job started again instead of resuming: $(cat "$T/hooks.log" "$T/slurm.out")"
	wait_until 30 epilogs_ran "$jid" 2 ||
		fail "Epilog did not run twice: $(cat "$T/hooks.log")"
	n=$(grep -c "^prolog $jid rc=0 root 700$" "$T/hooks.log")
	[ "$n" = 2 ] || fail "Prolog did not prepare a private directory for each run: $(cat "$T/hooks.log")"
	# After the requeued run: pruned to XCKPT_KEEP=1, kept for the next run.
	grep "^epilog $jid " "$T/hooks.log" | head -1 | grep -qE "rc=0 gens=1 *$" ||
		fail "first Epilog did not prune to one generation: $(cat "$T/hooks.log")"
	# After the run that ended well: XCKPT_REMOVE_DONE=1 removed it all.
	grep "^epilog $jid " "$T/hooks.log" | tail -1 | grep -q "code=0 rc=0 gens=0 gone$" ||
		fail "last Epilog did not remove the finished job's checkpoints: $(cat "$T/hooks.log")"
	pass
}
