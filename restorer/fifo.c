/* Named pipes (FIFOs), child side. Before the FIFO's own descriptions are
 * opened, the child holds each FIFO open read-write (which never blocks on
 * a FIFO, and gives a write-only open the reader it needs), checks that
 * nothing is left in it (a FIFO someone else holds, with data that is not
 * the image's, is refused), gives it its capacity back and writes its
 * unread bytes into it again (restorer/pipe-data.c). The holders are
 * closed once every fd is in place. A FIFO kept with --ext-pipe is only
 * reopened: its data stayed with the process outside. */
#define LOG_PREFIX "fifo: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "restorer/rst.h"

int rst_fifos_prepare(struct xc_rst *r)
{
	r->fifo_fds = calloc(r->nr_fifos + 1, sizeof(int));
	if (!r->fifo_fds)
		return rst_child_fail(r, "FIFOs", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_fifos; i++)
		r->fifo_fds[i] = -1;
	for (size_t i = 0; i < r->nr_fifos; i++) {
		const struct xc_rec_fifo *q = r->fifos[i];
		const char *path = r->tree->file_paths[q->file_id - 1];
		int fd, avail = 0, err;

		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return rst_child_fail(r, path, "open the FIFO", -errno);
		/* Above every target fd, which the fds about to be made take. */
		r->fifo_fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, r->svc_base);
		close(fd);
		fd = r->fifo_fds[i];
		if (fd < 0)
			return rst_child_fail(r, path, "move the FIFO fd", -errno);
		if (q->flags & XC_FIFO_EXTERNAL)
			continue;
		if (ioctl(fd, FIONREAD, &avail))
			return rst_child_fail(r, path, "FIONREAD", -errno);
		if (avail)
			return rst_child_fail(r, path, "FIFO holds data that is not the image's (another "
					      "process has it open)", -EBUSY);
		err = rst_pipe_fill(fd, q->capacity, q + 1, q->len);
		if (err)
			return rst_child_fail(r, path, "refill the FIFO", err);
	}
	return 0;
}

void rst_fifos_release(struct xc_rst *r)
{
	for (size_t i = 0; r->fifo_fds && i < r->nr_fifos; i++)
		if (r->fifo_fds[i] >= 0)
			close(r->fifo_fds[i]);
}
