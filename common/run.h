/* `xckpt run`: start or resume a job and checkpoint it on an interval, on a
 * signal, or when it asks. Dumps and restores run as child xckpt processes
 * (the same binary), so the supervisor shares no state with them and a
 * failed dump costs the job nothing. */
#ifndef XC_RUN_H
#define XC_RUN_H

struct xc_ctx;

/* Exit status after a checkpoint asked for by --on-signal, once the job is
 * saved and stopped: "try again later" (sysexits' EX_TEMPFAIL). */
#define XC_EXIT_CHECKPOINTED 75

int xc_run(struct xc_ctx *ctx);

/* stage.c */
int xc_run_drain(struct xc_ctx *ctx, const char *stage, const char *dir, const char *gen);
void xc_run_remove_gen(int dirfd, const char *name);

#endif
