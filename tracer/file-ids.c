/* Open file description identity across one dump. Descriptors made by
 * dup(), dup2(), F_DUPFD or inherited across fork() share one "struct file"
 * (offset, status flags, locks of the OFD kind); the image records it once
 * (FILE) and each descriptor as a reference to it (FD). Two descriptors
 * share one exactly when kcmp(KCMP_FILE) says so; the table keeps one
 * (pid, fd) witness per description seen so far in this dump, whatever the
 * process, so it serves a whole process tree. Only witnesses with the same
 * device and inode are compared: a shared description has one inode, and
 * the filter keeps the kcmp calls near one per descriptor. */
#define LOG_PREFIX "file-ids: "
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/tracer.h"

/* kcmp() answers 0 for the same object, 1 or 2 for an order, -1 with errno
 * (EBADF: no such fd, EPERM: not allowed to inspect). */
int xc_kcmp_same_file(pid_t pid1, int fd1, pid_t pid2, int fd2)
{
	long ret = syscall(SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2);

	if (ret < 0)
		return -errno;
	return ret == 0;
}

void xc_file_ids_init(struct xc_file_ids *t, int (*same)(pid_t, int, pid_t, int))
{
	t->v = NULL;
	t->n = t->cap = 0;
	t->next_id = 1;
	t->same = same ? same : xc_kcmp_same_file;
}

void xc_file_ids_free(struct xc_file_ids *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

int xc_file_ids_get(struct xc_file_ids *t, pid_t pid, int fd, uint64_t dev, uint64_t ino,
		    uint32_t *id, bool *is_new)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct xc_file_id *w = &t->v[i];
		int same;

		if (w->dev != dev || w->ino != ino)
			continue;
		same = t->same(w->pid, w->fd, pid, fd);
		if (same < 0)
			return same;
		if (same) {
			*id = w->id;
			*is_new = false;
			return 0;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct xc_file_id *nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	t->v[t->n++] = (struct xc_file_id){ .pid = pid, .fd = fd, .dev = dev, .ino = ino,
					    .id = t->next_id };
	*id = t->next_id++;
	*is_new = true;
	return 0;
}
