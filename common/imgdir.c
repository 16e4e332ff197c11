#define LOG_PREFIX "imgdir: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/imgdir.h"
#include "common/log.h"

static int dir_is_empty(const char *path)
{
	struct dirent *de;
	DIR *dir = opendir(path);
	int empty = 1;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(dir);
	return empty;
}

int xc_imgdir_begin(struct xc_ctx *ctx, struct xc_imgdir *d, const char *path)
{
	char copy[PATH_MAX], name[NAME_MAX + 1], *base, *parent;
	struct stat st;
	size_t n;

	d->fd = -1;
	d->tmp[0] = 0;
	n = snprintf(d->final, sizeof(d->final), "%s", path);
	while (n > 1 && d->final[n - 1] == '/')
		d->final[--n] = 0;
	if (!stat(d->final, &st)) {
		int e;
		if (!S_ISDIR(st.st_mode))
			return xc_fail(ctx, 0, d->final, "image directory: not a directory", -ENOTDIR);
		e = dir_is_empty(d->final);
		if (e < 0)
			return xc_fail(ctx, 0, d->final, "image directory: read", e);
		if (!e)
			return xc_fail(ctx, 0, d->final, "image directory: not empty", -ENOTEMPTY);
	} else if (errno != ENOENT) {
		return xc_fail(ctx, 0, d->final, "image directory: stat", -errno);
	}
	/* A sibling, so the final rename stays on one filesystem. */
	snprintf(copy, sizeof(copy), "%s", d->final);
	base = basename(copy);
	snprintf(name, sizeof(name), "%s", base);
	snprintf(copy, sizeof(copy), "%s", d->final);
	parent = dirname(copy);
	snprintf(d->tmp, sizeof(d->tmp), "%s/.%s.xckpt-tmp-%d", parent, name, (int)getpid());
	if (mkdir(d->tmp, 0700))
		return xc_fail(ctx, 0, d->tmp, "create temporary image directory", -errno);
	d->fd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		int err = -errno;
		rmdir(d->tmp);
		d->tmp[0] = 0;
		return xc_fail(ctx, 0, d->final, "open temporary image directory", err);
	}
	return 0;
}

int xc_imgdir_commit(struct xc_ctx *ctx, struct xc_imgdir *d)
{
	char copy[PATH_MAX];
	int pfd, err = 0;

	if (fsync(d->fd))
		return xc_fail(ctx, 0, d->tmp, "fsync", -errno);
	/* rename() replaces an empty directory atomically. */
	if (rename(d->tmp, d->final))
		return xc_fail(ctx, 0, d->final, "rename image into place", -errno);
	d->tmp[0] = 0;
	close(d->fd);
	d->fd = -1;
	snprintf(copy, sizeof(copy), "%s", d->final);
	pfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || fsync(pfd))
		err = xc_fail(ctx, 0, d->final, "fsync parent directory", -errno);
	if (pfd >= 0)
		close(pfd);
	return err;
}

void xc_imgdir_abort(struct xc_imgdir *d)
{
	if (d->tmp[0] && d->fd >= 0) {
		DIR *dir = fdopendir(dup(d->fd));
		struct dirent *de;

		while (dir && (de = readdir(dir)))
			if (de->d_name[0] != '.')
				unlinkat(d->fd, de->d_name, 0);
		if (dir)
			closedir(dir);
		rmdir(d->tmp);
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->tmp[0] = 0;
}
