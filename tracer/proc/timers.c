/* /proc/PID/timers: "ID: %d", "signal: %d/%px", "notify: %s/%s.%d" (signal,
 * none or thread; pid or tid) and "ClockID: %d", in this order, per timer. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/timers.h"

#define SIGEV_SIGNAL_ 0
#define SIGEV_NONE_ 1
#define SIGEV_THREAD_ 2
#define SIGEV_THREAD_ID_ 4

/* One line of the block, "key: value", into v; false at the end or on
 * another key. */
static bool line(const char **p, const char *end, const char *key, char *v, size_t sz)
{
	const char *e = memchr(*p, '\n', end - *p);
	size_t kl = strlen(key);

	if (!e)
		e = end;
	if ((size_t)(e - *p) < kl || memcmp(*p, key, kl))
		return false;
	snprintf(v, sz, "%.*s", (int)(e - *p - kl), *p + kl);
	*p = e < end ? e + 1 : end;
	return true;
}

static int block(const char **p, const char *end, struct xc_timer_info *t)
{
	char v[96], how[16], who[8];
	unsigned long long val;
	int n = 0;

	if (!line(p, end, "ID: ", v, sizeof(v)) || sscanf(v, "%d%n", &t->id, &n) != 1 || v[n] ||
	    t->id < 0)
		return -EINVAL;
	if (!line(p, end, "signal: ", v, sizeof(v)) ||
	    sscanf(v, "%d/%llx%n", &t->signo, &val, &n) != 2 || v[n] || t->signo < 0 ||
	    t->signo > 64)
		return -EINVAL;
	t->sigval = val;
	if (!line(p, end, "notify: ", v, sizeof(v)) ||
	    sscanf(v, "%15[a-z]/%7[a-z].%d%n", how, who, &t->pid, &n) != 3 || v[n])
		return -EINVAL;
	if (!strcmp(how, "signal"))
		t->notify = SIGEV_SIGNAL_;
	else if (!strcmp(how, "none"))
		t->notify = SIGEV_NONE_;
	else if (!strcmp(how, "thread"))
		t->notify = SIGEV_THREAD_;
	else
		return -EINVAL;
	if (!strcmp(who, "tid"))
		t->notify |= SIGEV_THREAD_ID_;
	else if (strcmp(who, "pid"))
		return -EINVAL;
	/* Negative: the CPU clock of a given process or thread. */
	if (!line(p, end, "ClockID: ", v, sizeof(v)) || sscanf(v, "%d%n", &t->clockid, &n) != 1 ||
	    v[n])
		return -EINVAL;
	return 0;
}

int xc_parse_timers(const char *buf, size_t len, struct xc_timer_info **t, size_t *nr)
{
	const char *p = buf, *end = buf + len;
	struct xc_timer_info *arr = NULL;
	size_t n = 0;

	while (p < end) {
		struct xc_timer_info *na;

		if (*p == '\n') {
			p++;
			continue;
		}
		na = realloc(arr, (n + 1) * sizeof(*arr));
		if (!na) {
			free(arr);
			return -ENOMEM;
		}
		arr = na;
		if (block(&p, end, &arr[n])) {
			free(arr);
			return -EINVAL;
		}
		n++;
	}
	*t = arr;
	*nr = n;
	return 0;
}
