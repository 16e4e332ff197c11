/* epoll: one record per watch (fd, events, data) from fdinfo's "tfd:"
 * lines. Restore re-adds each watch on the same fd number, so a watch is
 * saved only where that number still holds the watched file (same inode and
 * device) in this process; a watch on a file the process no longer holds
 * there, or on another epoll, is refused. */
#define LOG_PREFIX "epoll: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/proc/fdinfo-events.h"
#include "tracer/tracer.h"

static int check_watch(struct xc_dump *d, int fd, const struct xc_rec_file *f,
		       const struct xc_epoll_tfd *w)
{
	char name[32], link[64], why[96];
	struct stat st;
	ssize_t n;

	snprintf(name, sizeof(name), "fd/%d", w->tfd);
	snprintf(why, sizeof(why), "watches a file the process no longer holds at fd %d", w->tfd);
	if (fstatat(d->procfd, name, &st, 0) || st.st_ino != w->ino ||
	    st.st_dev != makedev(w->sdev >> 20, w->sdev & 0xfffff))
		return xc_fd_refuse(d, fd, f, why);
	n = readlinkat(d->procfd, name, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	if (!strcmp(link, "anon_inode:[eventpoll]"))
		return xc_fd_refuse(d, fd, f, "an epoll watching another epoll is not supported yet");
	return 0;
}

int dump_epoll(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
	       size_t len)
{
	struct xc_epoll_tfd *w;
	size_t nr;
	int err = xc_parse_epoll(info, len, &w, &nr);

	if (err)
		return xc_fd_bad_fdinfo(d, fd, f, err);
	for (size_t i = 0; !err && i < nr; i++) {
		struct xc_rec_epoll_watch e = { .file_id = f->id, .tfd = w[i].tfd,
						.events = w[i].events, .data = w[i].data };

		err = check_watch(d, fd, f, &w[i]);
		if (!err)
			err = xc_obj_add(d, XC_REC_EPOLL_WATCH, &e, sizeof(e));
	}
	free(w);
	return err;
}
