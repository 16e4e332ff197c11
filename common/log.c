#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/log.h"

/* The log level is the one piece of process-wide state besides the context:
 * it is set once from the command line before anything else runs. */
static int log_level = XC_LOG_WARN;

void xc_log_set_level(int level) { log_level = level; }
int xc_log_level(void) { return log_level; }

void xc_log(enum xc_loglevel lvl, const char *prefix, const char *fmt, ...)
{
	char buf[1024];
	int n;
	va_list ap;

	if ((int)lvl > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s%s", lvl == XC_LOG_WARN ? "xckpt: warning: " :
		     lvl == XC_LOG_DEBUG ? "xckpt: debug: " : "xckpt: ", prefix);
	va_start(ap, fmt);
	if (n >= 0 && n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

int xc_fail(struct xc_ctx *ctx, pid_t pid, const char *obj, const char *step, int err)
{
	if (err >= 0)
		err = -EINVAL;
	if (ctx && !ctx->first_err.code) {
		ctx->first_err.code = err;
		ctx->first_err.pid = pid;
		snprintf(ctx->first_err.obj, sizeof(ctx->first_err.obj), "%s", obj ? obj : "");
		snprintf(ctx->first_err.step, sizeof(ctx->first_err.step), "%s", step ? step : "");
	}
	xc_log(XC_LOG_DEBUG, "", "pid %d: %s: %s: %s", pid, obj ? obj : "", step ? step : "",
	       strerror(-err));
	return err;
}

int xc_failf(struct xc_ctx *ctx, pid_t pid, const char *step, int err, const char *objfmt, ...)
{
	char obj[160];
	va_list ap;

	va_start(ap, objfmt);
	vsnprintf(obj, sizeof(obj), objfmt, ap);
	va_end(ap);
	return xc_fail(ctx, pid, obj, step, err);
}

double xc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void xc_ctx_init(struct xc_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->codec = XC_CODEC_ZSTD;
	ctx->level = 1;
	ctx->jobs = -1;
	ctx->cuda_lock_timeout_ms = 10000;
	clock_gettime(CLOCK_MONOTONIC, &ctx->run_start);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

void xc_step_begin(struct xc_ctx *ctx, const char *name)
{
	if (ctx->step_name)
		xc_step_end(ctx);
	ctx->step_name = name;
	clock_gettime(CLOCK_MONOTONIC, &ctx->step_start);
}

void xc_step_end(struct xc_ctx *ctx)
{
	struct timespec now;

	if (!ctx->step_name)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	xc_progress_done(ctx);
	xc_info("%-12s %8.3f ms", ctx->step_name, ts_diff(&ctx->step_start, &now) * 1e3);
	ctx->step_name = NULL;
}

void xc_progress(struct xc_ctx *ctx, const char *what, unsigned long long done,
		 unsigned long long total)
{
	char bar[41];
	int fill, pct;

	if (!ctx->progress || !total)
		return;
	pct = (int)(done * 100 / total);
	if (ctx->progress_shown == pct + 1 && done != total)
		return;
	ctx->progress_shown = pct + 1;
	fill = (int)(done * 40 / total);
	memset(bar, '#', fill);
	memset(bar + fill, '.', 40 - fill);
	bar[40] = 0;
	fprintf(stderr, "\r%-10s [%s] %3d%% %llu/%llu MiB", what, bar, pct, done >> 20, total >> 20);
}

void xc_progress_done(struct xc_ctx *ctx)
{
	if (ctx->progress && ctx->progress_shown) {
		fprintf(stderr, "\r\033[K");
		ctx->progress_shown = 0;
	}
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

void xc_interrupt_guard(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

bool xc_interrupted(void)
{
	return stop_requested != 0;
}

int xc_check_interrupt(struct xc_ctx *ctx, pid_t pid)
{
	if (!stop_requested)
		return 0;
	char step[64];

	snprintf(step, sizeof(step), "stopped by %s, left as it was", strsignal(stop_requested));
	return xc_fail(ctx, pid, "process", step, -EINTR);
}
