/* Resource limits, from /proc/PID/limits: prlimit(2) on a process of
 * another user needs CAP_SYS_RESOURCE, which root may lack. */
#define LOG_PREFIX "rlimits: "
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "tracer/tracer.h"

int dump_rlimits(struct xc_dump *d)
{
	struct xc_limit l[XC_NR_RLIMITS];
	struct xc_rec_rlimits r;
	char *buf;
	size_t len;
	int err;

	err = xc_proc_read(d, "limits", &buf, &len);
	if (err)
		return err;
	err = xc_parse_limits(buf, len, l, XC_NR_RLIMITS);
	free(buf);
	if (err)
		return xc_fail(d->ctx, d->pid, "limits", "parse", err);
	for (int i = 0; i < XC_NR_RLIMITS; i++) {
		r.rl[i].cur = l[i].cur;
		r.rl[i].max = l[i].max;
	}
	return xc_imgw_put(d->ctx, &d->img, XC_REC_RLIMITS, &r, sizeof(r));
}
