/* /proc/PID/fdinfo/FD: pos (decimal), flags (octal), mnt_id, ino; kind
 * specific lines (eventfd-count, tfd, inotify, ...) follow and are skipped
 * here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/proc.h"

int xc_parse_fdinfo(const char *buf, size_t len, struct xc_fdinfo *fi)
{
	const char *p = buf, *end = buf + len;
	int have = 0;

	memset(fi, 0, sizeof(*fi));
	while (p < end) {
		const char *e = memchr(p, '\n', end - p);
		char line[256], *v, *stop;

		if (!e)
			e = end;
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		p = e + 1;
		if (!line[0])
			continue;
		v = strchr(line, ':');
		if (!v)
			return -EINVAL;
		*v++ = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcmp(line, "pos")) {
			fi->pos = strtoll(v, &stop, 10);
			have |= stop != v ? 1 : 0;
		} else if (!strcmp(line, "flags")) {
			fi->flags = (uint32_t)strtoul(v, &stop, 8);
			have |= stop != v ? 2 : 0;
		} else if (!strcmp(line, "mnt_id")) {
			fi->mnt_id = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(line, "ino")) {
			fi->ino = strtoull(v, NULL, 10);
		} else if (!strcmp(line, "scm_fds")) {
			fi->scm_fds = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(line, "lock")) {
			fi->nr_locks++;
		}
	}
	return have == 3 ? 0 : -EINVAL;
}
