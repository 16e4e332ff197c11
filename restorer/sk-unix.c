/* Unix sockets, restore side. In order: listeners bound and listening; pairs made
 * (socketpair(), or connect() + accept() where one end came from accept()
 * and so carries its listener's name); clients put back into backlogs in
 * their order; one-way and outside peers connected by name; queued data
 * sent again by each queue's sender; then shutdowns, options and the bound
 * files' mode and owner. This runs in xckpt, before the processes exist,
 * for every socket of the image (so a pair may end in two processes); every
 * socket kept is moved above svc_base at once. */
#define LOG_PREFIX "sk-unix: "
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Parent side now: the error is the restore's. */
static int rsk_fail(struct xc_rsk *k, const char *obj, const char *step, int err)
{
	return xc_fail(k->ctx, k->pid, obj, step, err);
}

struct usk_rst {
	struct xc_rsk *r;
	int *fd;		/* r->usk_fds */
	int *partner;		/* the other end of a closed peer, until the queues are full */
};

static const struct xc_rec_unixsk *U(const struct usk_rst *s, size_t i)
{
	return s->r->usks[i];
}

static int fail(struct usk_rst *s, size_t i, const char *step, int err)
{
	char obj[64];

	snprintf(obj, sizeof(obj), "socket:[%llu]", (unsigned long long)U(s, i)->ino);
	return rsk_fail(s->r, obj, step, err);
}

static ssize_t find(const struct xc_rsk *r, uint64_t ino)
{
	for (size_t i = 0; i < r->nr_usks; i++)
		if (r->usks[i]->ino == ino)
			return (ssize_t)i;
	return -1;
}

static bool is_path(const char *name, uint32_t len)
{
	return len && name[0];
}

static socklen_t mkaddr(struct sockaddr_un *sa, const char *name, uint32_t len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, len);
	return offsetof(struct sockaddr_un, sun_path) + len;
}

/* A socket above every target fd. */
static int keep(int fd, int base)
{
	int n;

	if (fd < 0 || fd >= base)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, base);
	close(n < 0 ? -1 : fd);
	return n;
}

static int new_socket(struct usk_rst *s, int type)
{
	return keep(socket(AF_UNIX, type | SOCK_CLOEXEC, 0), s->r->svc_base);
}

/* A path left by the dumped socket (killed, its file stays) may be taken
 * over; a path some live socket listens on, or any other file, may not. */
static int free_path(struct usk_rst *s, size_t i, const char *path, int type)
{
	struct sockaddr_un sa;
	struct stat st;
	int probe, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : fail(s, i, "stat bound path", -errno);
	if (!S_ISSOCK(st.st_mode))
		return fail(s, i, "bound path exists and is not a socket", -EADDRINUSE);
	probe = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return fail(s, i, "socket", -errno);
	err = connect(probe, (struct sockaddr *)&sa, mkaddr(&sa, path, strlen(path) + 1)) ? errno : 0;
	close(probe);
	if (err != ECONNREFUSED)
		return fail(s, i, "address in use by another socket", -EADDRINUSE);
	if (unlink(path) && errno != ENOENT)
		return fail(s, i, "remove stale socket file", -errno);
	return 0;
}

static int bind_to(struct usk_rst *s, size_t i, int fd, const char *name, uint32_t len, int type)
{
	struct sockaddr_un sa;
	int err;

	if (!len)
		return 0;
	if (is_path(name, len)) {
		err = free_path(s, i, name, type);
		if (err)
			return err;
	}
	if (bind(fd, (struct sockaddr *)&sa, mkaddr(&sa, name, len)))
		return fail(s, i, errno == EADDRINUSE ? "address in use" : "bind", -errno);
	return 0;
}

/* Call c in the name of socket w: who SO_PEERCRED names on it (the
 * process that made its pair, or listened on it, or connected to the
 * listener it was accepted from), or the process that holds it. */
static int call_as(struct usk_rst *s, size_t w, bool holder, struct rst_sk_call *c)
{
	const struct xc_rec_unixsk *u = U(s, w);
	char obj[64];
	int err;

	snprintf(obj, sizeof(obj), "socket:[%llu]", (unsigned long long)u->ino);
	err = holder ? rst_sk_call_as(s->r, u->holder_pid, u->holder_uid, u->holder_gid, c, obj) :
		       rst_sk_call_as(s->r, u->cred_pid, u->cred_uid, u->cred_gid, c, obj);
	return err ? err : c->ret;
}

static int listen_as(struct usk_rst *s, ssize_t w, int fd, int backlog)
{
	struct rst_sk_call c = { .op = RST_SK_LISTEN, .fd = fd, .backlog = backlog };

	if (w < 0)
		return listen(fd, backlog) ? -errno : 0;
	return call_as(s, (size_t)w, false, &c);
}

/* fd connects to name as w's holder or as who w's SO_PEERCRED names;
 * *pid: whose the connect was. */
static int connect_as(struct usk_rst *s, size_t w, bool holder, int fd, const char *name,
		      uint32_t len, pid_t *pid)
{
	struct rst_sk_call c = { .op = RST_SK_CONNECT, .fd = fd };
	int err;

	c.sl = mkaddr(&c.sa, name, len);
	err = call_as(s, w, holder, &c);
	if (pid)
		*pid = c.pid;
	return err;
}

static int bind_own(struct usk_rst *s, size_t i)
{
	return bind_to(s, i, s->fd[i], U(s, i)->name, U(s, i)->name_len, U(s, i)->type);
}

static int make_listener(struct usk_rst *s, size_t i)
{
	int err;

	s->fd[i] = new_socket(s, U(s, i)->type);
	if (s->fd[i] < 0)
		return fail(s, i, "socket", -errno);
	if (bind_own(s, i))
		return -EADDRINUSE;
	err = listen_as(s, (ssize_t)i, s->fd[i], (int)U(s, i)->backlog);
	return err ? fail(s, i, "listen", err) : 0;
}

static ssize_t listener_of(const struct usk_rst *s, size_t i)
{
	for (size_t k = 0; k < s->r->nr_usks; k++)
		if (U(s, k)->state == XC_USK_LISTEN && U(s, k)->type == U(s, i)->type &&
		    U(s, k)->name_len == U(s, i)->name_len &&
		    !memcmp(U(s, k)->name, U(s, i)->name, U(s, i)->name_len))
			return (ssize_t)k;
	return -1;
}

static int connect_to(int fd, const char *name, uint32_t len)
{
	struct sockaddr_un sa;

	return connect(fd, (struct sockaddr *)&sa, mkaddr(&sa, name, len)) ? -errno : 0;
}

/* i came from accept(): connect a client (its peer p, or a stand-in for a
 * peer that was closed) to its listener, or to a stand-in listener on the
 * same name, and accept. */
static int make_accepted(struct usk_rst *s, size_t i, ssize_t p)
{
	const struct xc_rec_unixsk *u = U(s, i);
	ssize_t l = listener_of(s, i);
	int lfd, cfd, afd, err;
	pid_t who = 0;
	struct ucred cr;
	socklen_t sl = sizeof(cr);

	if (l >= 0) {
		lfd = s->fd[l];
	} else {
		lfd = socket(AF_UNIX, u->type | SOCK_CLOEXEC, 0);
		if (lfd < 0)
			return fail(s, i, "socket", -errno);
		if (bind_to(s, i, lfd, u->name, u->name_len, u->type) || listen_as(s, p, lfd, 1)) {
			close(lfd);
			return fail(s, i, "listen on the name of the accepting socket", -EADDRINUSE);
		}
	}
	cfd = new_socket(s, u->type);
	err = cfd < 0 ? -errno : 0;
	if (!err && p >= 0)
		err = bind_to(s, p, cfd, U(s, p)->name, U(s, p)->name_len, u->type) ? -EADDRINUSE : 0;
	if (!err)
		err = connect_as(s, i, false, cfd, u->name, u->name_len, &who);
	afd = err ? -1 : keep(accept4(lfd, NULL, NULL, SOCK_CLOEXEC), s->r->svc_base);
	if (!err && afd < 0)
		err = -errno;
	/* Only we connect to it now; anyone else would be a stranger. */
	if (!err && (getsockopt(afd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) || cr.pid != who))
		err = -EADDRINUSE;
	if (l < 0) {
		close(lfd);
		if (is_path(u->name, u->name_len) && (u->flags & XC_USK_F_FILE_GONE))
			unlink(u->name);
	}
	if (err) {
		if (cfd >= 0)
			close(cfd);
		return fail(s, i, "connect and accept", err);
	}
	s->fd[i] = afd;
	if (p >= 0)
		s->fd[p] = cfd;
	else
		s->partner[i] = cfd;
	return 0;
}

static int make_pair(struct usk_rst *s, size_t i, ssize_t p)
{
	struct rst_sk_call c = { .op = RST_SK_SOCKETPAIR, .type = (int)U(s, i)->type };
	int sv[2], err = call_as(s, i, false, &c);

	if (err)
		return fail(s, i, "socketpair", err);
	sv[0] = c.fds[0];
	sv[1] = c.fds[1];
	s->fd[i] = keep(sv[0], s->r->svc_base);
	sv[1] = keep(sv[1], s->r->svc_base);
	if (s->fd[i] < 0 || sv[1] < 0)
		return fail(s, i, "move above the target's fds", -errno);
	if (p >= 0)
		s->fd[p] = sv[1];
	else
		s->partner[i] = sv[1];
	if (bind_own(s, i) || (p >= 0 && bind_own(s, p)))
		return -EADDRINUSE;
	return 0;
}

/* Listeners, pairs and lone sockets; clients that connect by name wait. */
static int create(struct usk_rst *s)
{
	int err = 0;

	for (size_t i = 0; !err && i < s->r->nr_usks; i++)
		if (U(s, i)->state == XC_USK_LISTEN)
			err = make_listener(s, i);
	for (size_t i = 0; !err && i < s->r->nr_usks; i++) {
		const struct xc_rec_unixsk *u = U(s, i);
		ssize_t p = find(s->r, u->peer_ino);
		bool mutual = u->state == XC_USK_CONNECTED &&
			      !(u->flags & (XC_USK_F_BACKLOG | XC_USK_F_EXTERNAL | XC_USK_F_PEER_GONE)) &&
			      p >= 0 && U(s, p)->peer_ino == u->ino;

		if (s->fd[i] >= 0 || u->state == XC_USK_LISTEN)
			continue;
		if (u->flags & XC_USK_F_PEER_GONE)
			err = (u->flags & XC_USK_F_ACCEPTED) ? make_accepted(s, i, -1) : make_pair(s, i, -1);
		else if (mutual && (u->flags & XC_USK_F_ACCEPTED))
			err = make_accepted(s, i, p);
		else if (mutual && (U(s, p)->flags & XC_USK_F_ACCEPTED))
			err = make_accepted(s, p, i);
		else if (mutual)
			err = make_pair(s, i, p);
		else {
			s->fd[i] = new_socket(s, u->type);
			if (s->fd[i] < 0)
				return fail(s, i, "socket", -errno);
			err = bind_own(s, i);
		}
	}
	return err;
}

/* Clients waiting in backlogs, in their order; then one-way datagram
 * connections and peers outside the dump, by name. */
static int connect_rest(struct usk_rst *s)
{
	size_t n = s->r->nr_usks;
	int err;

	for (uint32_t pos = 0;; pos++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			const struct xc_rec_unixsk *u = U(s, i);
			ssize_t l;
			if (!(u->flags & XC_USK_F_BACKLOG) || u->backlog != pos)
				continue;
			any = true;
			l = find(s->r, u->peer_ino);
			err = connect_as(s, i, true, s->fd[i], U(s, l)->name, U(s, l)->name_len, NULL);
			if (err)
				return fail(s, i, "connect into the listener's backlog", err);
		}
		if (!any)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xc_rec_unixsk *u = U(s, i);
		ssize_t p = find(s->r, u->peer_ino);

		if (u->flags & XC_USK_F_EXTERNAL)
			err = connect_as(s, i, true, s->fd[i], u->peer_name, u->peer_name_len, NULL);
		else if (u->state == XC_USK_CONNECTED && u->type == SOCK_DGRAM &&
			 !(u->flags & XC_USK_F_PEER_GONE) && p >= 0 && U(s, p)->peer_ino != u->ino)
			err = connect_to(s->fd[i], U(s, p)->name, U(s, p)->name_len);
		else
			continue;
		if (err)
			return fail(s, i, "connect to the peer's name", err);
	}
	return 0;
}

/* Who sends packet pk to receiver i: its peer, or a socket of the dump
 * with the sender's name, or (-2) a fresh unnamed socket. */
static int sender_of(const struct usk_rst *s, size_t i, const struct xc_skpacket *pk)
{
	const struct xc_rec_unixsk *u = U(s, i);
	ssize_t p;

	if (s->partner[i] >= 0)
		return s->partner[i];
	if (u->state == XC_USK_CONNECTED) {
		p = find(s->r, u->peer_ino);
		return p >= 0 ? s->fd[p] : -1;
	}
	if (!pk->addr_len)
		return -2;
	for (size_t k = 0; k < s->r->nr_usks; k++)
		if (U(s, k)->name_len == pk->addr_len && !memcmp(U(s, k)->name, pk->addr, pk->addr_len))
			return s->fd[k];
	return -1;
}

/* Is the sender that sender_of() picks connected to i (so it needs no
 * address)? Its socketpair partner, or a peer connected both ways. */
static bool sender_connected(const struct usk_rst *s, size_t i)
{
	const struct xc_rec_unixsk *u = U(s, i);
	ssize_t p = find(s->r, u->peer_ino);

	if (s->partner[i] >= 0)
		return true;
	return u->state == XC_USK_CONNECTED && p >= 0 && U(s, p)->peer_ino == u->ino;
}

static int fill_one(struct usk_rst *s, const struct xc_rec_skqueue *q)
{
	const struct xc_skpacket *pk = (const void *)(q + 1);
	const uint8_t *data = (const uint8_t *)(pk + q->nr_packets);
	ssize_t i = find(s->r, q->ino);
	const struct xc_rec_unixsk *u = U(s, i);
	int big = 64 << 20;

	for (uint32_t k = 0; k < q->nr_packets; data += pk[k].len, k++) {
		int from = sender_of(s, i, &pk[k]), tmp = -1;
		struct sockaddr_un sa;
		socklen_t sl = 0;
		size_t off = 0;

		if (from == -2)
			from = tmp = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (from < 0)
			return fail(s, i, "find the sender of queued data", -ENOENT);
		/* Room for the whole queue, whatever the sender's buffer; the
		 * recorded sizes are set afterwards. */
		setsockopt(from, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		if (u->type == SOCK_DGRAM && !sender_connected(s, i))
			sl = mkaddr(&sa, u->name, u->name_len);
		while (off < pk[k].len) {
			ssize_t n = sendto(from, data + off, pk[k].len - off, MSG_DONTWAIT | MSG_NOSIGNAL,
					   sl ? (struct sockaddr *)&sa : NULL, sl);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				int err = n < 0 ? -errno : -EIO;
				if (tmp >= 0)
					close(tmp);
				return fail(s, i, "queue the unread data again", err);
			}
			off += n;
			if (u->type != SOCK_STREAM && off != pk[k].len)
				return fail(s, i, "queue a packet again", -EMSGSIZE);
		}
		if (tmp >= 0)
			close(tmp);
	}
	return 0;
}

static int set_timeo(int fd, int opt, int64_t us)
{
	struct timeval tv = { .tv_sec = us / 1000000, .tv_usec = us % 1000000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* Buffers as read back at dump: the kernel doubles what it is given. */
static int set_buf(int fd, int opt, int v)
{
	int half = v / 2;

	return setsockopt(fd, SOL_SOCKET, opt, &half, sizeof(half));
}

static int finish_one(struct usk_rst *s, size_t i)
{
	const struct xc_rec_unixsk *u = U(s, i);
	int fd = s->fd[i], how = -1, one = 1, def, locks, err;
	const char *opt = "";
	ssize_t p = find(s->r, u->peer_ino);
	bool pair = u->state == XC_USK_CONNECTED && p >= 0 &&
		    !(u->flags & (XC_USK_F_EXTERNAL | XC_USK_F_BACKLOG));

	/* In a pair, one end's receive side is shut exactly when the
	 * other's send side is: shutting each send side does both. */
	if (pair && (u->shutdown & 2) && u->type != SOCK_DGRAM)
		how = SHUT_WR;
	else if (!pair || u->type == SOCK_DGRAM)
		how = u->shutdown == 3 ? SHUT_RDWR : u->shutdown == 2 ? SHUT_WR :
		      u->shutdown == 1 ? SHUT_RD : -1;
	if (how >= 0 && shutdown(fd, how) && errno != ENOTCONN)
		return fail(s, i, "shutdown", -errno);
	if ((u->flags & XC_USK_F_PASSCRED) &&
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		return fail(s, i, "setsockopt SO_PASSCRED", -errno);
	if ((u->rcvtimeo_us && set_timeo(fd, SO_RCVTIMEO, u->rcvtimeo_us)) ||
	    (u->sndtimeo_us && set_timeo(fd, SO_SNDTIMEO, u->sndtimeo_us)))
		return fail(s, i, "setsockopt SO_RCVTIMEO/SO_SNDTIMEO", -errno);
	if (u->sndbuf ? set_buf(fd, SO_SNDBUFFORCE, u->sndbuf) : 0)
		return fail(s, i, "setsockopt SO_SNDBUFFORCE", -errno);
	if (u->rcvbuf ? set_buf(fd, SO_RCVBUFFORCE, u->rcvbuf) : 0)
		return fail(s, i, "setsockopt SO_RCVBUFFORCE", -errno);
	/* The fill raised the buffer of a sender left at the default. */
	if (!u->sndbuf) {
		FILE *f = fopen("/proc/sys/net/core/wmem_default", "re");
		if (f && fscanf(f, "%d", &def) == 1)
			set_buf(fd, SO_SNDBUFFORCE, def);
		if (f)
			fclose(f);
	}
	err = rst_sk_opts_apply(s->r, u->ino, fd, &opt);
	if (err) {
		char step[64];

		snprintf(step, sizeof(step), "setsockopt %s", opt);
		return fail(s, i, step, err);
	}
	/* Setting a size locks it: only those the program set stay locked. */
	locks = (u->sndbuf ? 1 : 0) | (u->rcvbuf ? 2 : 0);
	if (setsockopt(fd, SOL_SOCKET, SO_BUF_LOCK, &locks, sizeof(locks)) && errno != ENOPROTOOPT)
		return fail(s, i, "setsockopt SO_BUF_LOCK", -errno);
	if (u->peek_off >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &u->peek_off, sizeof(u->peek_off)))
		return fail(s, i, "setsockopt SO_PEEK_OFF", -errno);
	if (!is_path(u->name, u->name_len) || (u->flags & XC_USK_F_ACCEPTED))
		return 0;
	if (u->flags & XC_USK_F_FILE_GONE)
		return unlink(u->name) && errno != ENOENT ? fail(s, i, "unlink bound path", -errno) : 0;
	if (chmod(u->name, u->file_mode & 07777) || chown(u->name, u->file_uid, u->file_gid))
		return fail(s, i, "set bound file's mode and owner", -errno);
	return 0;
}

int rst_unix_sockets(struct xc_rsk *r)
{
	struct usk_rst s = { .r = r };
	int err = 0;

	if (!r->nr_usks)
		return 0;
	r->usk_fds = malloc(r->nr_usks * sizeof(int));
	s.partner = malloc(r->nr_usks * sizeof(int));
	if (!r->usk_fds || !s.partner) {
		free(s.partner);
		return rsk_fail(r, "unix sockets", "allocate", -ENOMEM);
	}
	s.fd = r->usk_fds;
	for (size_t i = 0; i < r->nr_usks; i++)
		s.fd[i] = s.partner[i] = -1;
	err = create(&s);
	if (!err)
		err = connect_rest(&s);
	for (size_t i = 0; !err && i < r->nr_skqs; i++)
		if (find(r, r->skqs[i]->ino) >= 0)
			err = fill_one(&s, r->skqs[i]);
	for (size_t i = 0; i < r->nr_usks; i++)
		if (s.partner[i] >= 0)
			close(s.partner[i]);
	for (size_t i = 0; !err && i < r->nr_usks; i++)
		err = finish_one(&s, i);
	free(s.partner);
	rst_sk_helpers_end(r);
	return err;
}

bool rst_skqueue_ok(const void *p, uint32_t len)
{
	const struct xc_rec_skqueue *q = p;
	const struct xc_skpacket *pk = (const void *)(q + 1);
	uint64_t sum = 0, hl;

	if (len < sizeof(*q) || q->queue > 1)
		return false;
	hl = sizeof(*q) + (uint64_t)q->nr_packets * sizeof(*pk);
	if (hl > len)
		return false;
	for (uint32_t i = 0; i < q->nr_packets; i++) {
		if (pk[i].addr_len > sizeof(pk[i].addr))
			return false;
		sum += pk[i].len;
	}
	return sum == len - hl;
}

/* Names fit, peers and listeners named by ino exist, every socket fd has
 * its record and every queue its socket. */
int rst_unix_check(struct xc_rsk *r, const struct xc_rtree *t)
{
	const char *name = "unix sockets";

	r->ctx->exit_hint = XC_EXIT_IMAGE;
	for (size_t i = 0; i < r->nr_usks; i++) {
		const struct xc_rec_unixsk *u = r->usks[i];
		ssize_t p = find(r, u->peer_ino);

		if (u->name_len > sizeof(u->name) || u->peer_name_len > sizeof(u->peer_name) ||
		    (is_path(u->name, u->name_len) && !memchr(u->name, 0, u->name_len)) ||
		    (u->type != SOCK_STREAM && u->type != SOCK_DGRAM && u->type != SOCK_SEQPACKET) ||
		    find(r, u->ino) != (ssize_t)i)
			return xc_failf(r->ctx, r->pid, "bad unix socket record", -EBADMSG, "%s", name);
		if (u->state != XC_USK_LISTEN && u->state != XC_USK_CONNECTED &&
		    u->state != XC_USK_UNCONNECTED)
			return xc_failf(r->ctx, r->pid, "bad unix socket state", -EBADMSG, "%s", name);
		if (u->state == XC_USK_CONNECTED &&
		    !(u->flags & (XC_USK_F_PEER_GONE | XC_USK_F_EXTERNAL)) && p < 0)
			return xc_failf(r->ctx, r->pid, "unix socket peer missing", -EBADMSG, "%s", name);
		if ((u->flags & XC_USK_F_BACKLOG) &&
		    (r->usks[p]->state != XC_USK_LISTEN || !r->usks[p]->name_len))
			return xc_failf(r->ctx, r->pid, "backlog without a listener", -EBADMSG, "%s",
					name);
		if ((u->flags & XC_USK_F_EXTERNAL) && !u->peer_name_len)
			return xc_failf(r->ctx, r->pid, "outside peer without a name", -EBADMSG, "%s",
					name);
	}
	for (size_t i = 0; i < t->nr_files; i++)
		if (t->files[i]->kind == XC_FD_SOCKET && find(r, t->files[i]->ino) < 0 &&
		    rst_inet_find(r, t->files[i]->ino) < 0)
			return xc_failf(r->ctx, r->pid, "socket file without a socket record", -EBADMSG,
					"%s", name);
	/* A queue belongs to a unix socket that can hold data (receive
	 * queue only), to a repaired TCP connection or a UDP socket
	 * (rst_inet_check). */
	for (size_t i = 0; i < r->nr_skqs; i++) {
		ssize_t u = find(r, r->skqs[i]->ino), k = rst_inet_find(r, r->skqs[i]->ino);
		if (u >= 0 ? r->usks[u]->state == XC_USK_LISTEN || r->skqs[i]->queue :
			     k < 0 || !((r->isks[k]->flags & XC_ISK_F_REPAIR) ||
					 (r->isks[k]->protocol == IPPROTO_UDP && !r->skqs[i]->queue)))
			return xc_failf(r->ctx, r->pid, "socket queue without a socket", -EBADMSG, "%s",
					name);
	}
	r->ctx->exit_hint = 0;
	return 0;
}
