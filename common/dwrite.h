/* Sequential writer for large image files that keeps them out of the page
 * cache: bytes are gathered into aligned chunks that a writer thread hands
 * to the disk with O_DIRECT while the caller goes on (reading memory,
 * compressing). A dump of a process that holds most of the machine's
 * memory then does not push the machine into reclaim to cache a second copy
 * of it, and does not pay for fresh page-cache pages.
 *
 * Where the file system refuses O_DIRECT (tmpfs), it writes through the
 * page cache and drops each chunk from it once on disk
 * (sync_file_range, then POSIX_FADV_DONTNEED). */
#ifndef XC_DWRITE_H
#define XC_DWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xc_dw;

/* fd: opened for writing at offset 0, empty. NULL with errno on failure. */
struct xc_dw *xc_dw_new(int fd);
/* Appends len bytes. 0, or the first write error as -errno. */
int xc_dw_write(struct xc_dw *dw, const void *p, size_t len);
/* Writes what is left and waits for every write (not an fsync: the
 * image directory syncs its files at commit). 0 or -errno. */
int xc_dw_finish(struct xc_dw *dw);
/* Stops the thread; the file is left as it is. Safe on NULL. */
void xc_dw_free(struct xc_dw *dw);
/* Whether the file is written with O_DIRECT (for the log). */
bool xc_dw_direct(const struct xc_dw *dw);

#endif
