/* Unread datagrams of a UDP socket, dump side: read without being taken
 * (MSG_PEEK with SO_PEEK_OFF, sk-queue.c), each with its sender's address
 * and port, which restore makes them come from again (restorer/sk-udp.c).
 * What a program can learn of a datagram besides its bytes and its sender
 * must not tell: refused are datagrams on a socket that asked for arrival
 * metadata (the interface and destination, TTL, TOS, timestamps, drop
 * counts), on a SO_REUSEPORT socket (another socket of its group could get
 * them), from a scoped IPv6 address (its scope is an interface), or of zero
 * length (a peek offset cannot step over them). */
#define LOG_PREFIX "sk-udp: "
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "tracer/sockets.h"

#define IPV6_RECVORIGDSTADDR_ 74
#define SO_RCVMARK_ 75

static int refuse(struct xc_dump *d, const struct xc_isk *s, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (socket:[%llu])", s->fd,
			(unsigned long long)s->rec.ino);
}

/* The first option set of those that show a datagram's arrival, or NULL. */
static const char *metadata_asked(int sk, int family)
{
	static const struct {
		int level, opt, family;	/* family 0: both */
		const char *name;
	} opts[] = {
		{ SOL_SOCKET, SO_TIMESTAMP, 0, "SO_TIMESTAMP" },
		{ SOL_SOCKET, SO_TIMESTAMPNS, 0, "SO_TIMESTAMPNS" },
		{ SOL_SOCKET, SO_TIMESTAMPING, 0, "SO_TIMESTAMPING" },
		{ SOL_SOCKET, SO_RXQ_OVFL, 0, "SO_RXQ_OVFL" },
		{ SOL_SOCKET, SO_RCVMARK_, 0, "SO_RCVMARK" },
		{ SOL_IP, IP_PKTINFO, 0, "IP_PKTINFO" },
		{ SOL_IP, IP_RECVTTL, 0, "IP_RECVTTL" },
		{ SOL_IP, IP_RECVTOS, 0, "IP_RECVTOS" },
		{ SOL_IP, IP_RECVOPTS, 0, "IP_RECVOPTS" },
		{ SOL_IP, IP_RETOPTS, 0, "IP_RETOPTS" },
		{ SOL_IP, IP_RECVORIGDSTADDR, 0, "IP_RECVORIGDSTADDR" },
		{ SOL_IPV6, IPV6_RECVPKTINFO, AF_INET6, "IPV6_RECVPKTINFO" },
		{ SOL_IPV6, IPV6_RECVHOPLIMIT, AF_INET6, "IPV6_RECVHOPLIMIT" },
		{ SOL_IPV6, IPV6_RECVTCLASS, AF_INET6, "IPV6_RECVTCLASS" },
		{ SOL_IPV6, IPV6_RECVORIGDSTADDR_, AF_INET6, "IPV6_RECVORIGDSTADDR" },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		socklen_t sl = sizeof(int);
		int v = 0;

		if (opts[i].family && opts[i].family != family)
			continue;
		if (!getsockopt(sk, opts[i].level, opts[i].opt, &v, &sl) && v)
			return opts[i].name;
	}
	return NULL;
}

int dump_udp_queue(struct xc_dump *d, struct xc_isk *s, int sk)
{
	const char *step, *opt;
	char why[160];
	int err, v = 0;
	socklen_t sl = sizeof(v);

	err = xc_skq_peek(sk, XC_SKQ_UDP, &s->q, &step);
	if (err == -ENOTSUP)
		return refuse(d, s, "unread zero-length UDP datagrams are not supported");
	if (err)
		return xc_failf(d->ctx, d->pid, step, err, "fd %d (socket:[%llu])", s->fd,
				(unsigned long long)s->rec.ino);
	if (!s->q.nr)
		return 0;
	if (!getsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &v, &sl) && v)
		return refuse(d, s, "unread UDP datagrams on a SO_REUSEPORT socket are not supported "
			      "(another socket of its group could get them)");
	opt = metadata_asked(sk, (int)s->rec.family);
	if (opt) {
		snprintf(why, sizeof(why), "unread UDP datagrams on a socket with %s are not "
			 "supported (what it tells of their arrival would change)", opt);
		return refuse(d, s, why);
	}
	/* The sender's sockaddr less its family: an IPv6 one with a scope id
	 * came from a link-local (or other scoped) address of an interface. */
	for (uint32_t i = 0; i < s->q.nr; i++) {
		const struct xc_skpacket *pk = &s->q.pk[i];
		uint32_t scope;

		if (s->rec.family != AF_INET6 ||
		    pk->addr_len < sizeof(struct sockaddr_in6) - sizeof(sa_family_t))
			continue;
		memcpy(&scope, pk->addr + offsetof(struct sockaddr_in6, sin6_scope_id) -
				       sizeof(sa_family_t), sizeof(scope));
		if (scope)
			return refuse(d, s, "unread UDP datagrams from a scoped IPv6 address "
				      "(link-local) are not supported");
	}
	return 0;
}
