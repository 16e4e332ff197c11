/* Pure parsers of NETLINK_SOCK_DIAG replies: each takes the bytes of one
 * recv() and never talks to the kernel, so unit tests feed them buffers. */
#ifndef XC_SOCKDIAG_H
#define XC_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One unix socket as UNIX_DIAG_* attributes describe it. */
struct xc_unix_diag {
	uint32_t ino;
	uint8_t type, state;	/* SOCK_*, TCP_* */
	uint8_t shutdown;	/* UNIX_DIAG_SHUTDOWN */
	bool has_peer;		/* UNIX_DIAG_PEER present (0: the peer was closed) */
	bool has_vfs;
	uint32_t peer;
	uint32_t rqueue, wqueue;	/* UNIX_DIAG_RQLEN; listeners: pending, backlog */
	uint32_t vfs_ino, vfs_dev;	/* vfs_dev as the kernel encodes it (major << 20 | minor) */
	uint32_t name_len;	/* 0: unbound */
	char name[108];
	uint32_t nr_icons;	/* listeners: the connections not accepted yet, in order */
	uint32_t *icons;	/* malloc'd */
};

struct xc_unix_diag_tab {
	struct xc_unix_diag *v;
	size_t nr, cap;
};

/* Appends the sockets of one reply to tab. Returns 1 at NLMSG_DONE, 0 when
 * more parts follow, -errno from an NLMSG_ERROR, -EINVAL if malformed. */
int xc_parse_unix_diag(const void *buf, size_t len, struct xc_unix_diag_tab *tab);
void xc_unix_diag_free(struct xc_unix_diag_tab *tab);
const struct xc_unix_diag *xc_unix_diag_find(const struct xc_unix_diag_tab *tab, uint32_t ino);

#endif
