/* Logging and the one-error-per-failure discipline.
 *
 * Every failure is recorded once, where errno is still known, with
 * xc_fail(ctx, pid, object, step, -errno). Callers pass the code up unchanged;
 * main() prints the single line "xckpt: CMD pid P: OBJECT: STEP: strerror". */
#ifndef XC_LOG_H
#define XC_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

struct xc_ctx;

enum xc_loglevel { XC_LOG_ERR, XC_LOG_WARN, XC_LOG_INFO, XC_LOG_DEBUG };

void xc_log_set_level(int level);
int xc_log_level(void);
void xc_log(enum xc_loglevel lvl, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifndef LOG_PREFIX
#define LOG_PREFIX ""
#endif
#define xc_warn(...)  xc_log(XC_LOG_WARN, LOG_PREFIX, __VA_ARGS__)
#define xc_info(...)  xc_log(XC_LOG_INFO, LOG_PREFIX, __VA_ARGS__)
#define xc_debug(...) xc_log(XC_LOG_DEBUG, LOG_PREFIX, __VA_ARGS__)

/* Record the first error of this run; returns err (negative errno) so a call
 * site can write "return xc_fail(...)". Later failures only log at debug. */
int xc_fail(struct xc_ctx *ctx, pid_t pid, const char *obj, const char *step, int err);
int xc_failf(struct xc_ctx *ctx, pid_t pid, const char *step, int err, const char *objfmt, ...)
	__attribute__((format(printf, 5, 6)));

/* SIGINT/SIGTERM/SIGHUP/SIGQUIT do not kill xckpt while it holds a target:
 * they set a flag (the one sig_atomic_t the style allows) that long loops and
 * phase boundaries check, so the target is put back before xckpt exits. */
void xc_interrupt_guard(void);
bool xc_interrupted(void);
/* -EINTR recorded against pid if a signal asked us to stop, else 0. */
int xc_check_interrupt(struct xc_ctx *ctx, pid_t pid);

/* Per-step timing, printed with -v. */
void xc_step_begin(struct xc_ctx *ctx, const char *name);
void xc_step_end(struct xc_ctx *ctx);

/* Progress bar on stderr, only when it is a terminal and not in -v mode. */
void xc_progress(struct xc_ctx *ctx, const char *what, unsigned long long done,
		 unsigned long long total);
void xc_progress_done(struct xc_ctx *ctx);

#endif
