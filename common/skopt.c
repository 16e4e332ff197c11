/* The socket options xckpt carries over, shared by dump and restore. Only
 * options that are settings (what a program set stays what it reads back)
 * are here: not TCP_QUICKACK, which the stack flips as it goes, nor the
 * ones xckpt handles itself (buffer sizes, keepalive, SO_REUSEADDR,
 * TCP_NODELAY, timeouts, SO_PASSCRED, SO_PEEK_OFF). Restore sets them in
 * this order. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/skopt.h"

#define ANY 0
#define TCP IPPROTO_TCP

const struct xc_skopt_desc xc_skopts[] = {
	{ SOL_SOCKET, SO_MARK, 4, ANY, ANY, false, "SO_MARK" },
	{ SOL_SOCKET, SO_RCVLOWAT, 4, ANY, ANY, false, "SO_RCVLOWAT" },
	{ SOL_SOCKET, SO_OOBINLINE, 4, ANY, TCP, false, "SO_OOBINLINE" },
	{ SOL_SOCKET, SO_DONTROUTE, 4, ANY, ANY, false, "SO_DONTROUTE" },
	{ SOL_SOCKET, SO_LINGER, 8, ANY, ANY, false, "SO_LINGER" },
	{ IPPROTO_IP, IP_TOS, 4, AF_INET, ANY, false, "IP_TOS" },
	{ IPPROTO_IP, IP_TTL, 4, AF_INET, ANY, false, "IP_TTL" },
	{ IPPROTO_IP, IP_MTU_DISCOVER, 4, AF_INET, ANY, false, "IP_MTU_DISCOVER" },
	{ IPPROTO_IP, IP_MULTICAST_TTL, 4, AF_INET, IPPROTO_UDP, false, "IP_MULTICAST_TTL" },
	{ IPPROTO_IP, IP_MULTICAST_LOOP, 4, AF_INET, IPPROTO_UDP, false, "IP_MULTICAST_LOOP" },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, 4, AF_INET6, ANY, false, "IPV6_UNICAST_HOPS" },
	{ IPPROTO_IPV6, IPV6_TCLASS, 4, AF_INET6, ANY, false, "IPV6_TCLASS" },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, 4, AF_INET6, ANY, false, "IPV6_MTU_DISCOVER" },
	{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 4, AF_INET6, IPPROTO_UDP, false, "IPV6_MULTICAST_HOPS" },
	{ IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 4, AF_INET6, IPPROTO_UDP, false, "IPV6_MULTICAST_LOOP" },
	{ TCP, TCP_MAXSEG, 4, ANY, TCP, true, "TCP_MAXSEG" },
	{ TCP, TCP_SYNCNT, 4, ANY, TCP, false, "TCP_SYNCNT" },
	{ TCP, TCP_LINGER2, 4, ANY, TCP, false, "TCP_LINGER2" },
	{ TCP, TCP_DEFER_ACCEPT, 4, ANY, TCP, false, "TCP_DEFER_ACCEPT" },
	{ TCP, TCP_WINDOW_CLAMP, 4, ANY, TCP, false, "TCP_WINDOW_CLAMP" },
	{ TCP, TCP_CONGESTION, 16, ANY, TCP, false, "TCP_CONGESTION" },
	{ TCP, TCP_USER_TIMEOUT, 4, ANY, TCP, false, "TCP_USER_TIMEOUT" },
	{ TCP, TCP_FASTOPEN, 4, ANY, TCP, false, "TCP_FASTOPEN" },
	{ TCP, TCP_NOTSENT_LOWAT, 4, ANY, TCP, false, "TCP_NOTSENT_LOWAT" },
	/* After IP_TOS, which sets the priority from the TOS bits. */
	{ SOL_SOCKET, SO_PRIORITY, 4, ANY, ANY, false, "SO_PRIORITY" },
};
const unsigned xc_nr_skopts = sizeof(xc_skopts) / sizeof(xc_skopts[0]);

const struct xc_skopt_desc *xc_skopt_find(int level, int name)
{
	for (unsigned i = 0; i < xc_nr_skopts; i++)
		if (xc_skopts[i].level == level && xc_skopts[i].name == name)
			return &xc_skopts[i];
	return NULL;
}

bool xc_skopt_applies(const struct xc_skopt_desc *o, int family, int protocol, bool established)
{
	if (o->family == AF_UNIX || (o->family && o->family != family))
		return false;
	if (o->protocol && o->protocol != protocol)
		return false;
	/* Unix sockets: the socket-level options only. */
	if (family == AF_UNIX && o->level != SOL_SOCKET)
		return false;
	return !(established && o->not_established);
}
