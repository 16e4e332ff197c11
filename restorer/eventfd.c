/* eventfd, created with its counter and semaphore mode (child side). */
#define LOG_PREFIX "eventfd: "
#include <errno.h>
#include <sys/eventfd.h>

#include "common/log.h"
#include "restorer/rst.h"

int rst_eventfd_open(struct xc_rst *r, const struct xc_rec_eventfd *e, const char *obj)
{
	int fd;

	/* eventfd() takes an unsigned int: a larger count is written after. */
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK |
			       (e->flags & XC_EFD_SEMAPHORE ? EFD_SEMAPHORE : 0));
	if (fd < 0)
		return rst_child_fail(r, obj, "eventfd", -errno);
	if (e->count && eventfd_write(fd, e->count)) {
		int err = -errno;
		close(fd);
		return rst_child_fail(r, obj, "eventfd write count", err);
	}
	return fd;
}
