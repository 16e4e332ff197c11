/* Scheduling of a thread: policy and real-time priority, nice value,
 * utilization clamps, CPU affinity and I/O priority, which the kernel keeps
 * per thread and a restored thread would otherwise inherit from the
 * restorer. Read from outside with the thread's tid; SCHED_DEADLINE (whose
 * thread could not create the others at restore) is refused. */
#define LOG_PREFIX "sched: "
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sched-attr.h"
#include "tracer/tracer.h"

#define XC_SCHED_DEADLINE 6
#define XC_SCHED_RESET_ON_FORK 0x40000000

int dump_sched(struct xc_dump *d, pid_t tid, struct xc_rec_thread *t)
{
	struct xc_sched_attr sa = { 0 };
	struct sched_param sp;
	int policy, nice;
	long io;

	policy = sched_getscheduler(tid);
	if (policy < 0)
		return xc_failf(d->ctx, d->pid, "sched_getscheduler", -errno,
				"scheduling policy of thread %d", tid);
	if ((policy & ~XC_SCHED_RESET_ON_FORK) == XC_SCHED_DEADLINE) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "SCHED_DEADLINE is not supported yet", -ENOTSUP,
				"scheduling policy of thread %d", tid);
	}
	if (sched_getparam(tid, &sp))
		return xc_failf(d->ctx, d->pid, "sched_getparam", -errno,
				"scheduling priority of thread %d", tid);
	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)tid);
	if (nice == -1 && errno)
		return xc_failf(d->ctx, d->pid, "getpriority", -errno, "nice value of thread %d", tid);
	static_assert(sizeof(t->affinity) == 128, "affinity words");
	if (sched_getaffinity(tid, sizeof(t->affinity), (cpu_set_t *)t->affinity) < 0) {
		if (errno != EINVAL)
			return xc_failf(d->ctx, d->pid, "sched_getaffinity", -errno,
					"CPU affinity of thread %d", tid);
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "more than 1024 CPUs are not supported yet", -ENOTSUP,
				"CPU affinity of thread %d", tid);
	}
	if (syscall(SYS_sched_getattr, tid, &sa, sizeof(sa), 0))
		return xc_failf(d->ctx, d->pid, "sched_getattr", -errno,
				"scheduling attributes of thread %d", tid);
	io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, tid);
	if (io < 0)
		return xc_failf(d->ctx, d->pid, "ioprio_get", -errno, "I/O priority of thread %d", tid);
	t->util_min = sa.util_min;
	t->util_max = sa.util_max;
	t->ioprio = (uint32_t)io;
	t->sched_policy = (uint32_t)policy;
	t->sched_priority = (uint32_t)sp.sched_priority;
	t->nice = nice;
	return 0;
}
