/* Root, working directory and umask (child side). */
#define LOG_PREFIX "fs: "
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

int rst_fs(struct xc_rst *r)
{
	/* Both paths were read from outside, relative to xckpt's own root:
	 * enter the directory first, chroot() leaves the cwd where it is. */
	if (chdir(r->fs->cwd))
		return rst_child_fail(r, r->fs->cwd, "chdir", -errno);
	if (strcmp(r->fs->root, "/") && chroot(r->fs->root))
		return rst_child_fail(r, r->fs->root, "chroot", -errno);
	umask(r->fs->umask & 0777);
	return 0;
}
