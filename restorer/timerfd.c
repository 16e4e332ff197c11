/* timerfd (child side): created on its clock, armed with what it had left
 * (relative) or its expiry (absolute, which fires at once if that passed
 * while the process was down), and given back the expirations that were not
 * read yet (TFD_IOC_SET_TICKS, CONFIG_CHECKPOINT_RESTORE). */
#define LOG_PREFIX "timerfd: "
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define TFD_IOC_SET_TICKS_ _IOW('T', 0, uint64_t)
#define TFD_SETTIME_FLAGS_ (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)

bool rst_timerfd_ok(const struct xc_rec_timerfd *t)
{
	return t->clockid >= 0 && !(t->settime_flags & ~TFD_SETTIME_FLAGS_) && t->value_sec >= 0 &&
	       t->interval_sec >= 0 && t->value_nsec >= 0 && t->value_nsec < 1000000000 &&
	       t->interval_nsec >= 0 && t->interval_nsec < 1000000000;
}

int rst_timerfd_open(struct xc_rst *r, const struct xc_rec_timerfd *t, const char *obj)
{
	struct itimerspec its = {
		.it_value = { t->value_sec, t->value_nsec },
		.it_interval = { t->interval_sec, t->interval_nsec },
	};
	uint64_t ticks = t->ticks;
	const char *step;
	int fd, err;

	fd = timerfd_create(t->clockid, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return rst_child_fail(r, obj, "timerfd_create", -errno);
	step = "timerfd_settime";
	if (timerfd_settime(fd, (int)t->settime_flags, &its, NULL))
		goto fail;
	step = "set expirations (TFD_IOC_SET_TICKS)";
	if (ticks && ioctl(fd, TFD_IOC_SET_TICKS_, &ticks))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return rst_child_fail(r, obj, step, err);
}
