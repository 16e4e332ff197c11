/* signalfd, created with its mask (child side). The raw syscall takes the
 * kernel's 64-bit mask as saved, including signals the C library keeps for
 * itself. */
#define LOG_PREFIX "signalfd: "
#include <errno.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

int rst_signalfd_open(struct xc_rst *r, const struct xc_rec_signalfd *s, const char *obj)
{
	uint64_t mask = s->sigmask;
	long fd = syscall(SYS_signalfd4, -1, &mask, sizeof(mask), SFD_CLOEXEC | SFD_NONBLOCK);

	if (fd < 0)
		return rst_child_fail(r, obj, "signalfd", -errno);
	return (int)fd;
}
