/* Objects behind anon_inode fds: which kind each is (a pure decision, for
 * the unit tests), and for each new open file of a supported kind, its
 * fdinfo handed to the kind's own file (eventfd.c, timerfd.c, signalfd.c,
 * epoll.c, inotify.c), which keeps the records that follow the FILE record in the
 * image. The kinds xckpt cannot bring back are refused by name. */
#define LOG_PREFIX "anon: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/tracer.h"

int xc_fd_classify_anon(const char *name, uint32_t *kind, const char **why)
{
	static const struct {
		const char *name;	/* after "anon_inode:"; a trailing '*' matches a prefix */
		uint32_t kind;
		const char *why;
	} kinds[] = {
		{ "[eventfd]", XC_FD_EVENTFD, NULL },
		{ "[timerfd]", XC_FD_TIMERFD, NULL },
		{ "[signalfd]", XC_FD_SIGNALFD, NULL },
		{ "[eventpoll]", XC_FD_EPOLL, NULL },
		{ "inotify", XC_FD_INOTIFY, NULL },
		{ "[fanotify]", 0, "fanotify is not supported" },
		{ "[io_uring]", 0, "io_uring is not supported" },
		{ "[userfaultfd]", 0, "userfaultfd is not supported" },
		{ "[perf_event]", 0, "perf events are not supported" },
		{ "bpf*", 0, "bpf objects are not supported" },
		{ "[pidfd]", 0, "pidfds are not supported yet" },
	};

	*kind = 0;
	*why = "this kind of file is not supported yet";
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].name);
		bool prefix = kinds[i].name[n - 1] == '*';

		if (prefix ? strncmp(name, kinds[i].name, n - 1) : strcmp(name, kinds[i].name))
			continue;
		*kind = kinds[i].kind;
		*why = kinds[i].why;
		break;
	}
	return *why ? -ENOTSUP : 0;
}

bool xc_fd_kind_is_anon(uint32_t kind)
{
	return kind >= XC_FD_EVENTFD && kind <= XC_FD_INOTIFY;
}

int xc_fd_refuse(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (%s)", fd, f->path);
}

int xc_fd_bad_fdinfo(struct xc_dump *d, int fd, const struct xc_rec_file *f, int err)
{
	return xc_failf(d->ctx, d->pid, "parse fdinfo", err, "fd %d (%s)", fd, f->path);
}

int xc_obj_add(struct xc_dump *d, uint32_t rec_kind, const void *rec, uint32_t len)
{
	struct xc_dump_obj *nv = realloc(d->objs, (d->nr_objs + 1) * sizeof(*nv));
	void *copy = malloc(len);

	if (!nv || !copy) {
		free(copy);
		if (nv)
			d->objs = nv;
		return xc_fail(d->ctx, d->pid, "event objects", "allocate", -ENOMEM);
	}
	memcpy(copy, rec, len);
	d->objs = nv;
	d->objs[d->nr_objs++] = (struct xc_dump_obj){ .kind = rec_kind, .len = len, .rec = copy };
	return 0;
}

/* The new open file f, first seen at fd: its object's records. */
int dump_anon_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f)
{
	char name[32], *info;
	size_t len;
	int err;

	if (!xc_fd_kind_is_anon(f->kind))
		return 0;
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	err = xc_proc_read(d, name, &info, &len);
	if (err)
		return err;
	switch (f->kind) {
	case XC_FD_EVENTFD:
		err = dump_eventfd(d, fd, f, info, len);
		break;
	case XC_FD_TIMERFD:
		err = dump_timerfd(d, fd, f, info, len);
		break;
	case XC_FD_SIGNALFD:
		err = dump_signalfd(d, fd, f, info, len);
		break;
	case XC_FD_EPOLL:
		err = dump_epoll(d, fd, f, info, len);
		break;
	case XC_FD_INOTIFY:
		err = dump_inotify(d, fd, f, info, len);
		break;
	}
	free(info);
	return err;
}

/* Every record begins with the id of the FILE it follows. */
int dump_anon_put(struct xc_dump *d, uint32_t file_id)
{
	int err = 0;

	for (size_t i = 0; !err && i < d->nr_objs; i++)
		if (*(const uint32_t *)d->objs[i].rec == file_id)
			err = xc_imgw_put(d->ctx, &d->img, d->objs[i].kind, d->objs[i].rec,
					  d->objs[i].len);
	return err;
}

void dump_anon_free(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_objs; i++)
		free(d->objs[i].rec);
	free(d->objs);
	d->objs = NULL;
	d->nr_objs = 0;
}
