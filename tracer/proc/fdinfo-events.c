/* The kind-specific lines of /proc/PID/fdinfo/FD for eventfd, timerfd,
 * signalfd, epoll and inotify (fs/eventfd.c, fs/timerfd.c, fs/signalfd.c,
 * fs/eventpoll.c, fs/notify/fdinfo.c show_fdinfo). Lines are "key: value"
 * or, for epoll and inotify, one line of several key:value pairs per watch. */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/fdinfo-events.h"

/* The value of the first line that starts with key (which ends in ':'),
 * copied into out without leading blanks; false when there is none. */
static bool field(const char *buf, size_t len, const char *key, char *out, size_t sz)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(key);

	while (p < end) {
		const char *e = memchr(p, '\n', end - p);

		if (!e)
			e = end;
		if ((size_t)(e - p) >= kl && !memcmp(p, key, kl)) {
			const char *v = p + kl;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			snprintf(out, sz, "%.*s", (int)(e - v), v);
			return true;
		}
		p = e + 1;
	}
	return false;
}

/* The whole value is one number in base. */
static bool number(const char *v, int base, unsigned long long *n)
{
	char *stop;

	if (!*v || *v == '-')
		return false;
	errno = 0;
	*n = strtoull(v, &stop, base);
	return !errno && stop != v && !*stop;
}

int xc_parse_eventfd(const char *buf, size_t len, uint64_t *count, int *semaphore)
{
	char v[64];
	unsigned long long n;

	if (!field(buf, len, "eventfd-count:", v, sizeof(v)) || !number(v, 16, &n))
		return -EINVAL;
	*count = n;
	if (!field(buf, len, "eventfd-semaphore:", v, sizeof(v)))
		return -ENODATA;
	if (!number(v, 10, &n) || n > 1)
		return -EINVAL;
	*semaphore = (int)n;
	return 0;
}

/* "(%llu, %llu)": seconds and nanoseconds. */
static bool timespec_pair(const char *v, int64_t *sec, int64_t *nsec)
{
	unsigned long long s, ns;
	int end = 0;

	if (sscanf(v, "(%llu, %llu)%n", &s, &ns, &end) != 2 || v[end] || ns >= 1000000000ull ||
	    s > INT64_MAX)
		return false;
	*sec = (int64_t)s;
	*nsec = (int64_t)ns;
	return true;
}

int xc_parse_timerfd(const char *buf, size_t len, struct xc_timerfd_info *t)
{
	char v[96];
	unsigned long long n;

	memset(t, 0, sizeof(*t));
	if (!field(buf, len, "clockid:", v, sizeof(v)) || !number(v, 10, &n) || n > 15)
		return -EINVAL;
	t->clockid = (int)n;
	if (!field(buf, len, "ticks:", v, sizeof(v)) || !number(v, 10, &n))
		return -EINVAL;
	t->ticks = n;
	if (!field(buf, len, "settime flags:", v, sizeof(v)) || !number(v, 8, &n) || n > 0xffff)
		return -EINVAL;
	t->settime_flags = (uint32_t)n;
	if (!field(buf, len, "it_value:", v, sizeof(v)) ||
	    !timespec_pair(v, &t->value_sec, &t->value_nsec))
		return -EINVAL;
	if (!field(buf, len, "it_interval:", v, sizeof(v)) ||
	    !timespec_pair(v, &t->interval_sec, &t->interval_nsec))
		return -EINVAL;
	return 0;
}

int xc_parse_signalfd(const char *buf, size_t len, uint64_t *sigmask)
{
	char v[64];
	unsigned long long n;

	if (!field(buf, len, "sigmask:", v, sizeof(v)) || !number(v, 16, &n))
		return -EINVAL;
	*sigmask = n;
	return 0;
}

/* "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x" */
static int epoll_line(const char *l, struct xc_epoll_tfd *w)
{
	unsigned long long data, ino;
	unsigned events, sdev;
	long long pos;
	int tfd, end = 0;

	if (sscanf(l, "tfd: %d events: %x data: %llx pos:%lli ino:%llx sdev:%x%n", &tfd, &events,
		   &data, &pos, &ino, &sdev, &end) != 6 || tfd < 0)
		return -EINVAL;
	while (l[end] == ' ' || l[end] == '\t')
		end++;
	if (l[end])
		return -EINVAL;
	*w = (struct xc_epoll_tfd){ .tfd = tfd, .events = events, .data = data, .ino = ino,
				    .sdev = sdev };
	return 0;
}

/* "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%x fhandle-bytes:%x
 * fhandle-type:%x f_handle:" then the handle's bytes in hex. */
static int inotify_line(const char *l, struct xc_inotify_wd *w)
{
	unsigned wd, sdev, mask, ign, bytes;
	unsigned long long ino;
	int type, end = 0;
	const char *h;

	if (sscanf(l, "inotify wd:%x ino:%llx sdev:%x mask:%x ignored_mask:%x fhandle-bytes:%x "
		      "fhandle-type:%x f_handle:%n", &wd, &ino, &sdev, &mask, &ign, &bytes, &type,
		   &end) != 7 || !end || bytes > sizeof(w->fh) || !wd || wd > INT32_MAX)
		return -EINVAL;
	*w = (struct xc_inotify_wd){ .wd = (int)wd, .mask = mask, .ignored_mask = ign, .ino = ino,
				     .sdev = sdev, .fh_type = type, .fh_bytes = bytes };
	h = l + end;
	for (unsigned i = 0; i < bytes; i++, h += 2) {
		unsigned b;
		int n = 0;

		if (sscanf(h, "%2x%n", &b, &n) != 1 || n != 2)
			return -EINVAL;
		w->fh[i] = (uint8_t)b;
	}
	while (*h == ' ' || *h == '\t')
		h++;
	return *h ? -EINVAL : 0;
}

/* The lines that start with prefix, each parsed into an element of size
 * sz by one(); *out is malloc'd (NULL when none). */
static int each_line(const char *buf, size_t len, const char *prefix, size_t sz,
		     int (*one)(const char *line, void *elem), void **out, size_t *nr)
{
	const char *p = buf, *end = buf + len;
	size_t pl = strlen(prefix), n = 0;
	char *arr = NULL;

	while (p < end) {
		const char *e = memchr(p, '\n', end - p);
		char line[512];

		if (!e)
			e = end;
		if ((size_t)(e - p) >= pl && !memcmp(p, prefix, pl)) {
			char *na = realloc(arr, (n + 1) * sz);

			if (!na || (size_t)(e - p) >= sizeof(line)) {
				free(na ? na : arr);
				return na ? -EINVAL : -ENOMEM;
			}
			arr = na;
			snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
			if (one(line, arr + n * sz)) {
				free(arr);
				return -EINVAL;
			}
			n++;
		}
		p = e + 1;
	}
	*out = arr;
	*nr = n;
	return 0;
}

static int inotify_elem(const char *l, void *w) { return inotify_line(l, w); }
static int epoll_elem(const char *l, void *w) { return epoll_line(l, w); }

int xc_parse_inotify(const char *buf, size_t len, struct xc_inotify_wd **w, size_t *nr)
{
	return each_line(buf, len, "inotify wd:", sizeof(**w), inotify_elem, (void **)w, nr);
}

int xc_parse_epoll(const char *buf, size_t len, struct xc_epoll_tfd **w, size_t *nr)
{
	return each_line(buf, len, "tfd:", sizeof(**w), epoll_elem, (void **)w, nr);
}
