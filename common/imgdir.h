/* The image directory: written as a sibling temporary directory, every file
 * fsync'd at commit, then the directory, then renamed into place and the
 * parent fsync'd, so a reader sees either nothing or a complete image (Redis
 * rdbSave's discipline). The files are synced together rather than each as
 * it is closed: a journaling file system then commits many of them in one
 * transaction (a tree of 128 processes writes 257 files). */
#ifndef XC_IMGDIR_H
#define XC_IMGDIR_H
#include <limits.h>

struct xc_ctx;
struct xc_imgdir {
	char final[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;			/* of tmp */
};

int xc_imgdir_begin(struct xc_ctx *ctx, struct xc_imgdir *d, const char *path);
int xc_imgdir_commit(struct xc_ctx *ctx, struct xc_imgdir *d);
void xc_imgdir_abort(struct xc_imgdir *d);

#endif
