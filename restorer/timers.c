/* POSIX timers (child side): each created again with its own id
 * (PR_TIMER_CREATE_RESTORE_IDS, Linux 6.16+), clock, signal, value and
 * notification, and armed with the time it had left. The signals are
 * blocked until the restored process runs, so one that fires meanwhile
 * waits, pending, as it would have. */
#define LOG_PREFIX "timers: "
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define PR_TIMER_CREATE_RESTORE_IDS_ 77
#define SIGEV_THREAD_ID_ 4

bool rst_timer_ok(const struct xc_rst *r, const struct xc_rec_posix_timer *t)
{
	if (t->id < 0 || t->signo < 0 || t->signo > 64 ||
	    (t->notify != SIGEV_SIGNAL && t->notify != SIGEV_NONE &&
	     t->notify != (SIGEV_SIGNAL | SIGEV_THREAD_ID_)) ||
	    t->value_sec < 0 || t->value_nsec < 0 || t->value_nsec >= 1000000000 ||
	    t->interval_sec < 0 || t->interval_nsec < 0 || t->interval_nsec >= 1000000000 ||
	    t->overrun < 0 || (t->overrun && !xc_timer_overrun_ok(t)) || t->reserved)
		return false;
	for (size_t i = 0; i < r->nr_timers; i++)
		if (r->timers[i]->id == t->id)
			return false;
	return true;
}

static int64_t ns(int64_t sec, int64_t nsec)
{
	return sec * 1000000000 + nsec;
}

/* One try: armed with TIMER_ABSTIME at E = now + left - (N + 1) * interval,
 * in the past, the timer fires at once; taking its signal (sigtimedwait)
 * makes the kernel move its expiry past the present by whole intervals,
 * N + 1 of them when less than `left` went by since `now`, and count all
 * but the first as the overrun of that signal: the next expiry is then
 * now + left, as a relative arming would make it. 1: the count came out
 * otherwise (time went by), try again. */
static int overrun_try(const struct xc_rec_posix_timer *t, const char **step)
{
	int64_t iv = ns(t->interval_sec, t->interval_nsec), e;
	struct timespec now, wait = { 1, 0 };
	struct itimerspec its = { .it_interval = { t->interval_sec, t->interval_nsec } };
	siginfo_t si;
	sigset_t one;
	long got;

	*step = "clock_gettime";
	if (clock_gettime(t->clockid, &now))
		return -errno;
	e = ns(now.tv_sec, now.tv_nsec) + ns(t->value_sec, t->value_nsec) -
	    ((int64_t)t->overrun + 1) * iv;
	*step = "make its overrun: clock too young for it";
	if (e <= 0)
		return -ERANGE;
	its.it_value.tv_sec = e / 1000000000;
	its.it_value.tv_nsec = e % 1000000000;
	*step = "make its overrun: timer_settime";
	if (syscall(SYS_timer_settime, t->id, TIMER_ABSTIME, &its, NULL))
		return -errno;
	sigemptyset(&one);
	sigaddset(&one, t->signo);
	*step = "make its overrun: take its signal";
	if (sigtimedwait(&one, &si, &wait) != t->signo)
		return -errno;
	if (si.si_code != SI_TIMER || si.si_timerid != t->id)
		return -EBUSY;	/* another timer's signal: it would be lost */
	*step = "make its overrun: timer_getoverrun";
	got = syscall(SYS_timer_getoverrun, t->id);
	if (got < 0)
		return -errno;
	return got == t->overrun ? 0 : 1;
}

/* The overrun of its last signal, which only the kernel's own accounting
 * sets (xc_timer_overrun_ok: monotonic, armed, periodic, signalling). */
static int with_overrun(struct xc_rst *r, const struct xc_rec_posix_timer *t, const char *obj)
{
	const char *step = "";
	int err = 1;

	for (int tries = 0; err == 1 && tries < 16; tries++)
		err = overrun_try(t, &step);
	if (err == 1)
		return rst_child_fail(r, obj, "make its overrun: the count came out otherwise 16 "
				      "times", -EAGAIN);
	return err ? rst_child_fail(r, obj, step, err) : 0;
}

static int create_one(struct xc_rst *r, const struct xc_rec_posix_timer *t)
{
	struct itimerspec its = { { t->interval_sec, t->interval_nsec },
				  { t->value_sec, t->value_nsec } };
	struct sigevent ev;
	char obj[32];
	int id = t->id;

	snprintf(obj, sizeof(obj), "POSIX timer %d", t->id);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_value.sival_ptr = (void *)(uintptr_t)t->sigval;
	ev.sigev_signo = t->signo;
	ev.sigev_notify = (int)t->notify;
	if (t->notify & SIGEV_THREAD_ID_)
		ev._sigev_un._tid = r->pid;	/* its one thread */
	/* The raw call: the C library's timer_t is not the kernel's id. */
	if (syscall(SYS_timer_create, t->clockid, &ev, &id))
		return rst_child_fail(r, obj, "timer_create", -errno);
	if (id != t->id)
		return rst_child_fail(r, obj, "timer_create with its id", -EBUSY);
	if (t->overrun)
		return with_overrun(r, t, obj);
	if ((t->value_sec || t->value_nsec) && syscall(SYS_timer_settime, id, 0, &its, NULL))
		return rst_child_fail(r, obj, "timer_settime", -errno);
	return 0;
}

int rst_timers(struct xc_rst *r)
{
	int err = 0;

	if (!r->nr_timers)
		return 0;
	if (prctl(PR_TIMER_CREATE_RESTORE_IDS_, 1, 0, 0, 0))
		return rst_child_fail(r, "POSIX timers",
				      "prctl PR_TIMER_CREATE_RESTORE_IDS (Linux 6.16+)", -errno);
	/* /proc/PID/timers lists the newest first: the image's last timer is
	 * created first, so that the listing comes back in its order. */
	for (size_t i = r->nr_timers; !err && i-- > 0;)
		err = create_one(r, r->timers[i]);
	if (!err && prctl(PR_TIMER_CREATE_RESTORE_IDS_, 0, 0, 0, 0))
		err = rst_child_fail(r, "POSIX timers", "prctl PR_TIMER_CREATE_RESTORE_IDS off",
				     -errno);
	return err;
}
