/* The kernel's struct sched_attr (sched_getattr/sched_setattr), up to the
 * utilization clamps; the system headers of older C libraries lack it.
 * Plain types only: the restorer blob includes it too. */
#ifndef XC_SCHED_ATTR_H
#define XC_SCHED_ATTR_H

#include <stdint.h>

struct xc_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

#define XC_SCHED_FLAG_KEEP_ALL		0x18	/* KEEP_POLICY | KEEP_PARAMS */
#define XC_SCHED_FLAG_UTIL_CLAMP	0x60	/* UTIL_CLAMP_MIN | UTIL_CLAMP_MAX */

#endif
