/* The event objects behind open files (eventfd, timerfd, signalfd, epoll,
 * inotify):
 * their records are collected while the image is read, checked against the
 * FILE records they follow before anything is created, and each open file
 * of these kinds is then created by its kind's file (child side). */
#define LOG_PREFIX "anon: "
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* The file kind each object record belongs to; 0: not an object record. */
static uint32_t owner_kind(uint32_t rec_kind, uint32_t *size)
{
	switch (rec_kind) {
	case XC_REC_EVENTFD: *size = sizeof(struct xc_rec_eventfd); return XC_FD_EVENTFD;
	case XC_REC_TIMERFD: *size = sizeof(struct xc_rec_timerfd); return XC_FD_TIMERFD;
	case XC_REC_SIGNALFD: *size = sizeof(struct xc_rec_signalfd); return XC_FD_SIGNALFD;
	case XC_REC_EPOLL_WATCH: *size = sizeof(struct xc_rec_epoll_watch); return XC_FD_EPOLL;
	case XC_REC_INOTIFY_WATCH: *size = sizeof(struct xc_rec_inotify_watch); return XC_FD_INOTIFY;
	case XC_REC_TTY: *size = sizeof(struct xc_rec_tty); return XC_FD_PTY_MASTER;	/* or slave */
	}
	return 0;
}

bool rst_is_obj_rec(uint32_t rec_kind)
{
	uint32_t size;

	return owner_kind(rec_kind, &size) != 0;
}

bool rst_is_anon_file(uint32_t file_kind)
{
	return file_kind >= XC_FD_EVENTFD && file_kind <= XC_FD_INOTIFY;
}

/* Called by image.c for each object record: its length, and a FILE record
 * of the right kind before it. -EBADMSG: a bad record. */
int rst_obj_take(struct xc_rst *r, uint32_t rec_kind, const void *p, uint32_t len)
{
	struct xc_rst_obj *na;
	uint32_t size = 0, want = owner_kind(rec_kind, &size);
	uint32_t id;

	if (len != size)
		return -EBADMSG;
	id = *(const uint32_t *)p;
	if (!id || id > r->tree->nr_files ||
	    (r->tree->files[id - 1]->kind != want &&
	     !(rec_kind == XC_REC_TTY && (r->tree->files[id - 1]->kind == XC_FD_PTY_SLAVE ||
					   rst_tty_is_user_file(r->tree->files[id - 1])))))
		return -EBADMSG;
	/* One record per eventfd, timerfd or signalfd. */
	if (rec_kind != XC_REC_EPOLL_WATCH && rec_kind != XC_REC_INOTIFY_WATCH &&
	    rst_obj_find(r, rec_kind, id))
		return -EBADMSG;
	na = realloc(r->objs, (r->nr_objs + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	r->objs = na;
	r->objs[r->nr_objs++] = (struct xc_rst_obj){ .kind = rec_kind, .p = p };
	return 0;
}

const void *rst_obj_find(const struct xc_rst *r, uint32_t rec_kind, uint32_t file_id)
{
	for (size_t i = 0; i < r->nr_objs; i++)
		if (r->objs[i].kind == rec_kind && *(const uint32_t *)r->objs[i].p == file_id)
			return r->objs[i].p;
	return NULL;
}

/* The open file behind target fd n, NULL if the image has no such fd. */
const struct xc_rec_file *rst_file_of_fd(const struct xc_rst *r, int32_t n)
{
	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd == n)
			return r->tree->files[r->fds[i]->file_id - 1];
	return NULL;
}

/* After the whole file: every eventfd, timerfd and signalfd has its
 * record, and every object passes its kind's own check. */
int rst_objs_check(struct xc_rst *r, const char **why)
{
	static const uint32_t single[][2] = { { XC_FD_EVENTFD, XC_REC_EVENTFD },
					      { XC_FD_TIMERFD, XC_REC_TIMERFD },
					      { XC_FD_SIGNALFD, XC_REC_SIGNALFD },
					      { XC_FD_PTY_MASTER, XC_REC_TTY },
					      { XC_FD_PTY_SLAVE, XC_REC_TTY } };

	for (size_t i = 0; i < r->nr_ofiles; i++)
		for (size_t k = 0; k < sizeof(single) / sizeof(single[0]); k++)
			if (r->ofiles[i]->kind == single[k][0] &&
			    !rst_obj_find(r, single[k][1], r->ofiles[i]->id)) {
				*why = "open file of an event object without its record";
				return -EBADMSG;
			}
	for (size_t i = 0; i < r->nr_objs; i++) {
		const void *p = r->objs[i].p;
		bool ok = true;

		switch (r->objs[i].kind) {
		case XC_REC_TIMERFD: ok = rst_timerfd_ok(p); break;
		case XC_REC_EPOLL_WATCH: ok = rst_epoll_watch_ok(r, p); break;
		case XC_REC_INOTIFY_WATCH: ok = rst_inotify_watch_ok(r, p); break;
		case XC_REC_TTY:
			/* XC_TTY_USER exactly on the user's terminal */
			ok = rst_tty_ok(p) &&
			     !(((const struct xc_rec_tty *)p)->flags & XC_TTY_USER) ==
				     !rst_tty_is_user_file(r->tree->files[*(const uint32_t *)p - 1]);
			break;
		}
		if (!ok) {
			*why = "bad event object record";
			return -EBADMSG;
		}
	}
	return 0;
}

int rst_anon_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj, int *out)
{
	int fd = -EINVAL;

	switch (f->kind) {
	case XC_FD_EVENTFD:
		fd = rst_eventfd_open(r, rst_obj_find(r, XC_REC_EVENTFD, f->id), obj);
		break;
	case XC_FD_TIMERFD:
		fd = rst_timerfd_open(r, rst_obj_find(r, XC_REC_TIMERFD, f->id), obj);
		break;
	case XC_FD_SIGNALFD:
		fd = rst_signalfd_open(r, rst_obj_find(r, XC_REC_SIGNALFD, f->id), obj);
		break;
	case XC_FD_EPOLL:
		fd = rst_epoll_open(r, f, obj);
		break;
	case XC_FD_INOTIFY:
		fd = rst_inotify_open(r, f, obj);
		break;
	case XC_FD_PTY_MASTER:
	case XC_FD_PTY_SLAVE:
		fd = rst_tty_open(r, f, obj);
		break;
	default:
		return rst_child_fail(r, obj, "create", -EINVAL);
	}
	if (fd < 0)
		return fd;
	/* Created non-blocking and close-on-exec: now the recorded flags. */
	if (!(f->flags & O_NONBLOCK) && fcntl(fd, F_SETFL, f->flags & ~O_NONBLOCK)) {
		int err = rst_child_fail(r, obj, "set file status flags", -errno);
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}
