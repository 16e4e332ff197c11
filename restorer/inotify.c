/* inotify (child side): a new instance, then each watch added again by
 * path with its mask, in increasing wd order. The kernel hands out watch
 * descriptors one after the other (idr_alloc_cyclic from 1): a wd below the
 * wanted one is removed and the watch added again until they meet, so the
 * process finds its watches under the numbers it knows. Each removal
 * queues an IN_IGNORED event, which is read away: the image had no event
 * queued (the dump refuses one that has). */
#define LOG_PREFIX "inotify: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

bool rst_inotify_watch_ok(const struct xc_rst *r, const struct xc_rec_inotify_watch *w)
{
	if (w->wd <= 0 || w->path[0] != '/' || !memchr(w->path, 0, sizeof(w->path)))
		return false;
	for (size_t i = 0; i < r->nr_objs; i++) {
		const struct xc_rec_inotify_watch *o = r->objs[i].p;

		if (o != w && r->objs[i].kind == XC_REC_INOTIFY_WATCH && o->file_id == w->file_id &&
		    o->wd == w->wd)
			return false;
	}
	return true;
}

static int add_at(struct xc_rst *r, int fd, const struct xc_rec_inotify_watch *w, const char *obj)
{
	char step[64];
	int wd;

	snprintf(step, sizeof(step), "add watch %d", w->wd);
	for (;;) {
		wd = inotify_add_watch(fd, w->path, w->mask);
		if (wd < 0)
			return rst_child_fail(r, obj, step, -errno);
		if (wd == w->wd)
			return 0;
		if (wd > w->wd)
			return rst_child_fail(r, obj, step, -EEXIST);
		if (inotify_rm_watch(fd, wd))
			return rst_child_fail(r, obj, step, -errno);
	}
}

static int by_wd(const void *a, const void *b)
{
	const struct xc_rec_inotify_watch *x = *(const void *const *)a, *y = *(const void *const *)b;

	return (x->wd > y->wd) - (x->wd < y->wd);
}

int rst_inotify_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj)
{
	const struct xc_rec_inotify_watch **w = malloc((r->nr_objs + 1) * sizeof(*w));
	size_t n = 0;
	int fd, err = 0;

	if (!w)
		return rst_child_fail(r, obj, "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_objs; i++)
		if (r->objs[i].kind == XC_REC_INOTIFY_WATCH &&
		    ((const struct xc_rec_inotify_watch *)r->objs[i].p)->file_id == f->id)
			w[n++] = r->objs[i].p;
	qsort(w, n, sizeof(*w), by_wd);
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		err = rst_child_fail(r, obj, "inotify_init1", -errno);
	for (size_t i = 0; !err && i < n; i++)
		err = add_at(r, fd, w[i], obj);
	free(w);
	if (!err) {
		char ev[4096];
		while (read(fd, ev, sizeof(ev)) > 0)
			;
	}
	if (err && fd >= 0)
		close(fd);
	return err ? err : fd;
}
