/* timerfd: clock, settime flags, interval, expirations not yet read, and
 * when it fires next. fdinfo shows the time left; an absolute timer is saved
 * as its expiry on its own clock (now + time left), so that it fires at the
 * same wall or boot time after restore, while a relative one keeps the time
 * it had left, as the process was frozen in between. A periodic timer that
 * expired and was not read since shows no time left (the kernel moves it
 * on at the next read): it is saved as due in one interval, its missed
 * expirations in ticks. */
#define LOG_PREFIX "timerfd: "
#include <errno.h>
#include <time.h>

#include "common/log.h"
#include "tracer/proc/fdinfo-events.h"
#include "tracer/tracer.h"

#define TFD_TIMER_ABSTIME_ 1

int dump_timerfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len)
{
	struct xc_rec_timerfd t = { .file_id = f->id };
	struct xc_timerfd_info ti;
	struct timespec now;
	int err = xc_parse_timerfd(info, len, &ti);

	if (err)
		return xc_fd_bad_fdinfo(d, fd, f, err);
	t.clockid = ti.clockid;
	t.settime_flags = ti.settime_flags;
	t.ticks = ti.ticks;
	t.value_sec = ti.value_sec;
	t.value_nsec = ti.value_nsec;
	t.interval_sec = ti.interval_sec;
	t.interval_nsec = ti.interval_nsec;
	if (!t.value_sec && !t.value_nsec && (t.interval_sec || t.interval_nsec)) {
		t.value_sec = t.interval_sec;
		t.value_nsec = t.interval_nsec;
	}
	/* Armed and absolute: the expiry, read right after fdinfo. */
	if ((t.settime_flags & TFD_TIMER_ABSTIME_) && (t.value_sec || t.value_nsec)) {
		if (clock_gettime(t.clockid, &now))
			return xc_failf(d->ctx, d->pid, "clock_gettime", -errno, "fd %d (%s, clock %d)",
					fd, f->path, t.clockid);
		t.value_sec += now.tv_sec;
		t.value_nsec += now.tv_nsec;
		if (t.value_nsec >= 1000000000) {
			t.value_sec++;
			t.value_nsec -= 1000000000;
		}
	}
	return xc_obj_add(d, XC_REC_TIMERFD, &t, sizeof(t));
}
