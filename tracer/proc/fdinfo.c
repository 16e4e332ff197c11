/* /proc/PID/fdinfo/FD: pos (decimal), flags (octal), mnt_id, ino; kind
 * specific lines (eventfd-count, tfd, inotify, ...) follow and are skipped
 * here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/proc.h"

/* The value of a "lock:" line (fs/locks.c, lock_get_status()): id, class
 * (FLOCK, POSIX, OFDLCK, LEASE, DELEG...), ADVISORY or MANDATORY, READ,
 * WRITE or UNLCK, pid, maj:min:ino, start, end or EOF. Classes and modes
 * that xckpt does not restore come back as XC_PLOCK_OTHER. */
int xc_parse_lock(const char *v, struct xc_plock *l)
{
	char cls[16], adv[16], mode[16], end[24];
	unsigned long long start;
	unsigned int maj, min;
	unsigned long long ino;
	long pid;
	int id, n = 0;

	memset(l, 0, sizeof(*l));
	if (sscanf(v, "%d: %15s %15s %15s %ld %x:%x:%llu %llu %23s%n", &id, cls, adv, mode, &pid,
		   &maj, &min, &ino, &start, end, &n) != 10)
		return -EINVAL;
	l->start = start;
	if (!strcmp(end, "EOF")) {
		l->end = UINT64_MAX;
	} else {
		char *stop;
		l->end = strtoull(end, &stop, 10);
		if (*stop || l->end < l->start)
			return -EINVAL;
	}
	l->write = !strcmp(mode, "WRITE");
	if (strcmp(adv, "ADVISORY") || (strcmp(mode, "WRITE") && strcmp(mode, "READ")))
		l->kind = XC_PLOCK_OTHER;
	else if (!strcmp(cls, "FLOCK"))
		l->kind = XC_PLOCK_FLOCK;
	else if (!strcmp(cls, "POSIX"))
		l->kind = XC_PLOCK_POSIX;
	else if (!strcmp(cls, "OFDLCK"))
		l->kind = XC_PLOCK_OFD;
	else
		l->kind = XC_PLOCK_OTHER;
	return 0;
}

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
			if (fi->nr_locks < XC_FDINFO_LOCKS &&
			    xc_parse_lock(v, &fi->locks[fi->nr_locks]))
				return -EINVAL;
			fi->nr_locks++;
		}
	}
	return have == 3 ? 0 : -EINVAL;
}
