/* Unread datagrams of a UDP socket, restore side (xckpt, before the
 * processes exist): once the socket is bound, and before it connects (a
 * connected socket takes only its peer's datagrams, and some may have come
 * before the connect), each datagram is sent again to it, in order, from
 * its recorded sender: a raw socket builds the IP and UDP headers with
 * that address and port as the source and sends it over loopback to the
 * socket's own address. What the program can see of a datagram (its bytes,
 * its sender) is then what it was; the dump refused what else it could see
 * (tracer/sk-udp.c). The queue is read back (MSG_PEEK) to check that every
 * datagram arrived, in order, before the restore goes on. */
#define LOG_PREFIX "sk-udp: "
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define IPV6_HDRINCL_ 36
#define UDP_MAX 65507

bool rst_udp_queue_ok(const struct xc_rec_inetsk *k, const struct xc_rec_skqueue *q)
{
	const struct xc_skpacket *pk = (const void *)(q + 1);
	uint32_t want = k->family == AF_INET ? sizeof(struct sockaddr_in) - sizeof(sa_family_t) :
					       sizeof(struct sockaddr_in6) - sizeof(sa_family_t);

	for (uint32_t i = 0; i < q->nr_packets; i++)
		if (!pk[i].len || pk[i].len > UDP_MAX || pk[i].addr_len != want)
			return false;
	return q->queue == 0;
}

static uint16_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* IPv4 header, UDP header, data, into buf; its length. The UDP checksum
 * is optional over IPv4: 0. */
static size_t build4(uint8_t *buf, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
		     uint16_t dport, const uint8_t *data, uint32_t len)
{
	uint16_t total = (uint16_t)(20 + 8 + len), c;

	memset(buf, 0, 28);
	buf[0] = 0x45;
	buf[2] = total >> 8, buf[3] = total & 0xff;
	buf[6] = 0x40;		/* don't fragment */
	buf[8] = 64;		/* TTL */
	buf[9] = IPPROTO_UDP;
	memcpy(buf + 12, src, 4);
	memcpy(buf + 16, dst, 4);
	c = (uint16_t)~csum_add(0, buf, 20);
	buf[10] = c >> 8, buf[11] = c & 0xff;
	buf[20] = sport >> 8, buf[21] = sport & 0xff;
	buf[22] = dport >> 8, buf[23] = dport & 0xff;
	buf[24] = (8 + len) >> 8, buf[25] = (8 + len) & 0xff;
	memcpy(buf + 28, data, len);
	return total;
}

/* IPv6 header, UDP header (with its checksum, which IPv6 requires), data. */
static size_t build6(uint8_t *buf, const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
		     uint16_t dport, const uint8_t *data, uint32_t len)
{
	uint32_t ulen = 8 + len, sum = 0;
	uint8_t pseudo[40];
	uint16_t c;

	memset(buf, 0, 48);
	buf[0] = 0x60;
	buf[4] = ulen >> 8, buf[5] = ulen & 0xff;
	buf[6] = IPPROTO_UDP;
	buf[7] = 64;		/* hop limit */
	memcpy(buf + 8, src, 16);
	memcpy(buf + 24, dst, 16);
	buf[40] = sport >> 8, buf[41] = sport & 0xff;
	buf[42] = dport >> 8, buf[43] = dport & 0xff;
	buf[44] = ulen >> 8, buf[45] = ulen & 0xff;
	memcpy(buf + 48, data, len);
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	memset(pseudo + 32, 0, 8);
	pseudo[34] = ulen >> 8, pseudo[35] = ulen & 0xff;
	pseudo[39] = IPPROTO_UDP;
	sum = csum_add(sum, pseudo, 40);
	c = (uint16_t)~csum_add(sum, buf + 40, ulen);
	if (!c)
		c = 0xffff;
	buf[46] = c >> 8, buf[47] = c & 0xff;
	return 40 + ulen;
}

struct udp_inject {
	int raw4, raw6;
	uint8_t *buf;
};

/* One datagram from the sender pk names to the socket at local (its
 * address, or loopback for a wildcard one); an IPv4-mapped sender of an
 * IPv6 socket is an IPv4 datagram to its port. */
static int send_one(struct udp_inject *u, const struct sockaddr_storage *local,
		    const struct xc_skpacket *pk, const uint8_t *data)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
	struct sockaddr_storage from, to;
	size_t n;
	int raw;

	memset(&from, 0, sizeof(from));
	from.ss_family = local->ss_family;
	memcpy((uint8_t *)&from + sizeof(sa_family_t), pk->addr, pk->addr_len);
	memset(&to, 0, sizeof(to));
	if (from.ss_family == AF_INET) {
		const struct sockaddr_in *f = (const void *)&from, *l = (const void *)local;
		const uint8_t *dst = l->sin_addr.s_addr ? (const uint8_t *)&l->sin_addr : lo4;

		n = build4(u->buf, (const uint8_t *)&f->sin_addr, ntohs(f->sin_port), dst,
			   ntohs(l->sin_port), data, pk->len);
		((struct sockaddr_in *)&to)->sin_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&to)->sin_addr, dst, 4);
		raw = u->raw4;
	} else {
		const struct sockaddr_in6 *f = (const void *)&from, *l = (const void *)local;
		static const uint8_t any[16];
		const uint8_t *dst = memcmp(&l->sin6_addr, any, 16) ? (const uint8_t *)&l->sin6_addr : lo6;

		if (IN6_IS_ADDR_V4MAPPED(&f->sin6_addr)) {
			n = build4(u->buf, (const uint8_t *)&f->sin6_addr + 12, ntohs(f->sin6_port),
				   lo4, ntohs(l->sin6_port), data, pk->len);
			((struct sockaddr_in *)&to)->sin_family = AF_INET;
			memcpy(&((struct sockaddr_in *)&to)->sin_addr, lo4, 4);
			raw = u->raw4;
		} else {
			n = build6(u->buf, (const uint8_t *)&f->sin6_addr, ntohs(f->sin6_port), dst,
				   ntohs(l->sin6_port), data, pk->len);
			((struct sockaddr_in6 *)&to)->sin6_family = AF_INET6;
			memcpy(&((struct sockaddr_in6 *)&to)->sin6_addr, dst, 16);
			raw = u->raw6;
		}
	}
	if (sendto(raw, u->buf, n, 0, (struct sockaddr *)&to,
		   to.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) !=
	    (ssize_t)n)
		return -errno;
	return 0;
}

/* Every datagram is there, in order, from its sender: peeked one by one
 * (loopback delivers them from a softirq, soon but not at once). */
static int check_arrived(int sk, const struct xc_rec_skqueue *q, const char **step)
{
	const struct xc_skpacket *pk = (const void *)(q + 1);
	const uint8_t *data = (const uint8_t *)(pk + q->nr_packets);
	int zero = 0, off = -1, err = 0;
	uint8_t *got = malloc(UDP_MAX + 1);

	*step = "allocate";
	if (!got)
		return -ENOMEM;
	setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero));
	for (uint32_t i = 0; !err && i < q->nr_packets; data += pk[i].len, i++) {
		struct sockaddr_storage from;
		socklen_t fl;
		ssize_t n = -1;

		for (int tries = 0; tries < 1000 && n < 0; tries++) {
			fl = sizeof(from);
			n = recvfrom(sk, got, UDP_MAX + 1, MSG_PEEK | MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
			if (n < 0 && errno == EAGAIN)
				nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
			else if (n < 0)
				break;
		}
		*step = "put a datagram back: it did not arrive";
		if (n < 0)
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
		else if ((size_t)n != pk[i].len || memcmp(got, data, pk[i].len) ||
			 fl != pk[i].addr_len + sizeof(sa_family_t) ||
			 memcmp((uint8_t *)&from + sizeof(sa_family_t), pk[i].addr, pk[i].addr_len))
			err = -EPROTO;	/* another datagram came in between */
	}
	free(got);
	setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
	if (err == -EPROTO)
		*step = "put the datagrams back: another one arrived among them";
	return err;
}

/* Raises the receive buffer while the datagrams go in; the recorded size
 * or the default is set after, by the caller. */
int rst_udp_queue(struct xc_rsk *r, const struct xc_rec_inetsk *k, int sk, const char **step)
{
	const struct xc_rec_skqueue *q = rst_inet_queue(r, k->ino, 0);
	const struct xc_skpacket *pk;
	const uint8_t *data;
	struct udp_inject u = { -1, -1, NULL };
	struct sockaddr_storage local;
	socklen_t sl = sizeof(local);
	int one = 1, big = 64 << 20, err = 0;

	if (!q)
		return 0;
	pk = (const void *)(q + 1);
	data = (const uint8_t *)(pk + q->nr_packets);
	*step = "getsockname";
	if (getsockname(sk, (struct sockaddr *)&local, &sl))
		return -errno;
	*step = "raw socket to put the unread datagrams back";
	u.raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (u.raw4 < 0)
		return -errno;
	if (k->family == AF_INET6) {
		u.raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (u.raw6 < 0 || setsockopt(u.raw6, SOL_IPV6, IPV6_HDRINCL_, &one, sizeof(one)))
			err = -errno;
	}
	u.buf = malloc(48 + UDP_MAX);
	if (!err && !u.buf)
		err = -ENOMEM;
	if (!err && setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		err = -errno;
	*step = "put an unread datagram back";
	for (uint32_t i = 0; !err && i < q->nr_packets; data += pk[i].len, i++)
		err = send_one(&u, &local, &pk[i], data);
	if (!err)
		err = check_arrived(sk, q, step);
	free(u.buf);
	close(u.raw4);
	if (u.raw6 >= 0)
		close(u.raw6);
	return err;
}
