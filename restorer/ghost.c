/* Nameless files made again from their content in the image (GHOST
 * records, tracer/ghost.c): a deleted file as an O_TMPFILE in the
 * directory it was in (the same filesystem, so O_DIRECT and friends behave
 * as before), a memfd with memfd_create() under its name, each with its
 * mode, owner, mtime and, for a memfd, its seals. The child creates each
 * once, as a service fd; open files reopen it through /proc/self/fd (a new
 * description with the recorded flags) and mappings map it, so they share
 * one inode again. One that several processes hold is made by xckpt before
 * them, and each takes a copy of that fd. */
#define LOG_PREFIX "ghost: "
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif

/* The directory a deleted file is created in again, --file-map applied. */
static int ghost_dir(const struct xc_rst *r, const struct xc_rec_ghost *g, char *out, size_t len)
{
	char mapped[4096], *slash;
	int ret = xc_file_map_apply(r->ctx->file_map, r->ctx->nr_file_map, g->path, mapped,
				    sizeof(mapped));

	if (ret < 0)
		return ret;
	slash = strrchr(mapped, '/');
	if (!slash)
		return -EINVAL;
	if (slash == mapped)
		slash++;
	snprintf(out, len, "%.*s", (int)(slash - mapped), mapped);
	return 0;
}

/* Parent, before anything exists: a deleted file's directory is there. */
int rst_ghosts_check(struct xc_rst *r)
{
	char dir[4096];
	struct stat st;

	for (size_t i = 0; i < r->nr_ghosts; i++) {
		const struct xc_rec_ghost *g = r->ghosts[i];
		int err;

		if (g->kind != XC_GHOST_DELETED)
			continue;
		err = ghost_dir(r, g, dir, sizeof(dir));
		if (!err && stat(dir, &st))
			err = -errno;
		if (!err && !S_ISDIR(st.st_mode))
			err = -ENOTDIR;
		if (err) {
			r->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(r->ctx, r->pid, "directory to create the deleted file in", err,
					"%s (deleted)", g->path);
		}
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pwrite(fd, p + done, size - done, (off_t)done);

		if (n < 0)
			return -errno;
		done += (uint64_t)n;
	}
	return 0;
}

/* /proc shows the name an open file was opened by: open the new file
 * once under its old name, then take the name away, and the fd shows
 * "PATH (deleted)" as before. If the name was taken since, the O_TMPFILE
 * fd is kept ("DIR/#INODE (deleted)"). */
static int name_it(int fd, const char *dir, const char *path)
{
	const char *base = strrchr(path, '/') + 1;
	char self[64], full[4200];
	int named;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", base);
	if (linkat(AT_FDCWD, self, AT_FDCWD, full, AT_SYMLINK_FOLLOW))
		return fd;
	named = open(full, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	unlink(full);
	if (named < 0)
		return fd;
	close(fd);
	return named;
}

/* The file made again and filled: 0 with *out, or -errno with *step. */
static int make(const struct xc_rst *r, const struct xc_rec_ghost *g, int *out, const char **step)
{
	const uint8_t *data = (const uint8_t *)(g + 1);
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { g->mtime_sec, g->mtime_nsec } };
	char dir[4096];
	int fd, err;

	if (g->kind == XC_GHOST_MEMFD) {
		*step = "memfd_create";
		fd = memfd_create(g->path, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0)
			return -errno;
	} else {
		*step = "directory of the deleted file";
		err = ghost_dir(r, g, dir, sizeof(dir));
		if (err)
			return err;
		*step = "create the deleted file (O_TMPFILE)";
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, g->mode & 07777);
		if (fd < 0)
			return -errno;
	}
	*step = "fill the recreated file";
	err = write_all(fd, data, g->size);
	if (!err && fchmod(fd, g->mode & 07777))
		err = -errno;
	/* Only root can give the file away; others keep it as their own. */
	if (!err && geteuid() == 0 && fchown(fd, g->uid, g->gid))
		err = -errno;
	if (!err && g->kind == XC_GHOST_DELETED && futimens(fd, ts))
		err = -errno;
	if (!err && g->kind == XC_GHOST_DELETED)
		fd = name_it(fd, dir, g->path);
	if (!err && g->seals && fcntl(fd, F_ADD_SEALS, g->seals))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static struct rst_sghost *shared_of(const struct xc_rtree *t, const struct xc_rec_ghost *g)
{
	for (size_t i = 0; i < t->nr_sghosts; i++)
		if (t->sghosts[i].dev == g->dev && t->sghosts[i].ino == g->ino)
			return &t->sghosts[i];
	return NULL;
}

/* The process whose records hold open file f (the first that holds it). */
static const struct xc_rst *owner_of(const struct xc_rtree *t, const struct xc_rec_file *f)
{
	for (size_t i = 0; i < t->nr; i++)
		for (size_t k = 0; k < t->procs[i].nr_ofiles; k++)
			if (t->procs[i].ofiles[k] == f)
				return &t->procs[i];
	return NULL;
}

static const struct xc_rec_ghost *ghost_of(const struct xc_rtree *t, const struct xc_rec_file *f)
{
	const struct xc_rst *r = owner_of(t, f);

	return r && f->ghost_id && f->ghost_id <= r->nr_ghosts ? r->ghosts[f->ghost_id - 1] : NULL;
}

static int add_shared(struct xc_rtree *t, const struct xc_rst *r, const struct xc_rec_ghost *g,
		      bool need)
{
	struct rst_sghost *s = shared_of(t, g);

	if (!s) {
		s = realloc(t->sghosts, (t->nr_sghosts + 1) * sizeof(*s));
		if (!s)
			return xc_fail(t->ctx, r->pid, "ghost files", "allocate", -ENOMEM);
		t->sghosts = s;
		s = &t->sghosts[t->nr_sghosts++];
		*s = (struct rst_sghost){ .dev = g->dev, .ino = g->ino, .fd = -1, .r = r, .g = g };
	}
	s->users++;
	s->need |= need;
	return 0;
}

/* Parent, before any process exists: a nameless file that several
 * processes hold (each has its own record of it), or that an open file
 * description several processes share refers to, is made here once; the
 * processes inherit it (rst_ghosts_create) and the shared description is
 * opened from it (files.c). users: processes per FILE id. */
int rst_ghosts_shared(struct xc_rtree *t, const uint32_t *users)
{
	int err = 0;

	for (size_t i = 0; !err && i < t->nr; i++)
		for (size_t k = 0; !err && k < t->procs[i].nr_ghosts; k++)
			err = add_shared(t, &t->procs[i], t->procs[i].ghosts[k], false);
	for (size_t id = 1; !err && id <= t->nr_files; id++) {
		const struct xc_rec_ghost *g = users[id] > 1 ? ghost_of(t, t->files[id - 1]) : NULL;

		if (g)
			shared_of(t, g)->need = true;
	}
	for (size_t i = 0; !err && i < t->nr_sghosts; i++) {
		struct rst_sghost *s = &t->sghosts[i];
		const char *step;

		if (s->users < 2 && !s->need)
			continue;
		err = make(s->r, s->g, &s->fd, &step);
		if (err)
			err = xc_failf(t->ctx, s->r->pid, step, err, "%s", s->g->path);
	}
	return err;
}

/* The fd xckpt made for the nameless file behind open file f, -1: none. */
int rst_ghost_shared_fd(const struct xc_rtree *t, const struct xc_rec_file *f)
{
	const struct xc_rec_ghost *g = ghost_of(t, f);
	const struct rst_sghost *s = g ? shared_of(t, g) : NULL;

	return s ? s->fd : -1;
}

void rst_ghosts_shared_close(struct xc_rtree *t)
{
	for (size_t i = 0; i < t->nr_sghosts; i++)
		if (t->sghosts[i].fd >= 0)
			close(t->sghosts[i].fd);
	free(t->sghosts);
	t->sghosts = NULL;
	t->nr_sghosts = 0;
}

/* Child: every ghost as a service fd at base or above, in r->ghost_fds:
 * made here, or a copy of the one xckpt made for several processes. */
int rst_ghosts_create(struct xc_rst *r, int base)
{
	r->ghost_fds = calloc(r->nr_ghosts + 1, sizeof(int));
	if (!r->ghost_fds)
		return rst_child_fail(r, "ghost files", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_ghosts; i++) {
		const struct rst_sghost *s = shared_of(r->tree, r->ghosts[i]);
		const char *step = "dup";
		int fd = -1, hi, err = 0;

		if (s && s->fd >= 0)
			hi = fcntl(s->fd, F_DUPFD_CLOEXEC, base);
		else if ((err = make(r, r->ghosts[i], &fd, &step)) == 0)
			hi = fcntl(fd, F_DUPFD_CLOEXEC, base);
		if (err)
			return rst_child_fail(r, r->ghosts[i]->path, step, err);
		if (fd >= 0)
			close(fd);
		if (hi < 0)
			return rst_child_fail(r, r->ghosts[i]->path, "move ghost fd", -errno);
		r->ghost_fds[i] = hi;
	}
	return 0;
}

/* Where to open ghost id from: its service fd through /proc. */
void rst_ghost_path(const struct xc_rst *r, uint32_t id, char *out, size_t len)
{
	snprintf(out, len, "/proc/self/fd/%d", r->ghost_fds[id - 1]);
}

void rst_ghosts_close(struct xc_rst *r)
{
	for (size_t i = 0; r->ghost_fds && i < r->nr_ghosts; i++)
		close(r->ghost_fds[i]);
}
