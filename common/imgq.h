/* Small image files created and written by threads of their own: a dump
 * of many small processes hands each finished file (its bytes whole, in
 * memory) to the queue and goes on with the next process while the file
 * system creates and fills the file. Nothing is synced here: the image
 * directory syncs every file at commit, after xc_imgq_drain(). */
#ifndef XC_IMGQ_H
#define XC_IMGQ_H

#include <stddef.h>

struct xc_imgq;

/* NULL with errno when no thread can start (files are then written by
 * their writers, as without a queue). */
struct xc_imgq *xc_imgq_new(void);
/* Queues name (created in dirfd, O_EXCL, 0600) with len bytes of buf; the
 * queue owns buf from here, also on failure. 0 or -ENOMEM. */
int xc_imgq_put(struct xc_imgq *q, int dirfd, const char *name, char *buf, size_t len);
/* Waits until every queued file is written. 0, or the first failure (in
 * time: the threads write files side by side) as
 * -errno with its file and step ("create", "write", "close"). */
int xc_imgq_drain(struct xc_imgq *q, const char **name, const char **step);
/* Drains, stops the threads. Safe on NULL. */
void xc_imgq_free(struct xc_imgq *q);

/* All len bytes to fd from its offset, across short writes and EINTR: 0
 * or -errno. */
int xc_write_all(int fd, const void *buf, size_t len);

#endif
