/* Sockets: the fd walk hands every socket above fd 2 to dump_socket_fd(),
 * which takes a copy of it out of the target (pidfd_getfd: the target is
 * not touched) and passes it to its family's file. Families that cannot
 * come back are refused here, named. */
#define LOG_PREFIX "sockets: "
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/sockets.h"

static int refuse(struct xc_dump *d, int fd, uint64_t ino, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (socket:[%llu])", fd,
			(unsigned long long)ino);
}

static const char *family_refusal(int family)
{
	switch (family) {
	case AF_NETLINK: return "netlink sockets are not supported";
	case AF_PACKET: return "packet sockets are not supported";
	default: return "sockets of this family are not supported";
	}
}

static struct xc_sk *sk_state(struct xc_dump *d)
{
	if (!d->sk) {
		d->sk = calloc(1, sizeof(*d->sk));
		if (d->sk)
			d->sk->pidfd = -1;
	}
	return d->sk;
}

int dump_socket_fd(struct xc_dump *d, int fd, struct xc_rec_file *r, uint32_t scm_fds)
{
	struct xc_sk *s = sk_state(d);
	int sk, family, err;
	socklen_t sl = sizeof(family);

	if (!s)
		return xc_fail(d->ctx, d->pid, "sockets", "allocate", -ENOMEM);
	for (size_t i = 0; i < s->nr_usk; i++)
		if (s->usk[i].rec.ino == r->ino)
			return 0;	/* another fd on the same socket */
	if (s->pidfd < 0) {
		s->pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
		if (s->pidfd < 0)
			return xc_fail(d->ctx, d->pid, "process", "pidfd_open", -errno);
	}
	sk = (int)syscall(SYS_pidfd_getfd, s->pidfd, fd, 0);
	if (sk < 0)
		return xc_failf(d->ctx, d->pid, "pidfd_getfd", -errno, "fd %d (%s)", fd, r->path);
	if (getsockopt(sk, SOL_SOCKET, SO_DOMAIN, &family, &sl)) {
		err = xc_failf(d->ctx, d->pid, "getsockopt SO_DOMAIN", -errno, "fd %d (%s)", fd,
			       r->path);
	} else if (family == AF_UNIX) {
		err = dump_unix_sk(d, fd, sk, r->ino, scm_fds);
	} else if (family == AF_INET || family == AF_INET6) {
		err = dump_inet_sk(d, fd, sk, family, r->ino);
	} else {
		err = refuse(d, fd, r->ino, family_refusal(family));
	}
	close(sk);
	return err;
}

int dump_sockets_check(struct xc_dump *d)
{
	int err = d->sk ? dump_unix_check(d) : 0;

	return err || !d->sk ? err : dump_inet_check(d);
}

int dump_sockets(struct xc_dump *d)
{
	int err = d->sk ? dump_unix_put(d) : 0;

	return err || !d->sk ? err : dump_inet_put(d);
}

/* Every socket inode held by a process of the tree, read once from
 * /proc/PID/fd of each (all are stopped by then): a peer among them comes
 * back with the dump, any other is outside it. */
struct xc_sk_tree {
	struct { uint64_t ino; pid_t pid; } *v;
	size_t nr, cap;
};

static int scan_pid(struct xc_sk_tree *s, pid_t pid)
{
	char path[64], link[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		unsigned long long ino;
		ssize_t n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%llu]", &ino) != 1)
			continue;
		if (s->nr == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			void *v = realloc(s->v, cap * sizeof(*s->v));
			if (!v) {
				closedir(dir);
				return -ENOMEM;
			}
			s->v = v;
			s->cap = cap;
		}
		s->v[s->nr].ino = ino;
		s->v[s->nr++].pid = pid;
	}
	closedir(dir);
	return 0;
}

pid_t dump_socket_owner(struct xc_dump *d, uint64_t ino)
{
	struct xc_tree *t = d->tree;
	struct xc_sk_tree *s;

	if (!t) {
		/* Alone: its own sockets are all there is. */
		for (size_t i = 0; d->sk && i < d->sk->nr_usk; i++)
			if (d->sk->usk[i].rec.ino == ino)
				return d->pid;
		return 0;
	}
	if (!t->sockets) {
		t->sockets = calloc(1, sizeof(*t->sockets));
		for (size_t i = 0; t->sockets && i < t->nr; i++)
			if (t->p[i].d && scan_pid(t->sockets, t->p[i].pid))
				xc_warn("pid %d: list its sockets: failed", t->p[i].pid);
	}
	s = t->sockets;
	for (size_t i = 0; s && i < s->nr; i++)
		if (s->v[i].ino == ino)
			return s->v[i].pid;
	return 0;
}

void dump_sockets_tree_free(struct xc_tree *t)
{
	if (t->sockets)
		free(t->sockets->v);
	free(t->sockets);
	t->sockets = NULL;
}

void dump_sockets_free(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;

	if (!s)
		return;
	for (size_t i = 0; i < s->nr_usk; i++)
		xc_skq_free(&s->usk[i].q);
	free(s->usk);
	free(s->opts);
	xc_unix_diag_free(&s->unix_tab);
	dump_inet_free(s);
	if (s->pidfd >= 0)
		close(s->pidfd);
	free(s);
	d->sk = NULL;
}
