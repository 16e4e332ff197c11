/* xc_parse_unix_diag(): NETLINK_SOCK_DIAG replies built byte by byte as the
 * kernel lays them out (nlmsghdr, unix_diag_msg, rtattrs), in one or more
 * parts, with errors and malformed lengths; and rst_skqueue_ok(), the
 * restore side's check of a socket queue record. */
#include "unit.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#include "restorer/rst.h"
#include "tracer/proc/sockdiag.h"

struct buf {
	uint8_t b[4096];
	size_t len, msg;	/* msg: start of the message being built */
};

static void msg_begin(struct buf *b, uint16_t type, uint32_t ino, uint8_t stype, uint8_t state)
{
	struct nlmsghdr h = { .nlmsg_type = type };
	struct unix_diag_msg m = { .udiag_family = AF_UNIX, .udiag_type = stype,
				   .udiag_state = state, .udiag_ino = ino };

	b->msg = b->len;
	memcpy(b->b + b->len, &h, sizeof(h));
	b->len += NLMSG_HDRLEN;
	if (type == NLMSG_DONE || type == NLMSG_ERROR)
		return;
	memcpy(b->b + b->len, &m, sizeof(m));
	b->len += NLMSG_ALIGN(sizeof(m));
}

static void attr(struct buf *b, uint16_t type, const void *data, size_t len)
{
	struct rtattr a = { .rta_len = RTA_LENGTH(len), .rta_type = type };

	memcpy(b->b + b->len, &a, sizeof(a));
	memcpy(b->b + b->len + RTA_LENGTH(0), data, len);
	b->len += RTA_ALIGN(RTA_LENGTH(len));
}

static void msg_end(struct buf *b)
{
	((struct nlmsghdr *)(b->b + b->msg))->nlmsg_len = b->len - b->msg;
}

static void put_u32(struct buf *b, uint16_t type, uint32_t v)
{
	attr(b, type, &v, 4);
}

/* A listener with two clients waiting, and a connected pair member whose
 * peer was closed, then DONE. */
static void build(struct buf *b)
{
	struct unix_diag_rqlen rq = { .udiag_rqueue = 2, .udiag_wqueue = 128 };
	struct unix_diag_vfs vfs = { .udiag_vfs_ino = 4242, .udiag_vfs_dev = (8 << 20) | 1 };
	uint32_t icons[2] = { 101, 102 };
	uint8_t shut = 2;

	memset(b, 0, sizeof(*b));
	msg_begin(b, SOCK_DIAG_BY_FAMILY, 100, SOCK_STREAM, 10);
	attr(b, UNIX_DIAG_NAME, "/run/x.sock", 12);
	attr(b, UNIX_DIAG_VFS, &vfs, sizeof(vfs));
	attr(b, UNIX_DIAG_ICONS, icons, sizeof(icons));
	attr(b, UNIX_DIAG_RQLEN, &rq, sizeof(rq));
	msg_end(b);
	msg_begin(b, SOCK_DIAG_BY_FAMILY, 200, SOCK_DGRAM, 1);
	put_u32(b, UNIX_DIAG_PEER, 0);
	attr(b, UNIX_DIAG_SHUTDOWN, &shut, 1);
	attr(b, 200, "unknown attributes are skipped", 30);
	msg_end(b);
}

static void test_reply(void **state)
{
	struct xc_unix_diag_tab tab = { 0 };
	const struct xc_unix_diag *u;
	struct buf b;

	build(&b);
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), 0);
	assert_int_equal(tab.nr, 2);
	u = xc_unix_diag_find(&tab, 100);
	assert_non_null(u);
	assert_int_equal(u->type, SOCK_STREAM);
	assert_int_equal(u->state, 10);
	assert_int_equal(u->name_len, 12);
	assert_string_equal(u->name, "/run/x.sock");
	assert_true(u->has_vfs);
	assert_int_equal(u->vfs_ino, 4242);
	assert_int_equal(u->vfs_dev, (8 << 20) | 1);
	assert_int_equal(u->nr_icons, 2);
	assert_int_equal(u->icons[1], 102);
	assert_int_equal(u->rqueue, 2);
	assert_int_equal(u->wqueue, 128);
	assert_false(u->has_peer);
	u = xc_unix_diag_find(&tab, 200);
	assert_non_null(u);
	assert_true(u->has_peer);
	assert_int_equal(u->peer, 0);
	assert_int_equal(u->shutdown, 2);
	assert_int_equal(u->name_len, 0);
	assert_null(xc_unix_diag_find(&tab, 300));

	/* The next part ends with DONE. */
	memset(&b, 0, sizeof(b));
	msg_begin(&b, SOCK_DIAG_BY_FAMILY, 300, SOCK_SEQPACKET, 7);
	attr(&b, UNIX_DIAG_NAME, "\0abstract", 9);
	msg_end(&b);
	msg_begin(&b, NLMSG_DONE, 0, 0, 0);
	msg_end(&b);
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), 1);
	assert_int_equal(tab.nr, 3);
	u = xc_unix_diag_find(&tab, 300);
	assert_int_equal(u->name_len, 9);
	assert_int_equal(u->name[0], 0);
	assert_memory_equal(u->name + 1, "abstract", 8);
	xc_unix_diag_free(&tab);
	assert_int_equal(tab.nr, 0);
}

static void test_error(void **state)
{
	struct xc_unix_diag_tab tab = { 0 };
	struct nlmsgerr e = { .error = -EPERM };
	struct buf b;

	memset(&b, 0, sizeof(b));
	msg_begin(&b, NLMSG_ERROR, 0, 0, 0);
	memcpy(b.b + b.len, &e, sizeof(e));
	b.len += sizeof(e);
	msg_end(&b);
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EPERM);
	/* An error message too short to hold its code. */
	((struct nlmsghdr *)b.b)->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(xc_parse_unix_diag(b.b, NLMSG_HDRLEN + 2, &tab), -EINVAL);
	xc_unix_diag_free(&tab);
}

/* Every length the kernel sends is checked against the buffer. */
static void test_malformed(void **state)
{
	struct xc_unix_diag_tab tab = { 0 };
	struct buf b;

	build(&b);
	/* Message longer than the buffer. */
	assert_int_equal(xc_parse_unix_diag(b.b, b.len - 1, &tab), -EINVAL);
	xc_unix_diag_free(&tab);
	/* Message shorter than its header or its unix_diag_msg. */
	build(&b);
	((struct nlmsghdr *)b.b)->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EINVAL);
	((struct nlmsghdr *)b.b)->nlmsg_len = 3;
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EINVAL);
	/* An attribute running past its message. */
	build(&b);
	((struct rtattr *)(b.b + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct unix_diag_msg))))->rta_len =
		1000;
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EINVAL);
	/* A name longer than sun_path, icons not a multiple of 4. */
	memset(&b, 0, sizeof(b));
	msg_begin(&b, SOCK_DIAG_BY_FAMILY, 1, SOCK_STREAM, 7);
	attr(&b, UNIX_DIAG_NAME, b.b + 2000, 109);
	msg_end(&b);
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EINVAL);
	memset(&b, 0, sizeof(b));
	msg_begin(&b, SOCK_DIAG_BY_FAMILY, 1, SOCK_STREAM, 10);
	attr(&b, UNIX_DIAG_ICONS, "abcdef", 6);
	msg_end(&b);
	assert_int_equal(xc_parse_unix_diag(b.b, b.len, &tab), -EINVAL);
	/* Trailing bytes shorter than a header. */
	assert_int_equal(xc_parse_unix_diag(b.b, 7, &tab), -EINVAL);
	assert_int_equal(tab.nr, 0);
	xc_unix_diag_free(&tab);
}

static void test_skqueue_ok(void **state)
{
	struct {
		struct xc_rec_skqueue h;
		struct xc_skpacket pk[2];
		char data[7];
	} __attribute__((packed)) q;
	size_t full = sizeof(q);

	memset(&q, 0, sizeof(q));
	q.h.nr_packets = 2;
	q.pk[0].len = 3;
	q.pk[1].len = 4;
	q.pk[1].addr_len = 108;
	assert_true(rst_skqueue_ok(&q, full));
	assert_false(rst_skqueue_ok(&q, full - 1));	/* data short */
	assert_false(rst_skqueue_ok(&q, 8));		/* header short */
	q.pk[1].addr_len = 109;
	assert_false(rst_skqueue_ok(&q, full));
	q.pk[1].addr_len = 0;
	q.h.nr_packets = 0x7fffffff;			/* packets past the record */
	assert_false(rst_skqueue_ok(&q, full));
	q.h.nr_packets = 0;
	assert_false(rst_skqueue_ok(&q, full));		/* bytes no packet owns */
	assert_true(rst_skqueue_ok(&q, sizeof(q.h)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_skqueue_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
