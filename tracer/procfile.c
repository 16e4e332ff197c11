/* Reading a file of the target's /proc directory whole. Shared by every
 * per-kind dump file, so it lives apart from the dump sequence. */
#define LOG_PREFIX "proc: "
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

int xc_proc_read(struct xc_dump *d, const char *name, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;	/* smaps in one or two reads */
	char *b = malloc(cap);
	int fd = openat(d->procfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b) {
		int err = fd < 0 ? -errno : -ENOMEM;
		free(b);
		if (fd >= 0)
			close(fd);
		return xc_fail(d->ctx, d->pid, name, "open", err);
	}
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				close(fd);
				return xc_fail(d->ctx, d->pid, name, "read", -ENOMEM);
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;
			free(b);
			close(fd);
			return xc_fail(d->ctx, d->pid, name, "read", err);
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}
