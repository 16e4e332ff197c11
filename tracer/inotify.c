/* inotify: each watch is saved as the path of the watched file and its
 * mask, to be added again by path. fdinfo names the file by a file handle
 * on a filesystem (sdev); the handle is opened on a mount of that
 * filesystem (open_by_handle_at, CAP_DAC_READ_SEARCH) and the path read
 * back, then checked to lead to the same inode. Events queued and not read
 * would be lost: an inotify with any (FIONREAD on a copy of the fd taken
 * with pidfd_getfd) is refused, as is a watch on a file with no path. */
#define LOG_PREFIX "inotify: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/proc/fdinfo-events.h"
#include "tracer/tracer.h"

/* A mount point of the filesystem with this kernel dev_t, as xckpt sees
 * it, open for reading (open_by_handle_at takes no O_PATH fd); -errno when
 * there is none. */
static int open_mount(uint32_t sdev)
{
	char line[4096], mnt[4096];
	unsigned maj, min;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int fd = -ENOENT;

	if (!f)
		return -errno;
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3 ||
		    maj != sdev >> 20 || min != (sdev & 0xfffff))
			continue;
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	fclose(f);
	return fd;
}

/* The path of the watched file, into rec->path. */
static int watch_path(struct xc_dump *d, int fd, const struct xc_rec_file *f,
		      const struct xc_inotify_wd *w, struct xc_rec_inotify_watch *rec)
{
	struct { struct file_handle h; uint8_t bytes[128]; } fh;
	char link[64], why[96];
	struct stat st;
	int mfd, wfd;
	ssize_t n;

	snprintf(why, sizeof(why), "watch %d: the watched file has no path any more", w->wd);
	mfd = open_mount(w->sdev);
	if (mfd < 0)
		return xc_fd_refuse(d, fd, f, why);
	fh.h.handle_bytes = w->fh_bytes;
	fh.h.handle_type = w->fh_type;
	memcpy(fh.h.f_handle, w->fh, w->fh_bytes);
	wfd = open_by_handle_at(mfd, &fh.h, O_PATH | O_CLOEXEC);
	close(mfd);
	if (wfd < 0 && errno == ESTALE)
		return xc_fd_refuse(d, fd, f, why);
	if (wfd < 0)
		return xc_failf(d->ctx, d->pid, "open_by_handle_at", -errno, "fd %d (%s) watch %d",
				fd, f->path, w->wd);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", wfd);
	n = readlink(link, rec->path, sizeof(rec->path) - 1);
	close(wfd);
	if (n < 0)
		return xc_failf(d->ctx, d->pid, "readlink", -errno, "fd %d (%s) watch %d", fd,
				f->path, w->wd);
	rec->path[n] = 0;
	/* A deleted file reads as "... (deleted)"; a path that leads elsewhere
	 * (or nowhere) would watch another file. */
	if (rec->path[0] != '/' || stat(rec->path, &st) || st.st_ino != w->ino ||
	    st.st_dev != makedev(w->sdev >> 20, w->sdev & 0xfffff))
		return xc_fd_refuse(d, fd, f, why);
	return 0;
}

/* Bytes of events queued on the target's inotify fd. */
static int queued(struct xc_dump *d, int fd, const struct xc_rec_file *f, int *bytes)
{
	int pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0), copy, err = 0;

	if (pidfd < 0)
		return xc_fail(d->ctx, d->pid, "process", "pidfd_open", -errno);
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0 || ioctl(copy, FIONREAD, bytes))
		err = xc_failf(d->ctx, d->pid, copy < 0 ? "pidfd_getfd" : "FIONREAD", -errno,
			       "fd %d (%s)", fd, f->path);
	if (copy >= 0)
		close(copy);
	close(pidfd);
	return err;
}

int dump_inotify(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len)
{
	struct xc_rec_inotify_watch *rec;
	struct xc_inotify_wd *w;
	size_t nr;
	int err, bytes = 0;

	err = queued(d, fd, f, &bytes);
	if (err)
		return err;
	if (bytes)
		return xc_fd_refuse(d, fd, f, "inotify with events not read yet is not supported");
	err = xc_parse_inotify(info, len, &w, &nr);
	if (err)
		return xc_fd_bad_fdinfo(d, fd, f, err);
	rec = malloc(sizeof(*rec));
	if (!rec) {
		free(w);
		return xc_fail(d->ctx, d->pid, "inotify", "allocate", -ENOMEM);
	}
	for (size_t i = 0; !err && i < nr; i++) {
		memset(rec, 0, sizeof(*rec));
		rec->file_id = f->id;
		rec->wd = w[i].wd;
		rec->mask = w[i].mask;
		err = watch_path(d, fd, f, &w[i], rec);
		if (!err)
			err = xc_obj_add(d, XC_REC_INOTIFY_WATCH, rec, sizeof(*rec));
	}
	free(rec);
	free(w);
	return err;
}
