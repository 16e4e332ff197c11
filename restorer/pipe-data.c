/* A pipe given back what it held (tracer/pipe-data.c): its capacity, then
 * its unread bytes, in one write each (they fit: the capacity was at least
 * that at dump). For FIFOs (fifo.c) and for the pipes of a tree. */
#define LOG_PREFIX "pipe-data: "
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "restorer/rst.h"

int rst_pipe_fill(int wfd, uint32_t capacity, const void *data, uint64_t len)
{
	uint64_t done = 0;
	int cap = fcntl(wfd, F_GETPIPE_SZ);

	if (cap < 0)
		return -errno;
	/* Above /proc/sys/fs/pipe-max-size only with CAP_SYS_RESOURCE: such a
	 * pipe fails here, named, rather than coming back smaller. */
	if ((uint32_t)cap != capacity && fcntl(wfd, F_SETPIPE_SZ, capacity) < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(wfd, (const char *)data + done, len - done);

		if (n < 0)
			return -errno;
		done += (uint64_t)n;
	}
	return 0;
}
