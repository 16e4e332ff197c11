/* Working directory, root and umask. */
#define LOG_PREFIX "fs: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

static int link_of(struct xc_dump *d, const char *name, char *out, size_t cap)
{
	ssize_t n = readlinkat(d->procfd, name, out, cap - 1);

	if (n < 0)
		return xc_fail(d->ctx, d->pid, name, "readlink", -errno);
	out[n] = 0;
	if (n > 10 && !strcmp(out + n - 10, " (deleted)")) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "directory was deleted", -ENOTSUP, "%s (%s)", name, out);
	}
	return 0;
}

int dump_fs(struct xc_dump *d)
{
	struct xc_rec_fs *fs = calloc(1, sizeof(*fs));
	int err;

	if (!fs)
		return xc_fail(d->ctx, d->pid, "fs", "allocate", -ENOMEM);
	fs->umask = d->st.umask;
	err = link_of(d, "cwd", fs->cwd, sizeof(fs->cwd));
	if (!err)
		err = link_of(d, "root", fs->root, sizeof(fs->root));
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_FS, fs, sizeof(*fs));
	free(fs);
	return err;
}
