/* IPv4 and IPv6 sockets, restore side (in xckpt, after the unix sockets). Listeners and UDP sockets first: options, bind, listen or
 * connect. Then each established connection in repair mode: bound to its
 * own address (repair mode forces the reuse of its listener's port),
 * sequence numbers set, connected without a handshake, its options, both
 * queues and its window put back, and repair mode left. Its traffic stays
 * blocked by the dump's nftables table until the processes run; then
 * rst_sockets_unlock() lifts it. */
#define LOG_PREFIX "sk-inet: "
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

static int rsk_fail(struct xc_rsk *k, const char *obj, const char *step, int err)
{
	return xc_fail(k->ctx, k->pid, obj, step, err);
}

static int fail(struct xc_rsk *r, const struct xc_rec_inetsk *k, const char *step, int err)
{
	char obj[96], a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family, k->src, a, sizeof(a));
	snprintf(obj, sizeof(obj), "socket:[%llu] (%s %s%s%s:%u)", (unsigned long long)k->ino,
		 k->protocol == IPPROTO_TCP ? "tcp" : "udp", k->family == AF_INET6 ? "[" : "", a,
		 k->family == AF_INET6 ? "]" : "", k->sport);
	return rsk_fail(r, obj, step, err);
}

static socklen_t mkaddr(struct sockaddr_storage *ss, int family, const uint8_t a[16],
			uint16_t port, uint32_t scope)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		s6->sin6_port = htons(port);
		s6->sin6_scope_id = scope;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (void *)ss;
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, a, 4);
	s4->sin_port = htons(port);
	return sizeof(*s4);
}

static int setint(int sk, int level, int opt, int v)
{
	return setsockopt(sk, level, opt, &v, sizeof(v)) ? -errno : 0;
}

static int set_timeo(int fd, int opt, int64_t us)
{
	struct timeval tv = { .tv_sec = us / 1000000, .tv_usec = us % 1000000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) ? -errno : 0;
}

/* Options that must be in place before bind (reuse, v6only, device). In
 * repair mode the socket may share its listener's port whatever
 * SO_REUSEADDR says, and setting it would undo that: it comes after. */
static int early_opts(int sk, const struct xc_rec_inetsk *k)
{
	int err = 0;

	if ((k->flags & XC_ISK_F_REUSEADDR) && !(k->flags & XC_ISK_F_REPAIR))
		err = setint(sk, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && (k->flags & XC_ISK_F_REUSEPORT))
		err = setint(sk, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && k->family == AF_INET6)
		err = setint(sk, IPPROTO_IPV6, IPV6_V6ONLY, !!(k->flags & XC_ISK_F_V6ONLY));
	if (!err && k->ifindex)
		err = setint(sk, SOL_SOCKET, 62 /* SO_BINDTOIFINDEX */, (int)k->ifindex);
	return err;
}

/* SO_BUF_LOCK bits: those recorded, and, short of them (a dump on a
 * kernel before 5.14), any size recorded outside an established
 * connection, which only a program's setting makes differ from the
 * default. */
static int buf_locks(const struct xc_rec_inetsk *k)
{
	int locks = (k->flags & XC_ISK_F_SNDBUF_LOCK ? 1 : 0) | (k->flags & XC_ISK_F_RCVBUF_LOCK ? 2 : 0);

	if (!(k->flags & XC_ISK_F_REPAIR))
		locks |= (k->sndbuf ? 1 : 0) | (k->rcvbuf ? 2 : 0);
	return locks;
}

static int late_opts(int sk, const struct xc_rec_inetsk *k)
{
	int err = 0;

	if (k->flags & XC_ISK_F_KEEPALIVE)
		err = setint(sk, SOL_SOCKET, SO_KEEPALIVE, 1);
	if (!err && (k->flags & XC_ISK_F_BROADCAST))
		err = setint(sk, SOL_SOCKET, SO_BROADCAST, 1);
	if (!err && (k->flags & XC_ISK_F_NODELAY))
		err = setint(sk, IPPROTO_TCP, TCP_NODELAY, 1);
	if (!err && k->keepidle)
		err = setint(sk, IPPROTO_TCP, TCP_KEEPIDLE, k->keepidle);
	if (!err && k->keepintvl)
		err = setint(sk, IPPROTO_TCP, TCP_KEEPINTVL, k->keepintvl);
	if (!err && k->keepcnt)
		err = setint(sk, IPPROTO_TCP, TCP_KEEPCNT, k->keepcnt);
	/* Read back doubled: the kernel doubles what it is given. */
	if (!err && k->sndbuf)
		err = setint(sk, SOL_SOCKET, SO_SNDBUFFORCE, k->sndbuf / 2);
	if (!err && k->rcvbuf)
		err = setint(sk, SOL_SOCKET, SO_RCVBUFFORCE, k->rcvbuf / 2);
	/* Setting a size locks it: only those the program set stay locked,
	 * the others go on being tuned by the kernel (a kernel before 5.14
	 * has no SO_BUF_LOCK, and locks them all). */
	if (!err && setint(sk, SOL_SOCKET, SO_BUF_LOCK, buf_locks(k)) && errno != ENOPROTOOPT)
		err = -errno;
	if (!err && k->rcvtimeo_us)
		err = set_timeo(sk, SO_RCVTIMEO, k->rcvtimeo_us);
	if (!err && k->sndtimeo_us)
		err = set_timeo(sk, SO_SNDTIMEO, k->sndtimeo_us);
	if (!err && k->peek_off >= 0)
		err = setint(sk, SOL_SOCKET, SO_PEEK_OFF, k->peek_off);
	return err;
}

/* The options the program set (SKOPT records), last. */
static int program_opts(struct xc_rsk *r, const struct xc_rec_inetsk *k, int sk)
{
	const char *opt = "";
	int err = rst_sk_opts_apply(r, k->ino, sk, &opt);
	char step[64];

	if (!err)
		return 0;
	snprintf(step, sizeof(step), "setsockopt %s", opt);
	return fail(r, k, step, err);
}

/* net.core.rmem_default: a new UDP socket's receive buffer. */
static int sysctl_rmem_default(void)
{
	FILE *f = fopen("/proc/sys/net/core/rmem_default", "re");
	int v = 212992;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 212992;
		fclose(f);
	}
	return v;
}

/* A TCP listener or closed socket, or a UDP socket. A listener binds with
 * SO_REUSEADDR whatever it had (connections of its own left in TIME_WAIT
 * must not keep it from its port; a live listener there still does), then
 * gets its own value back. */
static int make_plain(struct xc_rsk *r, const struct xc_rec_inetsk *k, int *out)
{
	static const uint8_t any[16];
	struct sockaddr_storage ss;
	socklen_t sl;
	int sk, err;
	/* A bind to a specific IPv6 address sets IPV6_V6ONLY: a connected
	 * IPv6 socket that reads 0 got its address from its connect(), and
	 * gets it so again, bound to the wildcard with its port. */
	bool wild = k->family == AF_INET6 && !(k->flags & XC_ISK_F_V6ONLY) &&
		    (k->flags & XC_ISK_F_CONNECTED) && memcmp(k->src, any, 16) &&
		    !IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)k->src);

	sk = socket(k->family, k->type | SOCK_CLOEXEC, k->protocol);
	if (sk < 0)
		return fail(r, k, "socket", -errno);
	*out = sk;
	err = early_opts(sk, k);
	if (!err && k->state == TCP_LISTEN)
		err = setint(sk, SOL_SOCKET, SO_REUSEADDR, 1);
	if (err)
		return fail(r, k, "setsockopt", err);
	if (k->flags & XC_ISK_F_BOUND) {
		sl = mkaddr(&ss, k->family, wild ? any : k->src, k->sport, wild ? 0 : k->scope_id);
		if (bind(sk, (struct sockaddr *)&ss, sl))
			return fail(r, k, errno == EADDRINUSE ? "address in use" : "bind", -errno);
	}
	if (k->state == TCP_LISTEN) {
		if (listen(sk, (int)k->backlog))
			return fail(r, k, "listen", -errno);
		err = setint(sk, SOL_SOCKET, SO_REUSEADDR, !!(k->flags & XC_ISK_F_REUSEADDR));
	}
	/* Unread datagrams, before a connect would let only the peer's in;
	 * then the receive buffer back to the default unless it was set. */
	if (!err && k->protocol == IPPROTO_UDP && rst_inet_queue(r, k->ino, 0)) {
		const char *step;

		err = rst_udp_queue(r, k, sk, &step);
		if (err)
			return fail(r, k, step, err);
		if (!k->rcvbuf && (err = setint(sk, SOL_SOCKET, SO_RCVBUFFORCE,
						sysctl_rmem_default() / 2)))
			return fail(r, k, "setsockopt SO_RCVBUFFORCE", err);
	}
	if (!err && (k->flags & XC_ISK_F_CONNECTED)) {
		sl = mkaddr(&ss, k->family, k->dst, k->dport, 0);
		if (connect(sk, (struct sockaddr *)&ss, sl))
			return fail(r, k, "connect", -errno);
		sl = sizeof(ss);
		if (wild && (getsockname(sk, (struct sockaddr *)&ss, &sl) ||
			     memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, k->src, 16)))
			return fail(r, k, "connect: the route gives another source address",
				    -EADDRNOTAVAIL);
	}
	if (!err)
		err = late_opts(sk, k);
	return err ? fail(r, k, "setsockopt", err) : program_opts(r, k, sk);
}

const struct xc_rec_skqueue *rst_inet_queue(const struct xc_rsk *r, uint64_t ino, uint32_t q)
{
	for (size_t i = 0; i < r->nr_skqs; i++)
		if (r->skqs[i]->ino == ino && r->skqs[i]->queue == q)
			return r->skqs[i];
	return NULL;
}

static const uint8_t *queue_data(const struct xc_rec_skqueue *q)
{
	return (const uint8_t *)((const struct xc_skpacket *)(q + 1) + q->nr_packets);
}

/* Sends len bytes as they are; in repair mode into the selected queue.
 * A large receive queue must go in pieces the kernel can allocate. */
static int send_all(int sk, const uint8_t *p, uint32_t len)
{
	uint32_t chunk = len;

	while (len) {
		ssize_t n = send(sk, p, len < chunk ? len : chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (chunk > 1024) {
				chunk /= 2;
				continue;
			}
			return n < 0 ? -errno : -EIO;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int set_seq(int sk, int q, uint32_t seq)
{
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_QUEUE_SEQ, &seq, sizeof(seq)))
		return -errno;
	return 0;
}

static int repair_opts(int sk, const struct xc_rec_inetsk *k)
{
	struct tcp_repair_opt o[4];
	int n = 0;

	if (k->tcpi_options & TCPI_OPT_SACK)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_SACK_PERMITTED, 0 };
	if (k->tcpi_options & TCPI_OPT_WSCALE)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_WINDOW, k->snd_wscale | k->rcv_wscale << 16 };
	if (k->tcpi_options & TCPI_OPT_TIMESTAMPS)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_TIMESTAMP, 0 };
	o[n++] = (struct tcp_repair_opt){ TCPOPT_MAXSEG, k->mss_clamp };
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_OPTIONS, o, n * sizeof(o[0])))
		return -errno;
	if ((k->tcpi_options & TCPI_OPT_TIMESTAMPS) &&
	    setsockopt(sk, IPPROTO_TCP, TCP_TIMESTAMP, &k->timestamp, sizeof(k->timestamp)))
		return -errno;
	return 0;
}

/* The send queue: what was sent (and may be acknowledged any time) goes
 * back in repair mode, as sent; what was never sent goes with repair mode
 * off, as new data (the lock still holds it back). */
static int fill_send(struct xc_rsk *r, const struct xc_rec_inetsk *k, int sk)
{
	const struct xc_rec_skqueue *q = rst_inet_queue(r, k->ino, 1);
	uint32_t sent = k->outq_len - k->unsent_len;
	int err = 0;

	if (!q)
		return 0;
	if (sent) {
		int qn = TCP_SEND_QUEUE;
		err = setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &qn, sizeof(qn)) ? -errno : 0;
		if (!err)
			err = send_all(sk, queue_data(q), sent);
	}
	if (err)
		return fail(r, k, "put the sent data back", err);
	return 0;
}

static int room(int32_t recorded, uint32_t queued)
{
	uint64_t v = (uint64_t)queued * 4 + 65536;

	if ((uint64_t)recorded > v)
		v = recorded;
	return v > 1u << 30 ? 1 << 30 : (int)(v / 2);
}

static int make_repaired(struct xc_rsk *r, const struct xc_rec_inetsk *k, int *out)
{
	const struct xc_rec_skqueue *rq = rst_inet_queue(r, k->ino, 0), *sq = rst_inet_queue(r, k->ino, 1);
	struct tcp_repair_window w = { k->snd_wl1, k->snd_wnd, k->max_window, k->rcv_wnd,
				       k->rcv_wup };
	struct sockaddr_storage ss;
	socklen_t sl;
	int sk, err, qn;

	sk = socket(k->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (sk < 0)
		return fail(r, k, "socket", -errno);
	*out = sk;
	if (setint(sk, IPPROTO_TCP, TCP_REPAIR, 1))
		return fail(r, k, "setsockopt TCP_REPAIR", -errno);
	err = early_opts(sk, k);
	if (err)
		return fail(r, k, "setsockopt", err);
	sl = mkaddr(&ss, k->family, k->src, k->sport, k->scope_id);
	if (bind(sk, (struct sockaddr *)&ss, sl))
		return fail(r, k, errno == EADDRINUSE ? "address in use" : "bind", -errno);
	err = set_seq(sk, TCP_RECV_QUEUE, k->rcv_seq - k->inq_len);
	if (!err)
		err = set_seq(sk, TCP_SEND_QUEUE, k->snd_seq - k->outq_len);
	if (err)
		return fail(r, k, "set the sequence numbers", err);
	sl = mkaddr(&ss, k->family, k->dst, k->dport, 0);
	if (connect(sk, (struct sockaddr *)&ss, sl))
		return fail(r, k, "connect in repair mode", -errno);
	err = repair_opts(sk, k);
	if (err)
		return fail(r, k, "set TCP options (TCP_REPAIR_OPTIONS)", err);
	/* Room for both queues whatever their accounting overhead; the
	 * recorded sizes are set at the end. */
	err = setint(sk, SOL_SOCKET, SO_SNDBUFFORCE, room(k->sndbuf, k->outq_len));
	if (!err)
		err = setint(sk, SOL_SOCKET, SO_RCVBUFFORCE, room(k->rcvbuf, k->inq_len));
	if (err)
		return fail(r, k, "make room for the queues", err);
	if (rq) {
		qn = TCP_RECV_QUEUE;
		setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &qn, sizeof(qn));
		err = send_all(sk, queue_data(rq), k->inq_len);
		if (err)
			return fail(r, k, "put the received data back", err);
	}
	err = fill_send(r, k, sk);
	if (err)
		return err;
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)))
		return fail(r, k, "setsockopt TCP_REPAIR_WINDOW", -errno);
	if (setint(sk, IPPROTO_TCP, TCP_REPAIR, 0))
		return fail(r, k, "leave repair mode", -errno);
	if ((k->flags & XC_ISK_F_REUSEADDR) && setint(sk, SOL_SOCKET, SO_REUSEADDR, 1))
		return fail(r, k, "setsockopt SO_REUSEADDR", -errno);
	if (sq && k->unsent_len) {
		err = send_all(sk, queue_data(sq) + (k->outq_len - k->unsent_len), k->unsent_len);
		if (err)
			return fail(r, k, "queue the data not sent yet", err);
	}
	err = late_opts(sk, k);
	return err ? fail(r, k, "setsockopt", err) : program_opts(r, k, sk);
}

int rst_inet_sockets(struct xc_rsk *r)
{
	int err = 0;

	if (!r->nr_isks)
		return 0;
	r->isk_fds = malloc(r->nr_isks * sizeof(int));
	if (!r->isk_fds)
		return rsk_fail(r, "inet sockets", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_isks; i++)
		r->isk_fds[i] = -1;
	/* Listeners before the connections that share their port. */
	for (int pass = 0; !err && pass < 2; pass++)
		for (size_t i = 0; !err && i < r->nr_isks; i++) {
			const struct xc_rec_inetsk *k = r->isks[i];
			bool rep = k->flags & XC_ISK_F_REPAIR;
			if (rep != (pass == 1))
				continue;
			err = rep ? make_repaired(r, k, &r->isk_fds[i]) : make_plain(r, k, &r->isk_fds[i]);
			if (r->isk_fds[i] >= 0 && r->isk_fds[i] < r->svc_base) {
				int n = fcntl(r->isk_fds[i], F_DUPFD_CLOEXEC, r->svc_base);
				close(r->isk_fds[i]);
				r->isk_fds[i] = n;
				if (n < 0 && !err)
					err = fail(r, k, "move above the target's fds", -errno);
			}
		}
	return err;
}

ssize_t rst_inet_find(const struct xc_rsk *r, uint64_t ino)
{
	for (size_t i = 0; i < r->nr_isks; i++)
		if (r->isks[i]->ino == ino)
			return (ssize_t)i;
	return -1;
}

static uint64_t queue_len(const struct xc_rec_skqueue *q)
{
	const struct xc_skpacket *pk = (const void *)(q + 1);
	uint64_t n = 0;

	for (uint32_t i = 0; q && i < q->nr_packets; i++)
		n += pk[i].len;
	return n;
}

/* Records: known family, protocol and state; a repaired one with its lock
 * name, queues that match its lengths. */
int rst_inet_check(struct xc_rsk *r)
{
	const char *name = "inet sockets";

	for (size_t i = 0; i < r->nr_isks; i++) {
		const struct xc_rec_inetsk *k = r->isks[i];
		bool ok = (k->family == AF_INET || k->family == AF_INET6) &&
			  ((k->type == SOCK_STREAM && k->protocol == IPPROTO_TCP) ||
			   (k->type == SOCK_DGRAM && k->protocol == IPPROTO_UDP)) &&
			  rst_inet_find(r, k->ino) == (ssize_t)i &&
			  memchr(k->netlock, 0, sizeof(k->netlock));

		if (ok && (k->flags & XC_ISK_F_REPAIR))
			ok = k->protocol == IPPROTO_TCP && k->state == TCP_ESTABLISHED &&
			     k->netlock[0] && k->unsent_len <= k->outq_len &&
			     queue_len(rst_inet_queue(r, k->ino, 0)) == k->inq_len &&
			     queue_len(rst_inet_queue(r, k->ino, 1)) == k->outq_len;
		else if (ok)
			ok = (k->state == TCP_LISTEN || k->state == TCP_CLOSE) &&
			     (!rst_inet_queue(r, k->ino, 0) ||
			      (k->protocol == IPPROTO_UDP &&
			       rst_udp_queue_ok(k, rst_inet_queue(r, k->ino, 0))));
		if (!ok) {
			r->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(r->ctx, r->pid, "bad inet socket record", -EBADMSG, "%s", name);
		}
	}
	return 0;
}
