/* Pure parsers of the kind-specific lines of /proc/PID/fdinfo/FD for the
 * event objects (eventfd, timerfd, signalfd, epoll, inotify). Each takes the whole
 * fdinfo text and its length; 0 or -EINVAL on malformed or missing lines,
 * -ENODATA where the kernel does not show a field the restore needs. */
#ifndef XC_PROC_FDINFO_EVENTS_H
#define XC_PROC_FDINFO_EVENTS_H

#include <stddef.h>
#include <stdint.h>

/* "eventfd-count: %16llx", "eventfd-semaphore: %d" (6.6+: -ENODATA before). */
int xc_parse_eventfd(const char *buf, size_t len, uint64_t *count, int *semaphore);

struct xc_timerfd_info {
	int clockid;
	uint64_t ticks;
	uint32_t settime_flags;
	int64_t value_sec, value_nsec;		/* time left, whatever the flags */
	int64_t interval_sec, interval_nsec;
};
int xc_parse_timerfd(const char *buf, size_t len, struct xc_timerfd_info *t);

/* "sigmask: %016llx" */
int xc_parse_signalfd(const char *buf, size_t len, uint64_t *sigmask);

struct xc_epoll_tfd {
	int tfd;
	uint32_t events;
	uint64_t data;
	uint64_t ino;
	uint32_t sdev;		/* the kernel's dev_t: major << 20 | minor */
};
/* One "tfd:" line per watch; *w is malloc'd (NULL when there is none). */
int xc_parse_epoll(const char *buf, size_t len, struct xc_epoll_tfd **w, size_t *nr);

struct xc_inotify_wd {
	int wd;
	uint32_t mask, ignored_mask;
	uint64_t ino;
	uint32_t sdev;		/* the kernel's dev_t: major << 20 | minor */
	int fh_type;
	uint32_t fh_bytes;	/* at most 128 (MAX_HANDLE_SZ) */
	uint8_t fh[128];
};
/* One "inotify wd:" line per watch; *w is malloc'd (NULL when none). */
int xc_parse_inotify(const char *buf, size_t len, struct xc_inotify_wd **w, size_t *nr);

#endif
