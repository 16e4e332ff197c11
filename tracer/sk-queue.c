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
	err = type == SOCK_STREAM ? peek_stream(sk, q, step) : peek_packets(sk, q, step);
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old, sizeof(old)) && !err) {
		*step = "put SO_PEEK_OFF back";
		err = -errno;
	}
	if (err)
		xc_skq_free(q);
	return err;
}

void xc_skq_free(struct xc_skq *q)
{
	free(q->pk);
	free(q->data);
	memset(q, 0, sizeof(*q));
}
