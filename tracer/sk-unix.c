/* Unix sockets, dump side. Each socket of the target is looked up in a
 * NETLINK_SOCK_DIAG listing of all unix sockets (name, peer, bound file,
 * queue lengths, shutdown, the backlog of listeners); its options and queue
 * are read from a copy of it. Once every fd is known, dump_unix_check()
 * decides how each connection comes back: a pair inside the dump, a client
 * still waiting in a dumped listener's backlog, a peer that was closed, or
 * a peer outside the dump (refused unless --ext-unix-sk, then reconnected
 * by its name). What cannot come back exactly is refused, named. */
#define LOG_PREFIX "sk-unix: "
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/sockets.h"

static int refuse(struct xc_dump *d, const struct xc_usk *u, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (socket:[%llu])", u->fd,
			(unsigned long long)u->rec.ino);
}

/* Every unix socket of this network namespace, once per dump. */
static int list_unix(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
				     UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN },
	};
	size_t cap = 64 * 1024;
	char *buf;
	int nl, err = 0;

	if (s->have_unix_tab)
		return 0;
	req.r.udiag_show |= 1 << 6;	/* UDIAG_SHOW_SHUTDOWN, absent from older headers */
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return xc_fail(d->ctx, d->pid, "unix sockets", "open sock_diag netlink", -errno);
	buf = malloc(cap);
	if (!buf) {
		close(nl);
		return xc_fail(d->ctx, d->pid, "unix sockets", "allocate", -ENOMEM);
	}
	if (send(nl, &req, sizeof(req), 0) != sizeof(req))
		err = xc_fail(d->ctx, d->pid, "unix sockets", "sock_diag request", -errno);
	while (!err) {
		ssize_t n = recv(nl, buf, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = xc_fail(d->ctx, d->pid, "unix sockets", "sock_diag read",
				      n < 0 ? -errno : -EPROTO);
			break;
		}
		err = xc_parse_unix_diag(buf, n, &s->unix_tab);
		if (err < 0)
			err = xc_fail(d->ctx, d->pid, "unix sockets", "sock_diag parse", err);
		else if (err == 1) {
			err = 0;
			break;
		}
	}
	free(buf);
	close(nl);
	s->have_unix_tab = !err;
	return err;
}

static int read_sysctl_int(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int64_t timeo_us(int sk, int opt)
{
	struct timeval tv = { 0 };
	socklen_t sl = sizeof(tv);

	if (getsockopt(sk, SOL_SOCKET, opt, &tv, &sl))
		return -1;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int read_opts(struct xc_dump *d, struct xc_usk *u, int sk)
{
	struct xc_rec_unixsk *r = &u->rec;
	int v, sndbuf, rcvbuf, err;
	struct ucred cr;
	socklen_t sl;

	sl = sizeof(sndbuf);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl))
		return xc_failf(d->ctx, d->pid, "getsockopt SO_SNDBUF", -errno, "fd %d", u->fd);
	sl = sizeof(rcvbuf);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl))
		return xc_failf(d->ctx, d->pid, "getsockopt SO_RCVBUF", -errno, "fd %d", u->fd);
	/* Set only where the program set them (SO_BUF_LOCK shows it, 5.14 and
	 * later): setting them locks them. Before 5.14, a size other than the
	 * default is taken for one the program set. */
	sl = sizeof(v);
	if (!getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &v, &sl)) {
		r->flags |= (v & 1 ? XC_USK_F_SNDBUF_LOCK : 0) | (v & 2 ? XC_USK_F_RCVBUF_LOCK : 0);
		r->sndbuf = v & 1 ? sndbuf : 0;
		r->rcvbuf = v & 2 ? rcvbuf : 0;
	} else {
		r->sndbuf = sndbuf == read_sysctl_int("/proc/sys/net/core/wmem_default") ? 0 : sndbuf;
		r->rcvbuf = rcvbuf == read_sysctl_int("/proc/sys/net/core/rmem_default") ? 0 : rcvbuf;
	}
	/* Who the peer is to this socket (pid 0: nobody yet), and who holds
	 * it: restore makes it as them (restorer/sk-cred.c). */
	sl = sizeof(cr);
	if (getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &cr, &sl))
		return xc_failf(d->ctx, d->pid, "getsockopt SO_PEERCRED", -errno, "fd %d", u->fd);
	r->cred_pid = cr.pid;
	r->cred_uid = cr.uid;
	r->cred_gid = cr.gid;
	r->holder_pid = d->pid;
	r->holder_uid = d->st.uid[1];
	r->holder_gid = d->st.gid[1];
	err = dump_sk_opts(d, u->fd, sk, r->ino, AF_UNIX, (int)r->type, 0, false);
	if (err)
		return err;
	sl = sizeof(v);
	if (!getsockopt(sk, SOL_SOCKET, SO_PASSCRED, &v, &sl) && v)
		r->flags |= XC_USK_F_PASSCRED;
	sl = sizeof(r->peek_off);
	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &r->peek_off, &sl))
		return xc_failf(d->ctx, d->pid, "getsockopt SO_PEEK_OFF", -errno, "fd %d", u->fd);
	r->rcvtimeo_us = timeo_us(sk, SO_RCVTIMEO);
	r->sndtimeo_us = timeo_us(sk, SO_SNDTIMEO);
	if (r->rcvtimeo_us < 0 || r->sndtimeo_us < 0)
		return xc_failf(d->ctx, d->pid, "getsockopt SO_RCVTIMEO/SO_SNDTIMEO", -errno, "fd %d",
				u->fd);
	sl = sizeof(v);
	if (!getsockopt(sk, SOL_SOCKET, SO_PASSSEC, &v, &sl) && v)
		return refuse(d, u, "SO_PASSSEC is not supported");
	return 0;
}

/* The bound path: its file (mode, owner) if it is still the socket's. */
static int read_name(struct xc_dump *d, struct xc_usk *u)
{
	const struct xc_unix_diag *g = u->diag;
	struct xc_rec_unixsk *r = &u->rec;
	struct stat st;

	r->name_len = g->name_len;
	memcpy(r->name, g->name, g->name_len);
	if (!g->name_len || !g->name[0])
		return 0;	/* unbound, or abstract */
	if (g->name[0] != '/')
		return refuse(d, u, "socket bound to a relative path is not supported");
	if (!memchr(g->name, 0, g->name_len))
		return refuse(d, u, "socket path without room for its terminating byte");
	if (!g->has_vfs || stat(r->name, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != g->vfs_ino ||
	    major(st.st_dev) != g->vfs_dev >> 20 || minor(st.st_dev) != (g->vfs_dev & 0xfffff)) {
		r->flags |= XC_USK_F_FILE_GONE;
		return 0;
	}
	r->file_mode = st.st_mode;
	r->file_uid = st.st_uid;
	r->file_gid = st.st_gid;
	return 0;
}

static struct xc_usk *add_usk(struct xc_sk *s)
{
	if (s->nr_usk == s->cap_usk) {
		size_t cap = s->cap_usk ? s->cap_usk * 2 : 8;
		struct xc_usk *v = realloc(s->usk, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->usk = v;
		s->cap_usk = cap;
	}
	memset(&s->usk[s->nr_usk], 0, sizeof(s->usk[0]));
	return &s->usk[s->nr_usk++];
}

int dump_unix_sk(struct xc_dump *d, int fd, int sk, uint64_t ino, uint32_t scm_fds)
{
	struct xc_sk *s = d->sk;
	struct xc_usk *u;
	const char *step;
	int err;

	err = list_unix(d);
	if (err)
		return err;
	u = add_usk(s);
	if (!u)
		return xc_fail(d->ctx, d->pid, "unix sockets", "allocate", -ENOMEM);
	u->fd = fd;
	u->rec.ino = ino;
	u->diag = NULL;
	for (size_t i = 0; i < s->unix_tab.nr; i++)
		if (s->unix_tab.v[i].ino == ino)
			u->diag = &s->unix_tab.v[i];
	if (!u->diag)
		return refuse(d, u, "socket not found by sock_diag (another network namespace?)");
	if (scm_fds)
		return refuse(d, u, "file descriptors in flight (SCM_RIGHTS) are not supported");
	u->rec.type = u->diag->type;
	if (u->rec.type != SOCK_STREAM && u->rec.type != SOCK_DGRAM &&
	    u->rec.type != SOCK_SEQPACKET)
		return refuse(d, u, "unix socket of this type is not supported");
	if (u->diag->state == 10 /* TCP_LISTEN */) {
		u->rec.state = XC_USK_LISTEN;
		u->rec.backlog = u->diag->wqueue;
	} else if (u->diag->has_peer) {
		u->rec.state = XC_USK_CONNECTED;
		u->rec.peer_ino = u->diag->peer;
		if (!u->diag->peer)
			u->rec.flags |= XC_USK_F_PEER_GONE;
	} else if (u->diag->state == 7 /* TCP_CLOSE */ || u->rec.type == SOCK_DGRAM) {
		u->rec.state = XC_USK_UNCONNECTED;
	} else {
		return refuse(d, u, "unix socket in this state is not supported");
	}
	u->rec.shutdown = u->diag->shutdown & 3;
	err = read_name(d, u);
	if (!err)
		err = read_opts(d, u, sk);
	/* Out-of-band data (send with MSG_OOB) has no place in the queue we
	 * save: it would come back as an ordinary byte, or not at all. A peek
	 * finds it without taking it; without any, the kernel says EINVAL. */
	if (!err && u->rec.type == SOCK_STREAM && u->rec.state == XC_USK_CONNECTED) {
		char c;
		if (recv(sk, &c, 1, MSG_OOB | MSG_PEEK | MSG_DONTWAIT) == 1)
			return refuse(d, u, "out-of-band data (MSG_OOB) is not supported");
	}
	/* Only a connected socket or a datagram one can hold data. */
	if (err || (u->rec.state != XC_USK_CONNECTED && u->rec.type != SOCK_DGRAM))
		return err;
	err = xc_skq_peek(sk, u->rec.type, &u->q, &step);
	if (err == -ENOMEM)
		return xc_failf(d->ctx, d->pid, "allocate", err, "fd %d (socket:[%llu])", fd,
				(unsigned long long)ino);
	if (err == -ENOTSUP)
		return refuse(d, u, step);
	if (err)
		return xc_failf(d->ctx, d->pid, step, err, "fd %d (socket:[%llu])", fd,
				(unsigned long long)ino);
	/* The stream's queue length as sock_diag counts it must match. */
	if (u->rec.type != SOCK_DGRAM && u->q.len != u->diag->rqueue)
		return xc_failf(d->ctx, d->pid, "queued data read back short", -EIO,
				"fd %d (socket:[%llu], %u bytes queued, %zu read)", fd,
				(unsigned long long)ino, u->diag->rqueue, u->q.len);
	return 0;
}

/* Is the socket held by a process of the dump (this one or another)? */
static bool in_dump(struct xc_dump *d, uint64_t ino)
{
	return ino && dump_socket_owner(d, ino) != 0;
}

static bool same_name(const struct xc_unix_diag *a, const char *name, uint32_t len)
{
	return a->name_len == len && !memcmp(a->name, name, len);
}

/* Is client ino waiting in the backlog of a listener of the dump? Then
 * *pos is its place in the queue (UNIX_DIAG_ICONS lists the clients). */
static const struct xc_unix_diag *backlog_of(struct xc_dump *d, uint32_t ino, uint32_t *pos)
{
	const struct xc_unix_diag_tab *tab = &d->sk->unix_tab;

	for (size_t i = 0; i < tab->nr; i++) {
		const struct xc_unix_diag *g = &tab->v[i];
		if (g->state != 10)
			continue;
		for (uint32_t k = 0; k < g->nr_icons; k++)
			if (g->icons[k] == ino) {
				*pos = k;
				return in_dump(d, g->ino) ? g : NULL;
			}
	}
	return NULL;
}

/* A stream end made by accept() carries its listener's name: it comes back
 * through accept() on that name. Decided from sock_diag alone, so that the
 * two ends of a pair held by two processes agree. */
static void mark_accepted(struct xc_dump *d, struct xc_usk *u)
{
	const struct xc_unix_diag_tab *tab = &d->sk->unix_tab;
	const struct xc_unix_diag *g = u->diag, *p;

	if (u->rec.type == SOCK_DGRAM || u->rec.state != XC_USK_CONNECTED || !g->name_len ||
	    (u->rec.flags & XC_USK_F_BACKLOG))
		return;
	for (size_t i = 0; i < tab->nr; i++) {
		const struct xc_unix_diag *l = &tab->v[i];
		if (l->state == 10 && l->ino != g->ino && same_name(l, g->name, g->name_len) &&
		    l->type == g->type) {
			u->rec.flags |= XC_USK_F_ACCEPTED;
			return;
		}
	}
	/* Listener gone: the end whose peer is unnamed, or of two named
	 * ends the one with the lower inode. */
	if (u->rec.flags & XC_USK_F_PEER_GONE) {
		u->rec.flags |= XC_USK_F_ACCEPTED;
		return;
	}
	p = xc_unix_diag_find(tab, (uint32_t)u->rec.peer_ino);
	if (p && (!p->name_len || g->ino < p->ino))
		u->rec.flags |= XC_USK_F_ACCEPTED;
}

/* A peer outside the dump: with --ext-unix-sk, connect again to its name
 * (a listener's, or a datagram socket's) at restore. */
static int external(struct xc_dump *d, struct xc_usk *u)
{
	const struct xc_unix_diag *p = xc_unix_diag_find(&d->sk->unix_tab, u->rec.peer_ino);
	bool ok = false;

	if (!d->ctx->ext_unix_sk)
		return refuse(d, u, "peer is outside the dump (--ext-unix-sk reconnects it by name)");
	if (p && p->name_len && p->name[0] == '/' && u->rec.type == SOCK_DGRAM)
		ok = true;
	else if (p && p->name_len)
		for (size_t i = 0; i < d->sk->unix_tab.nr; i++) {
			const struct xc_unix_diag *l = &d->sk->unix_tab.v[i];
			if (same_name(l, p->name, p->name_len) && l->type == u->rec.type &&
			    (u->rec.type == SOCK_DGRAM || l->state == 10))
				ok = true;
		}
	if (!ok)
		return refuse(d, u, "peer outside the dump has no name to reconnect to");
	if (u->q.len)
		return refuse(d, u, "data queued from a peer outside the dump would be lost");
	u->rec.flags |= XC_USK_F_EXTERNAL;
	u->rec.peer_name_len = p->name_len;
	memcpy(u->rec.peer_name, p->name, p->name_len);
	u->rec.peer_ino = 0;
	return 0;
}

static int check_peer(struct xc_dump *d, struct xc_usk *u)
{
	const struct xc_unix_diag *p, *l;
	uint32_t pos;

	if (u->rec.state != XC_USK_CONNECTED)
		return 0;
	/* A client in a backlog: its peer has no inode yet (sock_diag says
	 * 0, as for a closed peer), and the listener lists the client. */
	l = backlog_of(d, (uint32_t)u->rec.ino, &pos);
	if (l) {
		/* What it sent sits in the peer, which no fd reaches yet. */
		if (u->diag->wqueue)
			return refuse(d, u, "data sent on a connection not accepted yet is not supported");
		u->rec.flags = (u->rec.flags & ~XC_USK_F_PEER_GONE) | XC_USK_F_BACKLOG;
		u->rec.peer_ino = l->ino;
		u->rec.backlog = pos;
		return 0;
	}
	if (u->rec.flags & XC_USK_F_PEER_GONE)
		return 0;
	if (!in_dump(d, u->rec.peer_ino))
		return external(d, u);
	p = xc_unix_diag_find(&d->sk->unix_tab, (uint32_t)u->rec.peer_ino);
	if (p && p->has_peer && p->peer == u->rec.ino)
		return 0;
	/* One-way datagram connection: connect() again by name. */
	if (p && u->rec.type == SOCK_DGRAM && p->name_len)
		return 0;
	return refuse(d, u, "connected to a peer that can neither be paired nor named");
}

/* Who sent each queued datagram must exist at restore to send it again. */
static int check_senders(struct xc_dump *d, struct xc_usk *u)
{
	const struct xc_unix_diag_tab *tab = &d->sk->unix_tab;

	for (uint32_t i = 0; i < u->q.nr; i++) {
		const struct xc_skpacket *pk = &u->q.pk[i];
		bool found = !pk->addr_len;

		for (size_t k = 0; !found && k < tab->nr; k++)
			found = same_name(&tab->v[k], pk->addr, pk->addr_len) &&
				in_dump(d, tab->v[k].ino);
		if (!found)
			return refuse(d, u, "datagram queued from a named sender outside the dump");
	}
	if (u->q.nr && u->rec.state == XC_USK_UNCONNECTED && !u->rec.name_len)
		return refuse(d, u, "data queued on an unnamed, unconnected socket");
	return 0;
}

int dump_unix_check(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;
	int err = 0;

	for (size_t i = 0; !err && i < s->nr_usk; i++)
		err = check_peer(d, &s->usk[i]);
	for (size_t i = 0; !err && i < s->nr_usk; i++) {
		struct xc_usk *u = &s->usk[i];
		mark_accepted(d, u);
		if (u->rec.type == SOCK_DGRAM)
			err = check_senders(d, u);
	}
	/* An accepted end comes back through accept() on its listener's name,
	 * which must then be free or the dump's own. */
	for (size_t i = 0; !err && i < s->nr_usk; i++) {
		struct xc_usk *u = &s->usk[i];
		if (!(u->rec.flags & XC_USK_F_ACCEPTED))
			continue;
		for (size_t k = 0; !err && k < s->unix_tab.nr; k++) {
			const struct xc_unix_diag *l = &s->unix_tab.v[k];
			if (l->state == 10 && l->type == u->rec.type &&
			    same_name(l, u->rec.name, u->rec.name_len) && !in_dump(d, l->ino))
				err = refuse(d, u, "accepted from a listener outside the dump");
		}
	}
	/* Every client in a dumped listener's backlog must be dumped too. */
	for (size_t i = 0; !err && i < s->nr_usk; i++) {
		const struct xc_unix_diag *g = s->usk[i].diag;
		if (s->usk[i].rec.state != XC_USK_LISTEN)
			continue;
		for (uint32_t k = 0; !err && k < g->nr_icons; k++)
			if (!in_dump(d, g->icons[k]))
				err = refuse(d, &s->usk[i],
					     "connection from outside the dump waiting in the backlog");
	}
	return err;
}

int dump_unix_put(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;
	int err = 0;

	for (size_t i = 0; !err && i < s->nr_usk; i++) {
		struct xc_usk *u = &s->usk[i];

		err = xc_imgw_put(d->ctx, &d->img, XC_REC_UNIXSK, &u->rec, sizeof(u->rec));
		if (!err)
			err = dump_sk_opts_put(d, u->rec.ino);
		if (!err)
			err = xc_skq_put(d, u->rec.ino, &u->q);
	}
	return err;
}
