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
	if (strcmp(r->fs->root, "/") && chroot(r->fs->root))
		return rst_child_fail(r, r->fs->root, "chroot", -errno);
	if (chdir(r->fs->cwd))
		return rst_child_fail(r, r->fs->cwd, "chdir", -errno);
	umask(r->fs->umask & 0777);
	return 0;
}
