/* /proc/PID/limits: a header, then one line per resource in RLIMIT_* order,
 * "%-25s %-20s %-20s %-10s": name, soft, hard, units; "unlimited" for
 * RLIM_INFINITY. World-readable, unlike prlimit(2) on another user's process,
 * which needs CAP_SYS_RESOURCE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/proc.h"

#define NAME_COLS 26

static int value(const char *s, char **end, uint64_t *v)
{
	while (*s == ' ')
		s++;
	if (!strncmp(s, "unlimited", 9)) {
		*v = ~0ULL;
		*end = (char *)s + 9;
		return 0;
	}
	*v = strtoull(s, end, 10);
	return *end == s ? -EINVAL : 0;
}

int xc_parse_limits(const char *buf, size_t len, struct xc_limit *rl, unsigned nr)
{
	const char *p = buf, *end = buf + len;
	unsigned line = 0, got = 0;

	while (p < end && got < nr) {
		const char *e = memchr(p, '\n', end - p);
		char tmp[160], *q;

		if (!e)
			e = end;
		if (line++ == 0) {		/* the header */
			if (e - p < 5 || strncmp(p, "Limit", 5))
				return -EINVAL;
			p = e + 1;
			continue;
		}
		if (e - p <= NAME_COLS || e - p >= (long)sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, p + NAME_COLS, e - p - NAME_COLS);
		tmp[e - p - NAME_COLS] = 0;
		if (value(tmp, &q, &rl[got].cur) || value(q, &q, &rl[got].max))
			return -EINVAL;
		got++;
		p = e + 1;
	}
	return got == nr ? 0 : -EINVAL;
}
