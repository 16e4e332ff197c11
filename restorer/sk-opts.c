/* Socket options a program set (SKOPT records, common/skopt.c's table),
 * restore side: checked while the image is read (only options of the
 * table, at their length, on a socket of the image they apply to) and set
 * on each socket once it is made, after xckpt's own settings. */
#define LOG_PREFIX "sk-opts: "
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/skopt.h"
#include "restorer/rst.h"

bool rst_skopt_ok(const void *p, uint32_t len)
{
	const struct xc_rec_skopt *o = p;
	const struct xc_skopt_desc *d;

	if (len != sizeof(*o) || o->reserved)
		return false;
	d = xc_skopt_find(o->level, o->name);
	return d && o->len == d->len;
}

/* Every option belongs to a socket of the image it applies to. */
int rst_skopts_check(struct xc_rsk *k)
{
	for (size_t i = 0; i < k->nr_skopts; i++) {
		const struct xc_rec_skopt *o = k->skopts[i];
		const struct xc_skopt_desc *d = xc_skopt_find(o->level, o->name);
		ssize_t n = rst_inet_find(k, o->ino);
		bool ok = false;

		if (n >= 0)
			ok = xc_skopt_applies(d, (int)k->isks[n]->family, (int)k->isks[n]->protocol,
					      k->isks[n]->protocol == IPPROTO_TCP &&
						      k->isks[n]->state == TCP_ESTABLISHED);
		for (size_t u = 0; !ok && u < k->nr_usks; u++)
			ok = k->usks[u]->ino == o->ino && xc_skopt_applies(d, AF_UNIX, 0, false);
		if (!ok) {
			k->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(k->ctx, k->pid, "bad socket option record", -EBADMSG,
					"socket:[%llu] option %s", (unsigned long long)o->ino, d->what);
		}
	}
	return 0;
}

int rst_sk_opts_apply(const struct xc_rsk *k, uint64_t ino, int fd, const char **step)
{
	for (size_t i = 0; i < k->nr_skopts; i++) {
		const struct xc_rec_skopt *o = k->skopts[i];

		if (o->ino != ino)
			continue;
		*step = xc_skopt_find(o->level, o->name)->what;
		if (setsockopt(fd, o->level, o->name, o->value, o->len))
			return -errno;
	}
	return 0;
}
