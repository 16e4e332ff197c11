/* `xckpt dump --slurm-job JOBID`: which processes a Slurm job has on this
 * node. The parser is pure (unit-tested on captured output); slurm.c runs
 * `scontrol listpids` and reads /proc for the parents. */
#ifndef XC_SLURM_H
#define XC_SLURM_H

#include <stddef.h>
#include <sys/types.h>

struct xc_ctx;

/* The pids in `scontrol listpids` output (a header line, then one line per
 * process: PID JOBID STEPID LOCALID GLOBALID). Returns how many were found
 * (at most max), or -EINVAL if a line does not have that shape. */
int xc_parse_listpids(const char *buf, size_t len, pid_t *pids, size_t max);

/* Of pids[0..n) with their parents ppids[], those whose parent is not in
 * the set: the roots of the job's process trees. Returns how many. */
size_t xc_pid_roots(const pid_t *pids, const pid_t *ppids, size_t n, pid_t *roots);

/* Resolves ctx->slurm_job into ctx->roots, or fails naming the job. */
int xc_slurm_job_pids(struct xc_ctx *ctx);

#endif
