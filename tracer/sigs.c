/* Signal dispositions and itimers (answered by the parasite) and pending
 * signals, each thread's own and the process-wide queue, which
 * PTRACE_PEEKSIGINFO reads with their full siginfo. */
#define LOG_PREFIX "sigs: "
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* glibc declares the struct without a definition in some versions. */
struct xc_peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

/* mask: of the thread the signal is queued for; the shared queue is
 * judged by the leader's. */
static bool stops_job(const struct xc_dump *d, uint64_t mask, int sig)
{
	if (sig == SIGSTOP)
		return true;
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return false;
	return !(mask & (1ULL << (sig - 1))) && !d->misc.misc.sa[sig - 1].handler;
}

/* Pending signals of thread t, or of the process-wide queue (shared). */
static int dump_pending(struct xc_dump *d, const struct xc_dthread *t, bool shared)
{
	for (int i = 0;; i++) {
		struct xc_peeksiginfo_args a = {
			.off = i, .nr = 1, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0 };
		struct xc_rec_siginfo rec = { .tid = shared ? 0 : (uint32_t)t->tid };
		siginfo_t si;
		long n = ptrace(PTRACE_PEEKSIGINFO, t->tid, &a, &si);
		int err;

		if (n < 0)
			return xc_failf(d->ctx, d->pid, "ptrace peeksiginfo", -errno,
					"pending signals of thread %d", t->tid);
		if (!n)
			return 0;
		/* A stop signal that came after the last remote call and will
		 * stop the job: not a signal to queue at restore (it would stop
		 * the restorer), but a stopped job, which THREAD.flags carries.
		 * A blocked or handled SIGTSTP/SIGTTIN/SIGTTOU is an ordinary
		 * pending signal. */
		if (stops_job(d, t->sigmask, si.si_signo)) {
			d->stopped = true;
			continue;
		}
		memcpy(rec.info, &si, sizeof(rec.info));
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_SIGINFO, &rec, sizeof(rec));
		if (err)
			return err;
	}
}

int dump_sigs(struct xc_dump *d)
{
	struct xc_rec_sigactions sa;
	struct xc_rec_itimers it;
	int err;

	static_assert(sizeof(sa.sa) == sizeof(d->misc.misc.sa), "sigaction layout");
	memcpy(sa.sa, d->misc.misc.sa, sizeof(sa.sa));
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_SIGACTIONS, &sa, sizeof(sa));
	if (err)
		return err;
	for (int w = 0; w < 3; w++) {
		const struct xc_pitimer *p = &d->misc.misc.it[w];
		it.it[w].interval_us = p->interval_sec * 1000000 + p->interval_usec;
		it.it[w].value_us = p->value_sec * 1000000 + p->value_usec;
	}
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_ITIMERS, &it, sizeof(it));
	for (size_t i = 0; i < d->nr_thr && !err; i++)
		err = dump_pending(d, &d->thr[i], false);
	if (!err)
		err = dump_pending(d, xc_leader(d), true);
	return err;
}
