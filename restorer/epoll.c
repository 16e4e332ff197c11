/* epoll (child side): created after every other fd, then each watch added
 * on its fd number with its events and data. A one-shot watch that already
 * fired holds no event bits and comes back disabled, as it was. */
#define LOG_PREFIX "epoll: "
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* The watched fd is one of the image, and not an epoll (which might not be
 * there yet when this one is created). */
bool rst_epoll_watch_ok(const struct xc_rst *r, const struct xc_rec_epoll_watch *w)
{
	const struct xc_rec_file *t = rst_file_of_fd(r, w->tfd);

	return t && t->kind != XC_FD_EPOLL;
}

int rst_epoll_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0)
		return rst_child_fail(r, obj, "epoll_create1", -errno);
	for (size_t i = 0; i < r->nr_objs; i++) {
		const struct xc_rec_epoll_watch *w = r->objs[i].p;
		struct epoll_event ev;
		char step[48];
		int err;

		if (r->objs[i].kind != XC_REC_EPOLL_WATCH || w->file_id != f->id)
			continue;
		ev.events = w->events;
		ev.data.u64 = w->data;
		if (!epoll_ctl(fd, EPOLL_CTL_ADD, w->tfd, &ev))
			continue;
		err = -errno;
		close(fd);
		snprintf(step, sizeof(step), "epoll_ctl add fd %d", w->tfd);
		return rst_child_fail(r, obj, step, err);
	}
	return fd;
}
