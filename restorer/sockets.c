/* Sockets of the whole image, parent side. At load, the UNIXSK, INETSK and
 * SKQUEUE records of every process are gathered (a socket held by several
 * processes is recorded in each: kept once) and checked together, so a
 * peer may live in another process. Before the processes are created,
 * xckpt makes every socket (sk-unix.c, sk-inet.c) and puts each at the
 * shared fd of its FILE, with the FILE's status flags: every process
 * inherits them and dup3()s its own onto its fds, like any shared file. */
#define LOG_PREFIX "sockets: "
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"
#include "restorer/rst.h"

static int add(const void ***arr, size_t *n, const void *p)
{
	const void **na = realloc(*arr, (*n + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = p;
	*arr = na;
	return 0;
}

int rst_sockets_load(struct xc_rtree *t)
{
	struct xc_rsk *k = &t->sk;
	int err = 0;

	k->ctx = t->ctx;
	k->pid = t->nr ? (pid_t)t->procs[0].rec->pid : 0;
	for (size_t i = 0; !err && i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];
		for (size_t j = 0; !err && j < r->sk.nr_usks; j++) {
			bool seen = false;
			for (size_t m = 0; m < k->nr_usks && !seen; m++)
				seen = k->usks[m]->ino == r->sk.usks[j]->ino;
			if (!seen)
				err = add((const void ***)&k->usks, &k->nr_usks, r->sk.usks[j]);
		}
		for (size_t j = 0; !err && j < r->sk.nr_isks; j++)
			if (rst_inet_find(k, r->sk.isks[j]->ino) < 0)
				err = add((const void ***)&k->isks, &k->nr_isks, r->sk.isks[j]);
		/* A socket several processes hold has its options in each. */
		for (size_t j = 0; !err && j < r->sk.nr_skopts; j++) {
			const struct xc_rec_skopt *o = r->sk.skopts[j];
			bool seen = false;
			for (size_t m = 0; m < k->nr_skopts && !seen; m++)
				seen = k->skopts[m]->ino == o->ino && k->skopts[m]->level == o->level &&
				       k->skopts[m]->name == o->name;
			if (!seen)
				err = add((const void ***)&k->skopts, &k->nr_skopts, o);
		}
		for (size_t j = 0; !err && j < r->sk.nr_skqs; j++) {
			bool seen = false;
			for (size_t m = 0; m < k->nr_skqs && !seen; m++)
				seen = k->skqs[m]->ino == r->sk.skqs[j]->ino &&
				       k->skqs[m]->queue == r->sk.skqs[j]->queue;
			if (!seen)
				err = add((const void ***)&k->skqs, &k->nr_skqs, r->sk.skqs[j]);
		}
	}
	if (err)
		return xc_fail(t->ctx, k->pid, "sockets", "allocate", err);
	err = rst_unix_check(k, t);
	if (!err)
		err = rst_inet_check(k);
	if (!err)
		err = rst_skopts_check(k);
	return err;
}

static int fd_of(const struct xc_rsk *k, uint64_t ino)
{
	ssize_t i = rst_inet_find(k, ino);

	if (i >= 0)
		return k->isk_fds[i];
	for (size_t u = 0; u < k->nr_usks; u++)
		if (k->usks[u]->ino == ino)
			return k->usk_fds[u];
	return -1;
}

int rst_sockets_open(struct xc_rtree *t)
{
	struct xc_rsk *k = &t->sk;
	uint32_t n = 0;
	struct rlimit rl;
	int err;

	for (size_t id = 0; id < t->nr_files; id++)
		n += t->files[id]->kind == XC_FD_SOCKET;
	if (!n)
		return 0;
	/* Made above the slots they end in: [shared_base + nr_shared, + n). */
	k->svc_base = t->shared_base + (int)t->nr_shared + (int)n;
	if (!getrlimit(RLIMIT_NOFILE, &rl) &&
	    rl.rlim_cur < (rlim_t)k->svc_base + k->nr_usks * 2 + k->nr_isks + 16) {
		rl.rlim_cur = (rlim_t)k->svc_base + k->nr_usks * 2 + k->nr_isks + 16;
		if (rl.rlim_cur > rl.rlim_max || setrlimit(RLIMIT_NOFILE, &rl))
			return xc_fail(t->ctx, k->pid, "sockets", "raise RLIMIT_NOFILE", -EMFILE);
	}
	err = rst_unix_sockets(k);
	if (!err)
		err = rst_inet_sockets(k);
	for (size_t id = 0; !err && id < t->nr_files; id++) {
		const struct xc_rec_file *f = t->files[id];
		int slot = t->shared_base + (int)t->nr_shared, src;

		if (f->kind != XC_FD_SOCKET)
			continue;
		src = fd_of(k, f->ino);
		if (src < 0 || dup3(src, slot, O_CLOEXEC) < 0 ||
		    fcntl(slot, F_SETFL, f->flags & (O_NONBLOCK | O_ASYNC)))
			err = xc_failf(t->ctx, k->pid, "place for the processes", src < 0 ? -ENOENT : -errno,
				       "open file %u (%s)", f->id, f->path);
		else
			t->file_fds[id] = slot;
		t->nr_shared++;
	}
	/* The processes need only the slots. */
	for (size_t i = 0; k->usk_fds && i < k->nr_usks; i++)
		if (k->usk_fds[i] >= 0)
			close(k->usk_fds[i]);
	for (size_t i = 0; k->isk_fds && i < k->nr_isks; i++)
		if (k->isk_fds[i] >= 0)
			close(k->isk_fds[i]);
	return err;
}

void rst_sockets_unlock(struct xc_rtree *t)
{
	const struct xc_rsk *k = &t->sk;
	const char *why;

	/* One table per dumped process that had established connections. */
	for (size_t i = 0; i < k->nr_isks; i++) {
		const char *name = k->isks[i]->netlock;
		bool done = false;

		if (!(k->isks[i]->flags & XC_ISK_F_REPAIR) || !name[0])
			continue;
		for (size_t j = 0; j < i && !done; j++)
			done = (k->isks[j]->flags & XC_ISK_F_REPAIR) && !strcmp(k->isks[j]->netlock, name);
		if (!done && xc_netlock_del(name, &why))
			xc_warn("lift the network lock (nft delete table inet %s): %s", name, why);
	}
}

void rst_sockets_free(struct xc_rtree *t)
{
	free(t->sk.usks);
	free(t->sk.skqs);
	free(t->sk.skopts);
	free(t->sk.isks);
	free(t->sk.usk_fds);
	free(t->sk.isk_fds);
	memset(&t->sk, 0, sizeof(t->sk));
}
