/* The kind-specific lines of /proc/PID/fdinfo/FD for eventfd, timerfd,
 * signalfd and epoll (fs/eventfd.c, fs/timerfd.c, fs/signalfd.c,
 * fs/eventpoll.c show_fdinfo). Lines are "key: value" or, for epoll, one
 * "tfd:" line of several key:value pairs per watch. */
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

int xc_parse_epoll(const char *buf, size_t len, struct xc_epoll_tfd **w, size_t *nr)
{
	const char *p = buf, *end = buf + len;
	struct xc_epoll_tfd *arr = NULL;
	size_t n = 0;

	while (p < end) {
		const char *e = memchr(p, '\n', end - p);
		char line[256];

		if (!e)
			e = end;
		if (e - p >= 4 && !memcmp(p, "tfd:", 4)) {
			struct xc_epoll_tfd *na = realloc(arr, (n + 1) * sizeof(*arr));

			if (!na || (size_t)(e - p) >= sizeof(line)) {
				free(na ? na : arr);
				return na ? -EINVAL : -ENOMEM;
			}
			arr = na;
			snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
			if (epoll_line(line, &arr[n])) {
				free(arr);
				return -EINVAL;
			}
			n++;
		}
		p = e + 1;
	}
	*w = arr;
	*nr = n;
	return 0;
}
