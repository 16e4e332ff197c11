/* eventfd: its counter and whether it counts as a semaphore, both from
 * fdinfo. The status flags (O_NONBLOCK) are those of its FILE record. */
#define LOG_PREFIX "eventfd: "
#include <errno.h>

#include "common/log.h"
#include "tracer/proc/fdinfo-events.h"
#include "tracer/tracer.h"

int dump_eventfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len)
{
	struct xc_rec_eventfd e = { .file_id = f->id };
	int sem, err = xc_parse_eventfd(info, len, &e.count, &sem);

	if (err == -ENODATA)
		return xc_fd_refuse(d, fd, f,
				    "this kernel does not show whether an eventfd is a semaphore");
	if (err)
		return xc_fd_bad_fdinfo(d, fd, f, err);
	e.flags = sem ? XC_EFD_SEMAPHORE : 0;
	return xc_obj_add(d, XC_REC_EVENTFD, &e, sizeof(e));
}
