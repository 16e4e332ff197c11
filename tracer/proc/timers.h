/* Pure parser of /proc/PID/timers (fs/proc/base.c show_timer): one block of
 * "ID:", "signal:", "notify:" and "ClockID:" lines per POSIX timer. */
#ifndef XC_PROC_TIMERS_H
#define XC_PROC_TIMERS_H

#include <stddef.h>
#include <stdint.h>

struct xc_timer_info {
	int id;
	int signo;
	uint64_t sigval;	/* sigev_value, as a pointer */
	uint32_t notify;	/* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, | SIGEV_THREAD_ID */
	int pid;		/* the process, or with SIGEV_THREAD_ID the thread */
	int clockid;
};

/* *t is malloc'd (NULL when there is none); 0 or -EINVAL. */
int xc_parse_timers(const char *buf, size_t len, struct xc_timer_info **t, size_t *nr);

#endif
