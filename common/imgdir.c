#define LOG_PREFIX "imgdir: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Up to SYNC_THREADS fsyncs in flight: each thread takes the next name. */
#define SYNC_THREADS 16

struct sync_set {
	int dirfd;
	char (*names)[NAME_MAX + 1];
	size_t n, next;
	int err;		/* first failure, -errno */
	size_t bad;		/* its file */
	const char *step;
	pthread_mutex_t mu;
};

static void *sync_worker(void *arg)
{
	struct sync_set *s = arg;

	for (;;) {
		const char *step = "open to fsync";
		size_t i;
		int fd, err = 0;

		pthread_mutex_lock(&s->mu);
		i = s->next++;
		pthread_mutex_unlock(&s->mu);
		if (i >= s->n)
			return NULL;
		fd = openat(s->dirfd, s->names[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
		} else {
			if (fsync(fd)) {
				err = -errno;
				step = "fsync";
			}
			close(fd);
		}
		if (err) {
			pthread_mutex_lock(&s->mu);
			if (!s->err) {
				s->err = err;
				s->bad = i;
				s->step = step;
			}
			pthread_mutex_unlock(&s->mu);
		}
	}
}

/* Every file of the temporary directory, several at a time. */
static int sync_files(struct xc_ctx *ctx, struct xc_imgdir *d)
{
	struct sync_set s = { .dirfd = d->fd };
	pthread_t th[SYNC_THREADS];
	size_t cap = 0, nth = 0;
	struct dirent *de;
	/* Its own open file, not a dup: a dup would share the offset that
	 * xc_imgdir_abort() reads the directory from. */
	int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);

	if (!dir) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return xc_fail(ctx, 0, d->tmp, "read temporary image directory", err);
	}
	while (!err && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (s.n == cap) {
			void *nn = realloc(s.names, (cap = cap ? 2 * cap : 64) * sizeof(*s.names));
			if (!nn)
				err = -ENOMEM;
			else
				s.names = nn;
		}
		if (!err)
			snprintf(s.names[s.n++], sizeof(*s.names), "%s", de->d_name);
	}
	closedir(dir);
	if (err) {
		free(s.names);
		return xc_fail(ctx, 0, d->tmp, "list files to fsync", err);
	}
	pthread_mutex_init(&s.mu, NULL);
	while (nth < SYNC_THREADS && nth < s.n && !pthread_create(&th[nth], NULL, sync_worker, &s))
		nth++;
	sync_worker(&s);	/* also the only one if no thread could start */
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&s.mu);
	if (s.err) {
		char path[PATH_MAX + NAME_MAX + 2];

		snprintf(path, sizeof(path), "%s/%s", d->tmp, s.names[s.bad]);
		err = xc_fail(ctx, 0, path, s.step, s.err);
	}
	free(s.names);
	return err;
}

int xc_imgdir_commit(struct xc_ctx *ctx, struct xc_imgdir *d)
{
	char copy[PATH_MAX];
	int pfd, err = sync_files(ctx, d);

	if (err)
		return err;
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
