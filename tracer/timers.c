/* POSIX timers (timer_create): /proc/PID/timers gives each one's id, clock,
 * signal, value and how it notifies; the parasite reads its time left,
 * interval and overrun inside the target, where timer_gettime() works. A
 * timer's overrun count comes back only through the way the kernel makes
 * it (restorer/timers.c): on a monotonic clock, armed, periodic, with a
 * signal; otherwise a count that is not 0 is refused. */
#define LOG_PREFIX "timers: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/proc/timers.h"
#include "tracer/tracer.h"

#define SIGEV_THREAD_ 2
#define SIGEV_THREAD_ID_ 4

static int refuse(struct xc_dump *d, int id, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "POSIX timer %d", id);
}

/* What the process must be for its timers to come back: each notifies this
 * process (or its one thread), not through a helper thread. */
static int check(struct xc_dump *d, const struct xc_timer_info *t)
{
	if ((t->notify & ~SIGEV_THREAD_ID_) == SIGEV_THREAD_)
		return refuse(d, t->id, "SIGEV_THREAD timers are not supported");
	if (t->pid != d->pid)
		return refuse(d, t->id, "a timer that notifies another task is not supported");
	/* A CPU clock named by pid (~pid << 3 | which): the process's own
	 * comes back with its pid, another task's is not restored. */
	if (t->clockid < 0 && ~(t->clockid >> 3) != d->pid)
		return refuse(d, t->id, "a timer on another task's CPU clock is not supported");
	return 0;
}

/* Time left, interval and overrun of timers [from, from + n), by the
 * parasite. */
static int read_batch(struct xc_dump *d, struct xc_parasite_args *a, size_t from, size_t n)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->cmd = XC_PCMD_DUMP_TIMERS;
	a->timers.nr = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		a->timers.t[i].id = (int32_t)d->timers[from + i].id;
	err = xc_parasite_run(d, a);
	if (!err && a->ret)
		err = xc_failf(d->ctx, d->pid, "parasite: timer_gettime", a->ret, "POSIX timer %d",
			       d->timers[from + a->fail_index].id);
	for (size_t i = 0; !err && i < n; i++) {
		const struct xc_ptimer *p = &a->timers.t[i];
		struct xc_rec_posix_timer *r = &d->timers[from + i];

		r->value_sec = p->value_sec;
		r->value_nsec = p->value_nsec;
		r->interval_sec = p->interval_sec;
		r->interval_nsec = p->interval_nsec;
		r->overrun = p->overrun;
		if (p->overrun && !xc_timer_overrun_ok(r))
			return refuse(d, r->id, "overrun count of its last signal cannot be restored "
				      "(only on a monotonic clock, armed, periodic, with a signal)");
	}
	return err;
}

/* After the seize, once the parasite can run. */
int dump_timers_collect(struct xc_dump *d)
{
	struct xc_parasite_args *a;
	struct xc_timer_info *t;
	char *buf;
	size_t len, nr;
	int err = xc_proc_read(d, "timers", &buf, &len);

	if (err)
		return err;
	err = xc_parse_timers(buf, len, &t, &nr);
	free(buf);
	if (err)
		return xc_fail(d->ctx, d->pid, "timers", "parse", err);
	d->timers = calloc(nr + 1, sizeof(*d->timers));
	if (!d->timers) {
		free(t);
		return xc_fail(d->ctx, d->pid, "timers", "allocate", -ENOMEM);
	}
	for (size_t i = 0; !err && i < nr; i++) {
		err = check(d, &t[i]);
		d->timers[i] = (struct xc_rec_posix_timer){
			.id = t[i].id, .clockid = t[i].clockid, .signo = t[i].signo,
			.notify = t[i].notify, .sigval = t[i].sigval };
	}
	free(t);
	if (err)
		return err;
	d->nr_timers = nr;
	if (!nr)
		return 0;
	a = malloc(sizeof(*a));
	if (!a)
		return xc_fail(d->ctx, d->pid, "timers", "allocate", -ENOMEM);
	for (size_t i = 0; !err && i < nr; i += XC_PTIMERS_MAX)
		err = read_batch(d, a, i, nr - i < XC_PTIMERS_MAX ? nr - i : XC_PTIMERS_MAX);
	free(a);
	return err;
}

int dump_timers(struct xc_dump *d)
{
	int err = 0;

	for (size_t i = 0; !err && i < d->nr_timers; i++)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_POSIX_TIMER, &d->timers[i],
				  sizeof(d->timers[i]));
	return err;
}
