/* NETLINK_SOCK_DIAG replies for AF_UNIX: a stream of nlmsghdr, each a
 * unix_diag_msg followed by rtattrs. Lengths are checked before every read:
 * the buffer is whatever recv() returned. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/sockdiag.h"

static int parse_attrs(const uint8_t *p, size_t len, struct xc_unix_diag *u)
{
	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *a = (const void *)p;
		size_t alen = a->rta_len, plen;
		const uint8_t *data = p + RTA_LENGTH(0);

		if (alen < sizeof(*a) || alen > len)
			return -EINVAL;
		plen = alen - RTA_LENGTH(0);
		switch (a->rta_type) {
		case UNIX_DIAG_NAME:
			if (plen > sizeof(u->name))
				return -EINVAL;
			memcpy(u->name, data, plen);
			u->name_len = plen;
			break;
		case UNIX_DIAG_VFS:
			if (plen < sizeof(struct unix_diag_vfs))
				return -EINVAL;
			memcpy(&u->vfs_ino, data, 4);
			memcpy(&u->vfs_dev, data + 4, 4);
			u->has_vfs = true;
			break;
		case UNIX_DIAG_PEER:
			if (plen < 4)
				return -EINVAL;
			memcpy(&u->peer, data, 4);
			u->has_peer = true;
			break;
		case UNIX_DIAG_ICONS:
			if (plen % 4)
				return -EINVAL;
			free(u->icons);
			u->icons = malloc(plen ? plen : 1);
			if (!u->icons)
				return -ENOMEM;
			memcpy(u->icons, data, plen);
			u->nr_icons = plen / 4;
			break;
		case UNIX_DIAG_RQLEN:
			if (plen < sizeof(struct unix_diag_rqlen))
				return -EINVAL;
			memcpy(&u->rqueue, data, 4);
			memcpy(&u->wqueue, data + 4, 4);
			break;
		case UNIX_DIAG_SHUTDOWN:
			if (plen < 1)
				return -EINVAL;
			u->shutdown = data[0];
			break;
		}
		alen = RTA_ALIGN(alen);
		if (alen > len)
			break;
		p += alen;
		len -= alen;
	}
	return 0;
}

static int add(struct xc_unix_diag_tab *tab, const struct unix_diag_msg *m, const uint8_t *attrs,
	       size_t len)
{
	struct xc_unix_diag *u;
	int err;

	if (tab->nr == tab->cap) {
		size_t cap = tab->cap ? tab->cap * 2 : 64;
		struct xc_unix_diag *v = realloc(tab->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		tab->v = v;
		tab->cap = cap;
	}
	u = &tab->v[tab->nr];
	memset(u, 0, sizeof(*u));
	u->ino = m->udiag_ino;
	u->type = m->udiag_type;
	u->state = m->udiag_state;
	err = parse_attrs(attrs, len, u);
	if (err) {
		free(u->icons);
		return err;
	}
	tab->nr++;
	return 0;
}

int xc_parse_unix_diag(const void *buf, size_t len, struct xc_unix_diag_tab *tab)
{
	const uint8_t *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)p;
		size_t mlen = h->nlmsg_len;
		int err;

		if (mlen < sizeof(*h) || mlen > len)
			return -EINVAL;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			if (mlen < NLMSG_LENGTH(sizeof(*e)))
				return -EINVAL;
			return e->error < 0 ? e->error : -EPROTO;
		}
		if (mlen < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
			return -EINVAL;
		err = add(tab, NLMSG_DATA(h), p + NLMSG_LENGTH(sizeof(struct unix_diag_msg)),
			  mlen - NLMSG_LENGTH(sizeof(struct unix_diag_msg)));
		if (err)
			return err;
		mlen = NLMSG_ALIGN(mlen);
		if (mlen >= len)
			return 0;
		p += mlen;
		len -= mlen;
	}
	return len ? -EINVAL : 0;
}

void xc_unix_diag_free(struct xc_unix_diag_tab *tab)
{
	for (size_t i = 0; i < tab->nr; i++)
		free(tab->v[i].icons);
	free(tab->v);
	memset(tab, 0, sizeof(*tab));
}

const struct xc_unix_diag *xc_unix_diag_find(const struct xc_unix_diag_tab *tab, uint32_t ino)
{
	for (size_t i = 0; i < tab->nr; i++)
		if (tab->v[i].ino == ino)
			return &tab->v[i];
	return NULL;
}
