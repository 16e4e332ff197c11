/* IPv4 and IPv6 sockets, dump side: TCP closed or listening, UDP bound or
 * connected, and, with --tcp-established, established TCP connections.
 * Everything is read from a copy of the socket (pidfd_getfd). An
 * established connection is first cut off the network (netlock.c), then put
 * in repair mode (TCP_REPAIR), where its sequence numbers, both queues,
 * options and window can be read without any packet leaving. It stays in
 * repair mode: killed, it closes without FIN or RST; on a failed or
 * --leave-running dump the undo list takes it out and lifts the lock. */
#define LOG_PREFIX "sk-inet: "
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlock.h"
#include "tracer/sockets.h"

static const char *const tcp_states[] = {
	"?", "established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2", "time-wait",
	"close", "close-wait", "last-ack", "listen", "closing", "new-syn-recv",
};

static int refuse(struct xc_dump *d, const struct xc_isk *s, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (socket:[%llu])", s->fd,
			(unsigned long long)s->rec.ino);
}

static int failed(struct xc_dump *d, const struct xc_isk *s, const char *step, int err)
{
	return xc_failf(d->ctx, d->pid, step, err, "fd %d (socket:[%llu])", s->fd,
			(unsigned long long)s->rec.ino);
}

static int sysctl_int(const char *path, int field)
{
	FILE *f = fopen(path, "re");
	int v[3] = { -1, -1, -1 };

	if (f) {
		if (fscanf(f, "%d %d %d", &v[0], &v[1], &v[2]) < 1)
			v[0] = -1;
		fclose(f);
	}
	return v[field];
}

static void take_addr(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port,
		      uint32_t *scope)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		memcpy(addr, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
		if (scope)
			*scope = a->sin6_scope_id;
	} else {
		const struct sockaddr_in *a = (const void *)ss;
		memcpy(addr, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
	}
}

static bool any_addr(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

static int getint(int sk, int level, int opt, int *v)
{
	socklen_t sl = sizeof(*v);

	*v = 0;
	return getsockopt(sk, level, opt, v, &sl) ? -errno : 0;
}

static int64_t timeo_us(int sk, int opt)
{
	struct timeval tv = { 0 };
	socklen_t sl = sizeof(tv);

	if (getsockopt(sk, SOL_SOCKET, opt, &tv, &sl))
		return 0;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Options a user sets; the buffer sizes only when the program set them,
 * the keepalive timings when they differ from the defaults a fresh socket
 * would get. */
static void read_opts(struct xc_isk *s, int sk)
{
	struct xc_rec_inetsk *r = &s->rec;
	bool tcp = r->protocol == IPPROTO_TCP;
	int v, locks = -1;

	if (!getint(sk, SOL_SOCKET, SO_REUSEADDR, &v) && v)
		r->flags |= XC_ISK_F_REUSEADDR;
	if (!getint(sk, SOL_SOCKET, SO_REUSEPORT, &v) && v)
		r->flags |= XC_ISK_F_REUSEPORT;
	if (!getint(sk, SOL_SOCKET, SO_KEEPALIVE, &v) && v)
		r->flags |= XC_ISK_F_KEEPALIVE;
	if (!getint(sk, SOL_SOCKET, SO_BROADCAST, &v) && v)
		r->flags |= XC_ISK_F_BROADCAST;
	if (r->family == AF_INET6 && !getint(sk, IPPROTO_IPV6, IPV6_V6ONLY, &v) && v)
		r->flags |= XC_ISK_F_V6ONLY;
	if (!getint(sk, SOL_SOCKET, 62 /* SO_BINDTOIFINDEX */, &v))
		r->ifindex = v;
	r->rcvtimeo_us = timeo_us(sk, SO_RCVTIMEO);
	r->sndtimeo_us = timeo_us(sk, SO_SNDTIMEO);
	if (getint(sk, SOL_SOCKET, SO_PEEK_OFF, &r->peek_off))
		r->peek_off = -1;
	if (tcp) {
		if (!getint(sk, IPPROTO_TCP, TCP_NODELAY, &v) && v)
			r->flags |= XC_ISK_F_NODELAY;
		if (!getint(sk, IPPROTO_TCP, TCP_KEEPIDLE, &v) &&
		    v != sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_time", 0))
			r->keepidle = v;
		if (!getint(sk, IPPROTO_TCP, TCP_KEEPINTVL, &v) &&
		    v != sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_intvl", 0))
			r->keepintvl = v;
		if (!getint(sk, IPPROTO_TCP, TCP_KEEPCNT, &v) &&
		    v != sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_probes", 0))
			r->keepcnt = v;
	}
	/* Which sizes the program set (SO_BUF_LOCK, 5.14 and later): only
	 * those stay locked after restore, the others go on being tuned by
	 * the kernel. */
	if (!getint(sk, SOL_SOCKET, SO_BUF_LOCK, &v)) {
		locks = v;
		r->flags |= (v & 1 ? XC_ISK_F_SNDBUF_LOCK : 0) | (v & 2 ? XC_ISK_F_RCVBUF_LOCK : 0);
	}
	/* An established connection's buffers, tuned by the kernel as it
	 * went, are kept as they are: its queues must fit them again. */
	if (r->state == TCP_ESTABLISHED && tcp) {
		getint(sk, SOL_SOCKET, SO_SNDBUF, &r->sndbuf);
		getint(sk, SOL_SOCKET, SO_RCVBUF, &r->rcvbuf);
		return;
	}
	if (locks >= 0) {
		if ((locks & 1) && !getint(sk, SOL_SOCKET, SO_SNDBUF, &v))
			r->sndbuf = v;
		if ((locks & 2) && !getint(sk, SOL_SOCKET, SO_RCVBUF, &v))
			r->rcvbuf = v;
		return;
	}
	/* Before 5.14: a size other than the default is one the program set. */
	if (!getint(sk, SOL_SOCKET, SO_SNDBUF, &v) &&
	    v != (tcp ? sysctl_int("/proc/sys/net/ipv4/tcp_wmem", 1) :
			sysctl_int("/proc/sys/net/core/wmem_default", 0)))
		r->sndbuf = v;
	if (!getint(sk, SOL_SOCKET, SO_RCVBUF, &v) &&
	    v != (tcp ? sysctl_int("/proc/sys/net/ipv4/tcp_rmem", 1) :
			sysctl_int("/proc/sys/net/core/rmem_default", 0)))
		r->rcvbuf = v;
}

static struct xc_isk *add_isk(struct xc_sk *s)
{
	if (s->nr_isk == s->cap_isk) {
		size_t cap = s->cap_isk ? s->cap_isk * 2 : 8;
		struct xc_isk *v = realloc(s->isk, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->isk = v;
		s->cap_isk = cap;
	}
	memset(&s->isk[s->nr_isk], 0, sizeof(s->isk[0]));
	s->isk[s->nr_isk].sk = -1;
	return &s->isk[s->nr_isk++];
}

static int tcp_state(struct xc_dump *d, struct xc_isk *s, int sk)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	if (getsockopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &sl))
		return failed(d, s, "getsockopt TCP_INFO", -errno);
	s->rec.state = ti.tcpi_state;
	switch (ti.tcpi_state) {
	case TCP_LISTEN:
		/* For a listener TCP_INFO gives the accept queue's length and
		 * its limit. */
		if (ti.tcpi_unacked)
			return refuse(d, s, "connections waiting to be accepted are not supported");
		s->rec.backlog = ti.tcpi_sacked;
		return 0;
	case TCP_CLOSE:
		return 0;
	case TCP_ESTABLISHED:
		if (!d->ctx->tcp_established)
			return refuse(d, s, "established TCP connection (--tcp-established dumps it)");
		s->rec.flags |= XC_ISK_F_CONNECTED | XC_ISK_F_REPAIR;
		s->rec.tcpi_options = ti.tcpi_options;
		s->rec.snd_wscale = ti.tcpi_snd_wscale;
		s->rec.rcv_wscale = ti.tcpi_rcv_wscale;
		return 0;
	}
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, "TCP connection in this state is not supported", -ENOTSUP,
			"fd %d (socket:[%llu], %s)", s->fd, (unsigned long long)s->rec.ino,
			ti.tcpi_state < 13 ? tcp_states[ti.tcpi_state] : "?");
}

int dump_inet_sk(struct xc_dump *d, int fd, int sk, int family, uint64_t ino)
{
	struct sockaddr_storage ss;
	struct xc_isk *s = add_isk(d->sk);
	socklen_t sl;
	int type, proto, err;

	if (!s)
		return xc_fail(d->ctx, d->pid, "inet sockets", "allocate", -ENOMEM);
	s->fd = fd;
	s->rec.ino = ino;
	s->rec.family = family;
	if (getint(sk, SOL_SOCKET, SO_TYPE, &type) || getint(sk, SOL_SOCKET, SO_PROTOCOL, &proto))
		return failed(d, s, "getsockopt SO_TYPE", -errno);
	s->rec.type = type;
	s->rec.protocol = proto;
	if (!(type == SOCK_STREAM && proto == IPPROTO_TCP) &&
	    !(type == SOCK_DGRAM && proto == IPPROTO_UDP))
		return refuse(d, s, type == SOCK_RAW ? "raw sockets are not supported" :
				    "inet sockets other than TCP and UDP are not supported");
	sl = sizeof(ss);
	if (getsockname(sk, (struct sockaddr *)&ss, &sl))
		return failed(d, s, "getsockname", -errno);
	take_addr(&ss, s->rec.src, &s->rec.sport, &s->rec.scope_id);
	if (s->rec.sport || !any_addr(s->rec.src))
		s->rec.flags |= XC_ISK_F_BOUND;
	sl = sizeof(ss);
	if (!getpeername(sk, (struct sockaddr *)&ss, &sl)) {
		take_addr(&ss, s->rec.dst, &s->rec.dport, NULL);
		s->rec.flags |= XC_ISK_F_CONNECTED;
	} else if (errno != ENOTCONN) {
		return failed(d, s, "getpeername", -errno);
	}
	if (proto == IPPROTO_TCP) {
		err = tcp_state(d, s, sk);
		if (err)
			return err;
	} else {
		s->rec.state = TCP_CLOSE;
		err = dump_udp_queue(d, s, sk);
		if (err)
			return err;
	}
	read_opts(s, sk);
	err = dump_sk_opts(d, fd, sk, ino, family, type, proto,
			   proto == IPPROTO_TCP && s->rec.state == TCP_ESTABLISHED);
	if (err)
		return err;
	if (s->rec.flags & XC_ISK_F_REPAIR) {
		s->sk = dup(sk);	/* kept: read under the lock, in dump_inet_check() */
		if (s->sk < 0)
			return failed(d, s, "keep a copy", -errno);
	}
	return 0;
}

static int repair(int sk, int on)
{
	return setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) ? -errno : 0;
}

/* Undo: out of repair mode (each sends a window probe, still dropped),
 * which also clears SO_REUSEADDR: it is set again where it was; then the
 * lock is lifted. */
static void undo_repair(struct xc_dump *d, struct xc_undo *u)
{
	const char *why;
	struct xc_sk *s = d->sk;
	int one = 1;

	for (size_t i = 0; s && i < s->nr_isk; i++) {
		struct xc_isk *k = &s->isk[i];
		if (!k->repair || repair(k->sk, 0))
			continue;
		k->repair = false;
		if ((k->rec.flags & XC_ISK_F_REUSEADDR) &&
		    setsockopt(k->sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
			xc_warn("pid %d: fd %d: set SO_REUSEADDR again: %s", d->pid, k->fd,
				strerror(errno));
	}
	if (s && s->netlock[0] && xc_netlock_del(s->netlock, &why))
		xc_warn("pid %d: lift the network lock %s: %s", d->pid, s->netlock, why);
}

static int queue_seq(int sk, int q, uint32_t *seq)
{
	socklen_t sl = sizeof(*seq);

	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	return getsockopt(sk, IPPROTO_TCP, TCP_QUEUE_SEQ, seq, &sl) ? -errno : 0;
}

/* One queue, whole, with MSG_PEEK in repair mode (which reads the send
 * queue too when it is selected). */
static int peek_queue(int sk, int q, uint32_t len, struct xc_skq *out)
{
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (!len)
		return 0;
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	out->data = malloc(len);
	out->pk = calloc(1, sizeof(*out->pk));
	if (!out->data || !out->pk)
		return -ENOMEM;
	n = recv(sk, out->data, len, MSG_PEEK | MSG_DONTWAIT);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	out->len = len;
	out->nr = 1;
	out->pk[0].len = len;
	return 0;
}

static int read_repair(struct xc_dump *d, struct xc_isk *s)
{
	struct xc_rec_inetsk *r = &s->rec;
	struct tcp_repair_window w;
	socklen_t sl;
	int v, err, sk = s->sk;

	err = repair(sk, 1);
	if (err)
		return failed(d, s, "setsockopt TCP_REPAIR", err);
	s->repair = true;
	if (ioctl(sk, SIOCOUTQ, &v))
		return failed(d, s, "ioctl SIOCOUTQ", -errno);
	r->outq_len = v;
	if (ioctl(sk, SIOCOUTQNSD, &v))
		return failed(d, s, "ioctl SIOCOUTQNSD", -errno);
	r->unsent_len = v;
	if (ioctl(sk, SIOCINQ, &v))
		return failed(d, s, "ioctl SIOCINQ", -errno);
	r->inq_len = v;
	err = queue_seq(sk, TCP_RECV_QUEUE, &r->rcv_seq);
	if (!err)
		err = queue_seq(sk, TCP_SEND_QUEUE, &r->snd_seq);
	if (err)
		return failed(d, s, "read the sequence numbers (TCP_QUEUE_SEQ)", err);
	err = peek_queue(sk, TCP_RECV_QUEUE, r->inq_len, &s->q);
	if (!err)
		err = peek_queue(sk, TCP_SEND_QUEUE, r->outq_len, &s->sq);
	if (err)
		return failed(d, s, "read the queues", err);
	v = TCP_NO_QUEUE;
	setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &v, sizeof(v));
	if (getint(sk, IPPROTO_TCP, TCP_MAXSEG, &v))
		return failed(d, s, "getsockopt TCP_MAXSEG", -errno);
	r->mss_clamp = v;
	if (getint(sk, IPPROTO_TCP, TCP_TIMESTAMP, &v))
		return failed(d, s, "getsockopt TCP_TIMESTAMP", -errno);
	r->timestamp = v;
	sl = sizeof(w);
	if (getsockopt(sk, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, &sl))
		return failed(d, s, "getsockopt TCP_REPAIR_WINDOW", -errno);
	r->snd_wl1 = w.snd_wl1;
	r->snd_wnd = w.snd_wnd;
	r->max_window = w.max_window;
	r->rcv_wnd = w.rcv_wnd;
	r->rcv_wup = w.rcv_wup;
	memcpy(r->netlock, d->sk->netlock, sizeof(r->netlock));
	return 0;
}

/* Every established connection: locked off the network first, then read. */
int dump_inet_check(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;
	struct xc_netlock_conn *c;
	const char *why;
	size_t n = 0;
	int err;

	for (size_t i = 0; i < s->nr_isk; i++)
		n += !!(s->isk[i].rec.flags & XC_ISK_F_REPAIR);
	if (!n)
		return 0;
	c = calloc(n, sizeof(*c));
	if (!c)
		return xc_fail(d->ctx, d->pid, "network lock", "allocate", -ENOMEM);
	n = 0;
	for (size_t i = 0; i < s->nr_isk; i++) {
		const struct xc_rec_inetsk *r = &s->isk[i].rec;
		if (!(r->flags & XC_ISK_F_REPAIR))
			continue;
		c[n].family = r->family;
		memcpy(c[n].src, r->src, 16);
		memcpy(c[n].dst, r->dst, 16);
		c[n].sport = r->sport;
		c[n].dport = r->dport;
		n++;
	}
	snprintf(s->netlock, sizeof(s->netlock), "xckpt_%d_%lld", d->pid, (long long)time(NULL));
	err = xc_netlock_add(s->netlock, c, n, &why);
	free(c);
	if (err) {
		s->netlock[0] = 0;
		return xc_failf(d->ctx, d->pid, why, err, "network lock %s", s->netlock);
	}
	err = xc_undo_push(d, undo_repair, 0, 0);
	if (err) {
		undo_repair(d, NULL);
		return err;
	}
	for (size_t i = 0; !err && i < s->nr_isk; i++)
		if (s->isk[i].rec.flags & XC_ISK_F_REPAIR)
			err = read_repair(d, &s->isk[i]);
	return err;
}

static int put_queue(struct xc_dump *d, uint64_t ino, uint32_t which, const struct xc_skq *q)
{
	struct {
		struct xc_rec_skqueue h;
		struct xc_skpacket pk;
	} __attribute__((packed)) hdr;

	if (!q->len)
		return 0;
	memset(&hdr, 0, sizeof(hdr));
	hdr.h.ino = ino;
	hdr.h.nr_packets = 1;
	hdr.h.queue = which;
	hdr.pk.len = q->len;
	return xc_imgw_put2(d->ctx, &d->img, XC_REC_SKQUEUE, &hdr, sizeof(hdr), q->data, q->len);
}

int dump_inet_put(struct xc_dump *d)
{
	struct xc_sk *s = d->sk;
	int err = 0;

	for (size_t i = 0; !err && i < s->nr_isk; i++) {
		struct xc_isk *k = &s->isk[i];
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_INETSK, &k->rec, sizeof(k->rec));
		if (!err)
			err = dump_sk_opts_put(d, k->rec.ino);
		if (!err && k->rec.protocol == IPPROTO_UDP)
			err = xc_skq_put(d, k->rec.ino, &k->q);	/* datagrams, each with its sender */
		else if (!err)
			err = put_queue(d, k->rec.ino, 0, &k->q);
		if (!err)
			err = put_queue(d, k->rec.ino, 1, &k->sq);
	}
	return err;
}

void dump_inet_free(struct xc_sk *s)
{
	for (size_t i = 0; i < s->nr_isk; i++) {
		xc_skq_free(&s->isk[i].q);
		xc_skq_free(&s->isk[i].sq);
		if (s->isk[i].sk >= 0)
			close(s->isk[i].sk);
	}
	free(s->isk);
}
