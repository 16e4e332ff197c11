/* Pipes between the processes of a tree. Once every process's open files
 * are collected, each pipe (by inode) is looked at whole. Held by no process
 * outside the dump, its capacity and unread bytes are saved (read without
 * being taken: xc_pipe_peek()) and restore makes it again with
 * them, with the ends the dump holds (an end nobody holds stays closed, as
 * make's EOF-only stdin for its jobs). Held outside too, it can only be a
 * process's stdio (fd 0-2), which the restoring xckpt lends as it does for
 * a shell job; elsewhere it is refused. Which pipes are held outside is
 * learnt by a walk of every process's fds, on a thread of its own while
 * the tree is collected. */
#define LOG_PREFIX "pipes: "
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* The decision for one pipe: whether a process outside the dump holds it
 * too, and the highest fd the dump has on it. Pure, for the unit tests: the
 * kind its FILE records get, or -ENOTSUP. */
int xc_pipe_decide(bool held_outside, int highest_fd, uint32_t *kind)
{
	if (!held_outside)
		*kind = XC_FD_PIPE;
	else if (highest_fd <= 2)
		*kind = XC_FD_INHERIT;
	else
		return -ENOTSUP;
	return 0;
}

static bool in_tree(const struct xc_tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].pid == pid)
			return true;
	return false;
}

/* The FIFOs that processes outside the dump (xckpt excluded) hold, each with
 * one such pid: one walk of every /proc/PID/fd of the node, which costs as
 * much as the rest of a small tree's dump on a busy node. It reads only
 * /proc, and nothing of the frozen tree moves, so it runs on a thread of
 * its own while the processes are collected (xc_tree_pipes_prefetch()). */
struct xc_pipe_scan {
	pthread_t th;
	bool started;
	const struct xc_tree *t;
	struct xc_held { uint64_t ino; pid_t pid; } *v;
	size_t n, cap;
	bool nomem;
};

static void held_add(struct xc_pipe_scan *sc, uint64_t ino, pid_t pid)
{
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? 2 * sc->cap : 256;
		struct xc_held *nv = realloc(sc->v, cap * sizeof(*nv));

		if (!nv) {
			sc->nomem = true;
			return;
		}
		sc->v = nv;
		sc->cap = cap;
	}
	sc->v[sc->n++] = (struct xc_held){ ino, pid };
}

static void *scan_outside(void *arg)
{
	struct xc_pipe_scan *sc = arg;
	struct dirent *pe, *fe;
	DIR *procs = opendir("/proc"), *fds;
	char path[64];
	struct stat st;

	while (procs && (pe = readdir(procs))) {
		pid_t pid = (pid_t)atoi(pe->d_name);

		if (pid <= 0 || pid == getpid() || in_tree(sc->t, pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or a kernel thread */
		while ((fe = readdir(fds)))
			if (fe->d_name[0] != '.' && !fstatat(dirfd(fds), fe->d_name, &st, 0) &&
			    S_ISFIFO(st.st_mode))
				held_add(sc, st.st_ino, pid);
		closedir(fds);
	}
	if (procs)
		closedir(procs);
	return NULL;
}

void xc_tree_pipes_prefetch(struct xc_tree *t, const struct xc_dump *d)
{
	bool pipe = false;

	for (size_t k = 0; k < d->nr_ofiles && !pipe; k++)
		pipe = d->ofiles[k].kind == XC_FD_PIPE;
	if (!pipe || t->scan)
		return;
	t->scan = calloc(1, sizeof(*t->scan));
	if (!t->scan)
		return;		/* xc_tree_pipes() tries again */
	t->scan->t = t;
	t->scan->started = !pthread_create(&t->scan->th, NULL, scan_outside, t->scan);
}

/* For each pipe, whether a process outside the dump holds it: the scan's
 * answer, waited for (or the scan done here, if it could not start). */
static int find_outside(struct xc_tree *t)
{
	struct xc_pipe_scan *sc = t->scan;

	if (!sc) {
		sc = t->scan = calloc(1, sizeof(*t->scan));
		if (!sc)
			return -ENOMEM;
		sc->t = t;
	}
	if (sc->started) {
		pthread_join(sc->th, NULL);
		sc->started = false;
	} else if (!sc->n && !sc->nomem) {
		scan_outside(sc);
	}
	if (sc->nomem)
		return -ENOMEM;
	for (size_t k = 0; k < sc->n; k++)
		for (size_t i = 0; i < t->nr_pipes; i++)
			if (t->pipes[i].ino == sc->v[k].ino && !t->pipes[i].outside)
				t->pipes[i].outside = sc->v[k].pid;
	return 0;
}

static struct xc_pipe *pipe_of(struct xc_tree *t, uint64_t ino)
{
	struct xc_pipe *np;

	for (size_t i = 0; i < t->nr_pipes; i++)
		if (t->pipes[i].ino == ino)
			return &t->pipes[i];
	np = realloc(t->pipes, (t->nr_pipes + 1) * sizeof(*np));
	if (!np)
		return NULL;
	t->pipes = np;
	np = &t->pipes[t->nr_pipes++];
	memset(np, 0, sizeof(*np));
	np->ino = ino;
	return np;
}

/* Every FILE of the tree by id, whatever process recorded it. */
static struct xc_rec_file **files_by_id(struct xc_tree *t, uint32_t *n)
{
	struct xc_rec_file **by;

	*n = t->file_ids.next_id;
	by = calloc(*n + 1, sizeof(*by));
	if (!by)
		return NULL;
	for (size_t i = 0; i < t->nr; i++)
		for (size_t k = 0; t->p[i].d && k < t->p[i].d->nr_ofiles; k++)
			by[t->p[i].d->ofiles[k].id] = &t->p[i].d->ofiles[k];
	return by;
}

/* One pipe: its ends in the dump, where to read it, and the highest fd on
 * it; then the decision. */
static int take_pipe(struct xc_tree *t, struct xc_pipe *p, struct xc_rec_file **by, uint32_t n)
{
	pid_t rpid = 0, hpid = 0;
	int rfd = -1, hfd = -1, highest = -1, err;
	uint32_t kind;
	char path[64];

	for (size_t i = 0; i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;

		for (size_t k = 0; d && k < d->nr_fds; k++) {
			const struct xc_rec_file *f = d->fds[k].file_id < n ? by[d->fds[k].file_id] : NULL;

			if (!f || f->kind != XC_FD_PIPE || f->ino != p->ino)
				continue;
			if (!rpid) {
				rpid = d->pid;
				rfd = d->fds[k].fd;
			}
			if (d->fds[k].fd > highest) {
				highest = d->fds[k].fd;
				hpid = d->pid;
				hfd = d->fds[k].fd;
			}
		}
	}
	if (xc_pipe_decide(p->outside, highest, &kind)) {
		char why[96];
		snprintf(why, sizeof(why), "pipe also held by pid %d, outside the dump: not supported",
			 p->outside);
		t->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(t->ctx, hpid, why, -ENOTSUP, "fd %d (pipe:[%llu])", hfd,
				(unsigned long long)p->ino);
	}
	if (kind == XC_FD_INHERIT) {
		for (uint32_t id = 1; id < n; id++)
			if (by[id] && by[id]->kind == XC_FD_PIPE && by[id]->ino == p->ino)
				by[id]->kind = XC_FD_INHERIT;
		p->ino = 0;	/* no record */
		return 0;
	}
	/* Opened anew through /proc for reading, whichever end the process
	 * holds: one more reader changes nothing for stopped processes. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", rpid, rfd);
	{
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return xc_failf(t->ctx, rpid, "open for reading", -errno, "fd %d (pipe:[%llu])",
					rfd, (unsigned long long)p->ino);
		err = xc_pipe_peek(fd, &p->data, &p->len, &p->capacity);
		close(fd);
	}
	if (err)
		return xc_failf(t->ctx, rpid, "read unread data (tee)", err, "fd %d (pipe:[%llu])", rfd,
				(unsigned long long)p->ino);
	return 0;
}

int xc_tree_pipes(struct xc_tree *t)
{
	struct xc_rec_file **by;
	uint32_t n;
	int err = 0;

	by = files_by_id(t, &n);
	if (!by)
		return xc_fail(t->ctx, 0, "pipes", "allocate", -ENOMEM);
	for (uint32_t id = 1; id < n && !err; id++)
		if (by[id] && by[id]->kind == XC_FD_PIPE && !pipe_of(t, by[id]->ino))
			err = xc_fail(t->ctx, 0, "pipes", "allocate", -ENOMEM);
	if (!err && t->nr_pipes && find_outside(t))
		err = xc_fail(t->ctx, 0, "pipes", "list those held outside the dump", -ENOMEM);
	for (size_t i = 0; i < t->nr_pipes && !err; i++)
		err = take_pipe(t, &t->pipes[i], by, n);
	free(by);
	return err;
}

int xc_tree_write_pipes(struct xc_tree *t, struct xc_imgw *w)
{
	int err = 0;

	for (size_t i = 0; i < t->nr_pipes && !err; i++) {
		const struct xc_pipe *p = &t->pipes[i];
		struct xc_rec_pipe *rec;

		if (!p->ino)
			continue;
		rec = calloc(1, sizeof(*rec) + p->len);
		if (!rec)
			return xc_fail(t->ctx, 0, "pipes", "allocate", -ENOMEM);
		rec->ino = p->ino;
		rec->capacity = p->capacity;
		rec->len = p->len;
		memcpy(rec + 1, p->data, p->len);
		err = xc_imgw_put(t->ctx, w, XC_REC_PIPE, rec, (uint32_t)(sizeof(*rec) + p->len));
		free(rec);
	}
	return err;
}

void xc_tree_pipes_free(struct xc_tree *t)
{
	if (t->scan && t->scan->started)
		pthread_join(t->scan->th, NULL);
	if (t->scan)
		free(t->scan->v);
	free(t->scan);
	t->scan = NULL;
	for (size_t i = 0; i < t->nr_pipes; i++)
		free(t->pipes[i].data);
	free(t->pipes);
	t->pipes = NULL;
	t->nr_pipes = 0;
}
