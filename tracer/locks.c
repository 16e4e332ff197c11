/* File locks held through an open file description, from the "lock:"
 * lines of its fdinfo (proc/fdinfo.c parses them). fdinfo shows the locks
 * taken through that description: flock and OFD locks, which are the
 * description's, and POSIX record locks, which are the process's; each
 * description is read once, so each lock is recorded once. Restore takes
 * them again in the restored process's name (restorer/locks.c). */
#define LOG_PREFIX "locks: "
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "tracer/tracer.h"

static int refuse(struct xc_dump *d, int fd, const char *path, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (%s)", fd, path);
}

/* The locks the description holds (fdinfo shows those taken through it:
 * flock and OFD locks are the description's, POSIX ones the process's),
 * kept for the image. Leases and anything else are refused. */
int dump_locks_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f,
		       const struct xc_fdinfo *fi)
{
	static const uint32_t kinds[] = { [XC_PLOCK_FLOCK] = XC_LOCK_FLOCK,
					  [XC_PLOCK_POSIX] = XC_LOCK_POSIX,
					  [XC_PLOCK_OFD] = XC_LOCK_OFD };
	struct xc_rec_lock *nv;

	if (!fi->nr_locks)
		return 0;
	if (fi->nr_locks > XC_FDINFO_LOCKS)
		return refuse(d, fd, f->path, "more than 32 locks through one open file");
	if (f->kind != XC_FD_REG)
		return refuse(d, fd, f->path, "locks on this kind of file are not supported");
	nv = realloc(d->locks, (d->nr_locks + fi->nr_locks) * sizeof(*nv));
	if (!nv)
		return xc_fail(d->ctx, d->pid, "locks", "allocate", -ENOMEM);
	d->locks = nv;
	for (uint32_t i = 0; i < fi->nr_locks; i++) {
		const struct xc_plock *l = &fi->locks[i];

		if (l->kind == XC_PLOCK_OTHER)
			return refuse(d, fd, f->path, "leases and other lock kinds are not supported yet");
		d->locks[d->nr_locks++] = (struct xc_rec_lock){
			.file_id = f->id, .kind = kinds[l->kind], .write = l->write,
			.start = l->start, .len = l->end == UINT64_MAX ? 0 : l->end - l->start + 1 };
	}
	return 0;
}
