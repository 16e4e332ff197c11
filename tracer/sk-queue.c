/* Reading a socket's receive queue without consuming it. MSG_PEEK alone
 * would return the head of the queue again and again; with SO_PEEK_OFF set
 * each peek starts where the last one ended, so the whole queue is read in
 * order. The offset is the socket's own (shared with the target), so its
 * value is put back before returning, whatever happened. */
#define LOG_PREFIX "sk-queue: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/log.h"
#include "tracer/sockets.h"

#define CHUNK (64 * 1024)

static int grow(struct xc_skq *q, size_t need)
{
	uint8_t *nd = realloc(q->data, q->len + need ? q->len + need : 1);

	if (!nd)
		return -ENOMEM;
	q->data = nd;
	return 0;
}

static int add_packet(struct xc_skq *q, uint32_t len, const struct sockaddr_un *from,
		      socklen_t flen)
{
	struct xc_skpacket *np = realloc(q->pk, (q->nr + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	q->pk = np;
	memset(&np[q->nr], 0, sizeof(*np));
	np[q->nr].len = len;
	if (from && flen > offsetof(struct sockaddr_un, sun_path)) {
		np[q->nr].addr_len = flen - offsetof(struct sockaddr_un, sun_path);
		memcpy(np[q->nr].addr, from->sun_path, np[q->nr].addr_len);
	}
	q->nr++;
	return 0;
}

/* A stream: every byte in one packet. */
static int peek_stream(int sk, struct xc_skq *q, const char **step)
{
	ssize_t n;

	for (;;) {
		if (grow(q, CHUNK))
			return -ENOMEM;
		n = recv(sk, q->data + q->len, CHUNK, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			*step = "peek queued data";
			return -errno;
		}
		if (!n)
			break;	/* end of stream: the peer shut its side */
		q->len += n;
	}
	return q->len ? add_packet(q, q->len, NULL, 0) : 0;
}

/* Datagrams and seqpackets, one at a time with their sender: MSG_TRUNC on
 * an empty buffer gives the next one's size without moving the offset. */
static int peek_packets(int sk, struct xc_skq *q, const char **step)
{
	for (;;) {
		struct sockaddr_un from;
		struct iovec iov;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t size, n;

		iov.iov_base = NULL;
		iov.iov_len = 0;
		size = recvmsg(sk, &mh, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (size < 0 && errno == EINTR)
			continue;
		if (size < 0 && errno == EAGAIN)
			return 0;
		if (size < 0) {
			*step = "peek queued packet";
			return -errno;
		}
		/* A zero-length packet cannot be stepped over by the offset:
		 * it would come back forever. */
		if (!size) {
			*step = "zero-length packets queued are not supported";
			return -ENOTSUP;
		}
		if (grow(q, size))
			return -ENOMEM;
		iov.iov_base = q->data + q->len;
		iov.iov_len = size;
		mh.msg_namelen = sizeof(from);
		n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT);
		if (n != size) {
			*step = "peek queued packet";
			return n < 0 ? -errno : -EIO;
		}
		q->len += n;
		if (add_packet(q, n, &from, mh.msg_namelen))
			return -ENOMEM;
	}
}

/* UDP datagrams, one peek each into a buffer any datagram fits: a UDP
 * peek moves the offset past the whole datagram, even one truncated to
 * learn its size. */
static int peek_udp(int sk, struct xc_skq *q, const char **step)
{
	for (;;) {
		struct sockaddr_un from;	/* room for any sockaddr_in6 */
		struct iovec iov;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (grow(q, CHUNK))
			return -ENOMEM;
		iov.iov_base = q->data + q->len;
		iov.iov_len = CHUNK;
		n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 || (mh.msg_flags & MSG_TRUNC)) {
			*step = "peek queued datagram";
			return n < 0 ? -errno : -EMSGSIZE;
		}
		if (!n) {
			*step = "zero-length datagrams queued are not supported";
			return -ENOTSUP;
		}
		q->len += n;
		if (add_packet(q, n, &from, mh.msg_namelen))
			return -ENOMEM;
	}
}

int xc_skq_peek(int sk, int type, struct xc_skq *q, const char **step)
{
	int old, zero = 0, err;
	socklen_t sl = sizeof(old);

	memset(q, 0, sizeof(*q));
	*step = "getsockopt SO_PEEK_OFF";
	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old, &sl))
		return -errno;
	*step = "setsockopt SO_PEEK_OFF";
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		return -errno;
	*step = "allocate";
	err = type == SOCK_STREAM ? peek_stream(sk, q, step) :
	      type == XC_SKQ_UDP ? peek_udp(sk, q, step) : peek_packets(sk, q, step);
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old, sizeof(old)) && !err) {
		*step = "put SO_PEEK_OFF back";
		err = -errno;
	}
	if (err)
		xc_skq_free(q);
	return err;
}

/* The receive queue's SKQUEUE record: its packets, then their bytes. */
int xc_skq_put(struct xc_dump *d, uint64_t ino, const struct xc_skq *q)
{
	struct xc_rec_skqueue qh = { .ino = ino, .nr_packets = q->nr };
	size_t hl = sizeof(qh) + q->nr * sizeof(*q->pk);
	uint8_t *hdr;
	int err;

	if (!q->nr)
		return 0;
	hdr = malloc(hl);
	if (!hdr)
		return xc_fail(d->ctx, d->pid, "socket queue", "allocate", -ENOMEM);
	memcpy(hdr, &qh, sizeof(qh));
	memcpy(hdr + sizeof(qh), q->pk, q->nr * sizeof(*q->pk));
	err = xc_imgw_put2(d->ctx, &d->img, XC_REC_SKQUEUE, hdr, hl, q->data, q->len);
	free(hdr);
	return err;
}

void xc_skq_free(struct xc_skq *q)
{
	free(q->pk);
	free(q->data);
	memset(q, 0, sizeof(*q));
}
