/* File locks, taken again in the restored process's own name. flock and
 * OFD locks belong to the open file description: the child takes them as
 * soon as the description exists (rst_locks_take). POSIX record locks belong
 * to the process and vanish when it closes any fd of the file, which the
 * blob still does (the service fds behind mappings: SQLite maps the -shm
 * file it locks); so the blob takes them last, after its closes
 * (rst_locks_posix fills its list). A lock another process took meanwhile
 * fails the restore, naming the file. */
#define LOG_PREFIX "locks: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include "restorer/rst.h"

static int take_one(struct xc_rst *r, const struct xc_rec_lock *l, int fd, const char *obj)
{
	struct flock fl = { .l_type = l->write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET,
			    .l_start = (off_t)l->start, .l_len = (off_t)l->len };
	int ret;

	if (l->kind == XC_LOCK_FLOCK)
		ret = flock(fd, (l->write ? LOCK_EX : LOCK_SH) | LOCK_NB);
	else
		ret = fcntl(fd, F_OFD_SETLK, &fl);
	if (ret)
		return rst_child_fail(r, obj, l->kind == XC_LOCK_FLOCK ? "take flock lock" :
									"take OFD lock", -errno);
	return 0;
}

/* The description's own locks, on fd (one of its fds). */
int rst_locks_take(struct xc_rst *r, uint32_t file_id, int fd)
{
	char obj[64];
	int err = 0;

	snprintf(obj, sizeof(obj), "fd %d (%.40s)", fd, r->tree->files[file_id - 1]->path);
	for (size_t i = 0; !err && i < r->nr_locks; i++)
		if (r->locks[i]->file_id == file_id && r->locks[i]->kind != XC_LOCK_POSIX)
			err = take_one(r, r->locks[i], fd, obj);
	return err;
}

size_t rst_locks_nr_posix(const struct xc_rst *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_locks; i++)
		n += r->locks[i]->kind == XC_LOCK_POSIX;
	return n;
}

/* The blob's list: each POSIX lock on the lowest fd of its description
 * (any fd of it would do). */
void rst_locks_posix(const struct xc_rst *r, struct rst_lock *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_locks; i++) {
		const struct xc_rec_lock *l = r->locks[i];

		if (l->kind != XC_LOCK_POSIX)
			continue;
		out[n++] = (struct rst_lock){ .fd = rst_ofile_fd(r, l->file_id),
					      .type = l->write ? F_WRLCK : F_RDLCK,
					      .whence = SEEK_SET,
					      .start = (int64_t)l->start,
					      .len = (int64_t)l->len };
	}
}

/* Names the file behind the blob's lock number i, for its error. */
const char *rst_locks_posix_path(const struct xc_rst *r, uint32_t i, int *fd)
{
	for (size_t k = 0; k < r->nr_locks; k++) {
		const struct xc_rec_lock *l = r->locks[k];

		if (l->kind == XC_LOCK_POSIX && i-- == 0) {
			*fd = rst_ofile_fd(r, l->file_id);
			return r->tree->files[l->file_id - 1]->path;
		}
	}
	*fd = -1;
	return "?";
}
