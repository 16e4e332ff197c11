/* File descriptors, in the new task (child side). Service fds (the pipe to
 * the parent, the files behind mappings) are first moved above every target
 * fd, then each target fd is opened at its number and offset, then all that
 * is neither is closed. */
#define LOG_PREFIX "files: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/log.h"
#include "restorer/rst.h"

static int move_high(int fd, int base)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, base);

	if (n >= 0)
		close(fd);
	return n;
}

/* The files behind mappings, opened read-write only where a shared
 * mapping is or may become writable. */
static int open_mapfiles(struct xc_rst *r)
{
	r->file_fds = calloc(r->nr_files + 1, sizeof(int));
	if (!r->file_fds)
		return rst_child_fail(r, "mapped files", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_files; i++) {
		const struct xc_rec_mapfile *f = r->files[i];
		int mode = O_RDONLY, fd;

		/* A shared mapping that may be made writable later (mprotect)
		 * needs the file open for writing, as it was. */
		for (size_t k = 0; k < r->nr_vmas; k++)
			if (r->vmas[k]->file_id == f->id && r->vmas[k]->kind == XC_VMA_FILE_SHARED &&
			    ((r->vmas[k]->prot & PROT_WRITE) || (r->vmas[k]->flags & XC_VMA_F_MAYWRITE)))
				mode = O_RDWR;
		fd = open(f->path, mode | O_CLOEXEC | O_NONBLOCK);	/* never hang on a FIFO */
		if (fd < 0)
			return rst_child_fail(r, f->path, "open mapped file", -errno);
		fd = move_high(fd, r->svc_base);
		if (fd < 0)
			return rst_child_fail(r, f->path, "move mapped file fd", -errno);
		r->file_fds[i] = fd;
	}
	return 0;
}

static int open_one(struct xc_rst *r, const struct xc_rec_fd *f)
{
	char obj[64];
	int flags = f->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
	int fd;

	snprintf(obj, sizeof(obj), "fd %d (%.40s)", f->fd, f->path);
	if (f->kind == XC_FD_INHERIT) {
		/* main() made sure fds 0-2 are open (on /dev/null if xckpt got
		 * them closed), so this is xckpt's own stdio. */
		if (fcntl(f->fd, F_GETFD) < 0)
			return rst_child_fail(r, obj, "inherit stdio", -errno);
		return 0;
	}
	/* Non-blocking, so that a path that became a FIFO since the check
	 * cannot hang the restore; the recorded flags are set right after. */
	fd = open(f->path, flags | O_NONBLOCK);
	if (fd < 0)
		return rst_child_fail(r, obj, "open", -errno);
	if (!(flags & (O_NONBLOCK | O_PATH)) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		int err = -errno;
		close(fd);
		return rst_child_fail(r, obj, "set file status flags", err);
	}
	/* O_PATH descriptors have no offset (lseek fails with EBADF). */
	if (f->kind == XC_FD_REG && !S_ISDIR(f->mode) && !(f->flags & O_PATH) &&
	    lseek(fd, f->pos, SEEK_SET) != f->pos) {
		int err = -errno;
		close(fd);
		return rst_child_fail(r, obj, "seek", err);
	}
	if (fd != f->fd) {
		if (dup3(fd, f->fd, f->flags & O_CLOEXEC) < 0) {
			int err = -errno;
			close(fd);
			return rst_child_fail(r, obj, "dup", err);
		}
		close(fd);
	} else if ((f->flags & O_CLOEXEC) && fcntl(fd, F_SETFD, FD_CLOEXEC)) {
		return rst_child_fail(r, obj, "set close-on-exec", -errno);
	}
	return 0;
}

static int raise_nofile(struct xc_rst *r, rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return rst_child_fail(r, "RLIMIT_NOFILE", "getrlimit", -errno);
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need)
		return rst_child_fail(r, "RLIMIT_NOFILE", "hard limit below the highest fd of the image",
				      -EMFILE);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return rst_child_fail(r, "RLIMIT_NOFILE", "setrlimit", -errno);
	return 0;
}

static bool is_target_fd(const struct xc_rst *r, int fd)
{
	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd == fd)
			return true;
	return false;
}

int rst_files(struct xc_rst *r)
{
	int maxfd = 2, err;

	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd > maxfd)
			maxfd = r->fds[i]->fd;
	r->svc_base = maxfd + 1;
	/* Room for every target fd and the service fds above them; the blob
	 * sets the target's own limit at the end. */
	err = raise_nofile(r, (rlim_t)r->svc_base + r->nr_files + 8);
	if (err)
		return err;
	/* The pipe first, at the base; then nothing inherited stays above it. */
	if (r->errfd != r->svc_base) {
		if (dup3(r->errfd, r->svc_base, O_CLOEXEC) < 0)
			return rst_child_fail(r, "parent pipe", "move above the target's fds", -errno);
		close(r->errfd);
		r->errfd = r->svc_base;
	}
	if (close_range(r->svc_base + 1, ~0U, 0))
		return rst_child_fail(r, "inherited fds", "close_range", -errno);
	err = open_mapfiles(r);
	/* fd numbers are unique in the image and every service fd sits above
	 * them, so each dup3() lands on a free or inherited slot: order is free. */
	for (size_t i = 0; !err && i < r->nr_fds; i++)
		err = open_one(r, r->fds[i]);
	if (err)
		return err;
	for (int fd = 0; fd < r->svc_base; fd++)
		if (!is_target_fd(r, fd))
			close(fd);
	return 0;
}
