/* Socket options a program set (common/skopt.c's table), dump side: each
 * option of the socket is compared with a new socket's of the same family,
 * type and protocol, made here in xckpt (same network namespace, same
 * defaults), and kept as an SKOPT record when it differs. Read on the copy
 * of the target's socket. */
#define LOG_PREFIX "sk-opts: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/skopt.h"
#include "tracer/sockets.h"

static int add(struct xc_sk *s, const struct xc_rec_skopt *o)
{
	struct xc_rec_skopt *nv = realloc(s->opts, (s->nr_opts + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	s->opts = nv;
	s->opts[s->nr_opts++] = *o;
	return 0;
}

int dump_sk_opts(struct xc_dump *d, int fd, int sk, uint64_t ino, int family, int type,
		 int protocol, bool established)
{
	int fresh = socket(family, type | SOCK_CLOEXEC, protocol), err = 0;

	if (fresh < 0)
		return xc_failf(d->ctx, d->pid, "make a socket to compare options with", -errno,
				"fd %d (socket:[%llu])", fd, (unsigned long long)ino);
	for (unsigned i = 0; !err && i < xc_nr_skopts; i++) {
		const struct xc_skopt_desc *o = &xc_skopts[i];
		struct xc_rec_skopt r = { .ino = ino, .level = o->level, .name = o->name,
					  .len = o->len };
		uint8_t def[16] = { 0 };
		socklen_t l1 = o->len, l2 = o->len;

		if (!xc_skopt_applies(o, family, protocol, established))
			continue;
		/* Not known to this kernel for this socket: nothing set. */
		if (getsockopt(sk, o->level, o->name, r.value, &l1) ||
		    getsockopt(fresh, o->level, o->name, def, &l2))
			continue;
		if (l1 == l2 && !memcmp(r.value, def, o->len))
			continue;
		if (add(d->sk, &r))
			err = xc_fail(d->ctx, d->pid, "socket options", "allocate", -ENOMEM);
	}
	close(fresh);
	return err;
}

/* The SKOPT records of socket ino, after its own record. */
int dump_sk_opts_put(struct xc_dump *d, uint64_t ino)
{
	const struct xc_sk *s = d->sk;
	int err = 0;

	for (size_t i = 0; !err && i < s->nr_opts; i++)
		if (s->opts[i].ino == ino)
			err = xc_imgw_put(d->ctx, &d->img, XC_REC_SKOPT, &s->opts[i],
					  sizeof(s->opts[i]));
	return err;
}
