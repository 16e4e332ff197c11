/* signalfd: the mask of signals it reads, from fdinfo. Signals pending for
 * the process are saved with the process (sigs.c), so a restored signalfd
 * reads what was waiting. */
#define LOG_PREFIX "signalfd: "
#include <errno.h>

#include "common/log.h"
#include "tracer/proc/fdinfo-events.h"
#include "tracer/tracer.h"

int dump_signalfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		  size_t len)
{
	struct xc_rec_signalfd s = { .file_id = f->id };
	int err = xc_parse_signalfd(info, len, &s.sigmask);

	if (err)
		return xc_fd_bad_fdinfo(d, fd, f, err);
	return xc_obj_add(d, XC_REC_SIGNALFD, &s, sizeof(s));
}
