/* Resource limits, read from outside with prlimit(2). */
#define LOG_PREFIX "rlimits: "
#include <errno.h>
#include <sys/resource.h>

#include "common/log.h"
#include "tracer/tracer.h"

int dump_rlimits(struct xc_dump *d)
{
	struct xc_rec_rlimits r;

	for (int i = 0; i < XC_NR_RLIMITS; i++) {
		struct rlimit rl;

		if (prlimit(d->pid, i, NULL, &rl))
			return xc_failf(d->ctx, d->pid, "prlimit", -errno, "rlimit %d", i);
		r.rl[i].cur = rl.rlim_cur;
		r.rl[i].max = rl.rlim_max;
	}
	return xc_imgw_put(d->ctx, &d->img, XC_REC_RLIMITS, &r, sizeof(r));
}
