/* Files with no name left: deleted while open or mapped ("ghost files",
 * as CRIU calls them), and memfd (always nameless). Nothing on disk brings
 * them back, so their content goes into the image: one GHOST record per
 * inode, whatever number of descriptions and mappings refer to it, read
 * through the target's own link (/proc/PID/fd/N or map_files/), which
 * reaches the file without its name. Several processes of a tree may hold
 * one (a POSIX semaphore mapped by a parent and its children, a memfd
 * inherited across fork): each saves its own record, with the same device
 * and inode, and restore makes the file once for all of them
 * (restorer/ghost.c). */
#define LOG_PREFIX "ghost: "
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static int refuse(struct xc_dump *d, const char *obj, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "%s", obj);
}

/* Whether the file behind st (linked no more) is one this module keeps,
 * by the name the kernel shows for it. Pure, for the unit tests. */
int xc_ghost_kind(const char *path, const struct stat *st, uint32_t *kind)
{
	size_t n = strlen(path);
	static const char suf[] = " (deleted)";

	*kind = 0;
	if (!S_ISREG(st->st_mode) || st->st_nlink)
		return -ENOENT;
	if (!strncmp(path, "/memfd:", 7))
		*kind = XC_GHOST_MEMFD;
	else if (path[0] == '/' && n > sizeof(suf) - 1 && !strcmp(path + n - (sizeof(suf) - 1), suf))
		*kind = XC_GHOST_DELETED;
	return *kind ? 0 : -ENOENT;
}

/* The name to create it with: the path without " (deleted)", or the memfd
 * name without "/memfd:". */
static void ghost_name(const char *path, uint32_t kind, char *out, size_t len)
{
	size_t n = strlen(path);

	if (n >= 10 && !strcmp(path + n - 10, " (deleted)"))
		n -= 10;
	if (kind == XC_GHOST_MEMFD) {
		path += 7;
		n -= 7;
	}
	snprintf(out, len, "%.*s", (int)n, path);
}

static int read_content(struct xc_dump *d, int fd, const char *obj, void *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, (off_t)done);

		if (n < 0)
			return xc_failf(d->ctx, d->pid, "read its content", -errno, "%s", obj);
		if (n == 0)
			return xc_failf(d->ctx, d->pid, "read its content", -EIO, "%s (shrank)", obj);
		done += (size_t)n;
	}
	return 0;
}

/* The GHOST id of the nameless file open at fd (a descriptor of xckpt's
 * that reaches it), making the record the first time; obj names it in
 * errors ("fd 3 (/tmp/x (deleted))", "mapping ..."). */
int dump_ghost_get(struct xc_dump *d, int fd, const char *path, const struct stat *st,
		   const char *obj, uint32_t *id)
{
	struct xc_dump_ghost *g, *nv;
	struct statfs sfs;
	uint32_t kind;
	int seals = 0, err;

	for (size_t i = 0; i < d->nr_ghosts; i++)
		if (d->ghosts[i].rec.dev == (uint64_t)st->st_dev &&
		    d->ghosts[i].rec.ino == (uint64_t)st->st_ino) {
			*id = d->ghosts[i].rec.id;
			return 0;
		}
	if (xc_ghost_kind(path, st, &kind))
		return refuse(d, obj, "file without a name of an unknown kind");
	if (!fstatfs(fd, &sfs) && sfs.f_type == HUGETLBFS_MAGIC)
		return refuse(d, obj, "file on hugetlbfs is not supported yet");
	if (st->st_size > XC_GHOST_MAX)
		return refuse(d, obj, "deleted file or memfd larger than 64 MiB is not supported");
	if (kind == XC_GHOST_MEMFD) {
		seals = fcntl(fd, F_GET_SEALS);
		if (seals < 0)
			return xc_failf(d->ctx, d->pid, "F_GET_SEALS", -errno, "%s", obj);
		/* Writable shared mappings may exist under it, which restore
		 * could not map again once the seal is on. */
		if (seals & F_SEAL_FUTURE_WRITE)
			return refuse(d, obj, "memfd with F_SEAL_FUTURE_WRITE is not supported yet");
	}
	nv = realloc(d->ghosts, (d->nr_ghosts + 1) * sizeof(*nv));
	if (!nv)
		return xc_fail(d->ctx, d->pid, "ghost files", "allocate", -ENOMEM);
	d->ghosts = nv;
	g = &d->ghosts[d->nr_ghosts];
	memset(g, 0, sizeof(*g));
	g->data = malloc((size_t)st->st_size + 1);
	if (!g->data)
		return xc_fail(d->ctx, d->pid, "ghost files", "allocate", -ENOMEM);
	err = read_content(d, fd, obj, g->data, (size_t)st->st_size);
	if (err) {
		free(g->data);
		return err;
	}
	g->rec.id = (uint32_t)++d->nr_ghosts;
	g->rec.kind = kind;
	g->rec.mode = st->st_mode;
	g->rec.uid = st->st_uid;
	g->rec.gid = st->st_gid;
	g->rec.seals = (uint32_t)seals;
	g->rec.size = (uint64_t)st->st_size;
	g->rec.dev = st->st_dev;
	g->rec.ino = st->st_ino;
	g->rec.mtime_sec = st->st_mtim.tv_sec;
	g->rec.mtime_nsec = st->st_mtim.tv_nsec;
	ghost_name(path, kind, g->rec.path, sizeof(g->rec.path));
	*id = g->rec.id;
	return 0;
}

int dump_ghosts(struct xc_dump *d)
{
	int err = 0;

	for (size_t i = 0; !err && i < d->nr_ghosts; i++)
		err = xc_imgw_put2(d->ctx, &d->img, XC_REC_GHOST, &d->ghosts[i].rec,
				   sizeof(d->ghosts[i].rec), d->ghosts[i].data, d->ghosts[i].rec.size);
	return err;
}

void dump_ghosts_free(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_ghosts; i++)
		free(d->ghosts[i].data);
	free(d->ghosts);
}
