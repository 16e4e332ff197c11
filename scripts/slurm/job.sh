#!/bin/bash
# A batch job that outlives its time limit: copy, adapt the #SBATCH lines
# and the command, submit with `sbatch job.sh`.
#
# Slurm sends USR1 to the batch step (B:) 300-330 s before the limit (it
# checks every 30 s); `xckpt run` then saves the job, asks Slurm to requeue
# it and exits 75. The requeued run executes this same script, and the same
# `xckpt run` line restores the newest generation instead of starting over,
# on whatever node it lands. --open-mode=append keeps the output of every
# run (a requeued job truncates it otherwise). A checkpoint every 6 hours
# bounds what a node crash can cost.
#SBATCH --job-name=sim
#SBATCH --time=48:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:USR1@300
#SBATCH --output=%x-%j.out

# Same directory across requeues: the job id does not change. Where the site
# installed scripts/slurm/prolog, XCKPT_ROOT names its tree: the Prolog made
# $XCKPT_ROOT/USER/JOBID for this job and the Epilog prunes it.
if [ -z "${CKPT_DIR:-}" ]; then
	if [ -n "${XCKPT_ROOT:-}" ]; then
		CKPT_DIR=$XCKPT_ROOT/$(id -un)/$SLURM_JOB_ID
	else
		CKPT_DIR=$HOME/ckpt/$SLURM_JOB_ID
	fi
fi
echo "run ${SLURM_RESTART_COUNT:-0} of job $SLURM_JOB_ID on $(hostname -s)"
exec xckpt run -D "$CKPT_DIR" --requeue --keep 2 --interval 6h -- ./sim input.dat
