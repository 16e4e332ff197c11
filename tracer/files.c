/* File descriptors. Regular files and directories are reopened by path at
 * their offset; /dev/null-like devices by path; a terminal, pipe or socket on
 * fd 0-2 is taken from the restoring xckpt (a shell job). Anything else is
 * refused before the target is touched. */
#define LOG_PREFIX "files: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

static bool reopenable_chr(const char *path)
{
	static const char *const ok[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					  "/dev/urandom" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(path, ok[i]))
			return true;
	return false;
}

/* How an fd comes back, from its type and /proc link alone. Pure, for the
 * unit tests: 0 with *kind, or -ENOTSUP with *why. */
int xc_fd_classify(int fd, mode_t mode, const char *path, uint32_t *kind, const char **why)
{
	*kind = 0;
	*why = NULL;
	if (!strncmp(path, "anon_inode:", 11))
		*why = "this kind of file is not supported yet";
	else if (!strncmp(path, "/memfd:", 7))
		*why = "memfd is not supported yet";
	else if (S_ISFIFO(mode) || S_ISSOCK(mode) || (S_ISCHR(mode) && !reopenable_chr(path))) {
		/* stdio of a shell job: the restoring xckpt lends its own */
		if (fd <= 2)
			*kind = XC_FD_INHERIT;
		else
			*why = S_ISSOCK(mode) ? "sockets are not supported yet" :
			       S_ISFIFO(mode) ? "pipes are not supported yet" :
						"this device is not supported yet";
	} else if (S_ISCHR(mode))
		*kind = XC_FD_CHR;
	else if ((S_ISREG(mode) || S_ISDIR(mode)) && path[0] != '/')
		*why = "file without a path (a namespace or other internal file) is not supported yet";
	else if (S_ISREG(mode) || S_ISDIR(mode))
		*kind = XC_FD_REG;
	else
		*why = "this kind of file is not supported yet";
	return *why ? -ENOTSUP : 0;
}

static int unsupported(struct xc_dump *d, int fd, const char *path, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (%s)", fd, path);
}

static int describe(struct xc_dump *d, int dfd, int fd, struct xc_rec_fd *r)
{
	const char *why;
	char name[32], *info;
	struct xc_fdinfo fi;
	struct stat st, pst;
	size_t len;
	ssize_t n;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (fd >= XC_MAX_FD)
		return unsupported(d, fd, "", "fd number above 2^20 is not supported");
	snprintf(name, sizeof(name), "%d", fd);
	n = readlinkat(dfd, name, r->path, sizeof(r->path) - 1);
	if (n < 0)
		return xc_failf(d->ctx, d->pid, "readlink", -errno, "fd %d", fd);
	r->path[n] = 0;
	if (fstatat(dfd, name, &st, 0))
		return xc_failf(d->ctx, d->pid, "stat", -errno, "fd %d (%s)", fd, r->path);
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	err = xc_proc_read(d, name, &info, &len);
	if (err)
		return err;
	err = xc_parse_fdinfo(info, len, &fi);
	free(info);
	if (err)
		return xc_failf(d->ctx, d->pid, "parse fdinfo", err, "fd %d (%s)", fd, r->path);
	r->flags = fi.flags;
	r->pos = fi.pos;
	r->mode = st.st_mode;
	r->dev = st.st_dev;
	r->ino = st.st_ino;

	if (xc_fd_classify(fd, st.st_mode, r->path, &r->kind, &why))
		return unsupported(d, fd, r->path, why);
	if (fi.nr_locks)
		return unsupported(d, fd, r->path, "file locks are not supported yet");
	if (r->kind != XC_FD_REG)
		return 0;
	if (stat(r->path, &pst) || pst.st_dev != st.st_dev || pst.st_ino != st.st_ino)
		return unsupported(d, fd, r->path, "file was deleted or replaced since it was opened");
	r->kind = XC_FD_REG;
	return 0;
}

/* Walks fd/ and calls describe(); with put, writes the records too. */
static int walk(struct xc_dump *d, bool put)
{
	struct xc_rec_fd *r = malloc(sizeof(*r));
	struct dirent *de;
	DIR *dir;
	int dfd, err = 0;

	if (!r)
		return xc_fail(d->ctx, d->pid, "fds", "allocate", -ENOMEM);
	dfd = openat(d->procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		err = xc_fail(d->ctx, d->pid, "fd/", "open", -errno);
		if (dfd >= 0)
			close(dfd);
		free(r);
		return err;
	}
	while (!err && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		err = describe(d, dfd, atoi(de->d_name), r);
		if (!err && put)
			err = xc_imgw_put(d->ctx, &d->img, XC_REC_FD, r, sizeof(*r));
	}
	closedir(dir);
	free(r);
	return err;
}

int dump_files_check(struct xc_dump *d)
{
	return walk(d, false);
}

int dump_files(struct xc_dump *d)
{
	return walk(d, true);
}
