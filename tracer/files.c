/* File descriptors and the open files behind them. Each open file
 * description is recorded once (FILE) and each fd as a reference to it (FD),
 * so dups share offset and flags again after restore (file-ids.c).
 * Regular files and directories are reopened by path at their offset;
 * /dev/null-like devices by path; a terminal, pipe or socket on fd 0-2 is
 * taken from the restoring xckpt (a shell job). Anything else is refused
 * before the target is touched. */
#define LOG_PREFIX "files: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

static bool reopenable_chr(const char *path)
{
	static const char *const ok[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					  "/dev/urandom" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(path, ok[i]))
			return true;
	return false;
}

/* How an fd comes back, from its type and /proc link alone. Pure, for the
 * unit tests: 0 with *kind, or -ENOTSUP with *why. */
int xc_fd_classify(int fd, mode_t mode, const char *path, uint32_t *kind, const char **why)
{
	*kind = 0;
	*why = NULL;
	if (!strncmp(path, "anon_inode:", 11))
		return xc_fd_classify_anon(path + 11, kind, why);
	if (S_ISCHR(mode) && xc_fd_classify_tty(fd, path, kind))
		return 0;
	/* /dev/tty: reopened, it is the controlling terminal of the restored
	 * process, as it was of the dumped one. */
	if (S_ISCHR(mode) && !strcmp(path, "/dev/tty")) {
		*kind = XC_FD_CHR;
		return 0;
	}
	if (S_ISFIFO(mode) && !strncmp(path, "pipe:", 5))
		*kind = XC_FD_PIPE;	/* its other end is looked for in the tree (pipes.c) */
	else if (S_ISFIFO(mode) || S_ISSOCK(mode) || (S_ISCHR(mode) && !reopenable_chr(path))) {
		/* stdio of a shell job: the restoring xckpt lends its own */
		if (fd <= 2)
			*kind = XC_FD_INHERIT;
		else if (S_ISSOCK(mode))
			*kind = XC_FD_SOCKET;	/* its family decides (sockets.c) */
		else if (S_ISFIFO(mode) && path[0] == '/')
			*kind = XC_FD_FIFO;
		else
			*why = S_ISFIFO(mode) ? "FIFO without a path is not supported yet" :
						"this device is not supported yet";
	} else if (S_ISCHR(mode))
		*kind = XC_FD_CHR;
	else if ((S_ISREG(mode) || S_ISDIR(mode)) && path[0] != '/')
		*why = "file without a path (a namespace or other internal file) is not supported yet";
	else if (S_ISREG(mode) || S_ISDIR(mode))
		*kind = XC_FD_REG;
	else
		*why = "this kind of file is not supported yet";
	return *why ? -ENOTSUP : 0;
}

static int unsupported(struct xc_dump *d, int fd, const char *path, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (%s)", fd, path);
}

/* A regular file or directory is reopened by path: the path must still
 * lead to the very file. One that no name leads to any more (deleted, or a
 * memfd) has its content saved instead (ghost.c), read through the fd. */
static int describe_reg(struct xc_dump *d, int fd, struct xc_rec_file *f)
{
	char link[32], obj[128];
	struct stat pst, st;
	int src, err;

	if (!stat(f->path, &pst) && pst.st_dev == f->dev && pst.st_ino == f->ino)
		return 0;
	snprintf(link, sizeof(link), "fd/%d", fd);
	snprintf(obj, sizeof(obj), "fd %d (%.80s)", fd, f->path);
	src = openat(d->procfd, link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (src < 0 || fstat(src, &st)) {
		err = xc_fail(d->ctx, d->pid, obj, "open through /proc", -errno);
		if (src >= 0)
			close(src);
		return err;
	}
	if (st.st_nlink || !S_ISREG(st.st_mode))
		err = unsupported(d, fd, f->path, S_ISREG(st.st_mode) ?
			"file was renamed or replaced, and its path leads elsewhere" :
			"directory was removed or replaced since it was opened");
	else
		err = dump_ghost_get(d, src, f->path, &st, obj, &f->ghost_id);
	close(src);
	return err;
}

/* What each kind of open file needs beyond the common fields. New kinds
 * add a case here and one in restorer/files.c. */
static int describe_kind(struct xc_dump *d, int fd, struct xc_rec_file *f,
			 const struct xc_fdinfo *fi)
{
	switch (f->kind) {
	case XC_FD_REG:
		return describe_reg(d, fd, f);
	case XC_FD_SOCKET:
		return dump_socket_fd(d, fd, f, fi->scm_fds);
	case XC_FD_CHR:
	case XC_FD_INHERIT:
	case XC_FD_FIFO:	/* its data: dump_fifo_collect() */
		return 0;
	case XC_FD_PIPE:
		/* Packet mode keeps write boundaries the data copy would lose. */
		return f->flags & O_DIRECT ?
			       unsupported(d, fd, f->path, "packet-mode pipe (O_DIRECT) is not supported yet") :
			       0;
	}
	if (xc_fd_kind_is_anon(f->kind) || xc_fd_kind_is_tty(f->kind))
		return 0;	/* its object: dump_anon_collect(), dump_tty_collect() */
	return unsupported(d, fd, f->path, "this kind of file is not supported yet");
}

/* The open file description behind one fd, and the fd's own flags. */
static int describe(struct xc_dump *d, int dfd, int fd, struct xc_rec_file *f, uint32_t *fd_flags,
		    struct xc_fdinfo *fi)
{
	const char *why;
	char name[32], *info;
	struct stat st;
	size_t len;
	ssize_t n;
	int err;

	memset(f, 0, sizeof(*f));
	if (fd >= XC_MAX_FD)
		return unsupported(d, fd, "", "fd number above 2^20 is not supported");
	snprintf(name, sizeof(name), "%d", fd);
	n = readlinkat(dfd, name, f->path, sizeof(f->path) - 1);
	if (n < 0)
		return xc_failf(d->ctx, d->pid, "readlink", -errno, "fd %d", fd);
	f->path[n] = 0;
	if (fstatat(dfd, name, &st, 0))
		return xc_failf(d->ctx, d->pid, "stat", -errno, "fd %d (%s)", fd, f->path);
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	err = xc_proc_read(d, name, &info, &len);
	if (err)
		return err;
	err = xc_parse_fdinfo(info, len, fi);
	free(info);
	if (err)
		return xc_failf(d->ctx, d->pid, "parse fdinfo", err, "fd %d (%s)", fd, f->path);
	/* fdinfo's flags carry the fd's close-on-exec bit among the
	 * description's status flags: split them. */
	*fd_flags = fi->flags & O_CLOEXEC ? XC_FDF_CLOEXEC : 0;
	f->flags = fi->flags & ~(uint32_t)O_CLOEXEC;
	f->pos = fi->pos;
	f->mode = st.st_mode;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->mtime_sec = st.st_mtim.tv_sec;
	f->mtime_nsec = st.st_mtim.tv_nsec;

	/* A plugin's fd (a device it drives) stays out of the image: kind 0. */
	err = xc_plugins_claim_fd(&d->plugins, d->pid, fd, f->path, st.st_mode);
	if (err != -ENOTSUP)
		return err;
	if (xc_fd_classify(fd, st.st_mode, f->path, &f->kind, &why))
		return unsupported(d, fd, f->path, why);
	return describe_kind(d, fd, f, fi);
}

static int add_fd(struct xc_dump *d, int fd, uint32_t id, uint32_t fd_flags)
{
	struct xc_rec_fd *nv = realloc(d->fds, (d->nr_fds + 1) * sizeof(*nv));

	if (!nv)
		return xc_fail(d->ctx, d->pid, "fds", "allocate", -ENOMEM);
	d->fds = nv;
	d->fds[d->nr_fds++] = (struct xc_rec_fd){ .fd = fd, .file_id = id, .fd_flags = fd_flags };
	return 0;
}

/* One fd: a reference to a description seen before, or a new description
 * kept for the image. */
static int collect_fd(struct xc_dump *d, int dfd, int fd, struct xc_rec_file *f,
		      struct xc_fdinfo *fi)
{
	struct xc_rec_file *nv;
	uint32_t fd_flags = 0, id;
	bool is_new;
	int err;

	err = describe(d, dfd, fd, f, &fd_flags, fi);
	if (err || !f->kind)
		return err;
	err = xc_file_ids_get(d->file_ids, d->pid, fd, f->dev, f->ino, &id, &is_new);
	if (err)
		return xc_failf(d->ctx, d->pid, "kcmp", err, "fd %d (%s)", fd, f->path);
	if (is_new) {
		nv = realloc(d->ofiles, (d->nr_ofiles + 1) * sizeof(*nv));
		if (!nv)
			return xc_fail(d->ctx, d->pid, "fds", "allocate", -ENOMEM);
		d->ofiles = nv;
		f->id = id;
		d->ofiles[d->nr_ofiles++] = *f;
		err = dump_anon_collect(d, fd, f);
		if (err)
			return err;
		/* Every fd of a description shows its locks: take them once. */
		err = dump_locks_collect(d, fd, f, fi);
		if (err)
			return err;
		if (f->kind == XC_FD_FIFO)
			err = dump_fifo_collect(d, fd, f);
		if (err)
			return err;
		/* Signal-driven I/O also needs the owner (F_SETOWN), not
		 * recorded; a lease sets it too, and is refused above. */
		if ((f->flags & O_ASYNC) && f->kind != XC_FD_SOCKET)
			return unsupported(d, fd, f->path,
					   "O_ASYNC (signal-driven I/O) is not supported yet");
	} else if (xc_fd_kind_is_tty(f->kind)) {
		/* An event object or pty another process of the tree made:
		 * made there at restore and handed over (restorer/handoff.c). */
		bool own = false;

		for (size_t i = 0; i < d->nr_ofiles && !own; i++)
			own = d->ofiles[i].id == id;
		d->shared_pty |= !own;
	}
	return add_fd(d, fd, id, fd_flags);
}

/* Walks fd/ once, while the target is stopped and before the parasite
 * changes anything, and keeps what the image will hold. */
int dump_files_collect(struct xc_dump *d)
{
	struct xc_rec_file *f = malloc(sizeof(*f));
	struct xc_fdinfo *fi = malloc(sizeof(*fi));
	struct dirent *de;
	DIR *dir;
	int dfd, err = 0;

	if (!f || !fi) {
		free(f);
		free(fi);
		return xc_fail(d->ctx, d->pid, "fds", "allocate", -ENOMEM);
	}
	dfd = openat(d->procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		err = xc_fail(d->ctx, d->pid, "fd/", "open", -errno);
		if (dfd >= 0)
			close(dfd);
		free(f);
		free(fi);
		return err;
	}
	while (!err && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		err = collect_fd(d, dfd, atoi(de->d_name), f, fi);
	}
	closedir(dir);
	free(f);
	free(fi);
	if (!err)
		err = dump_tty_collect(d);
	return err ? err : dump_sockets_check(d);
}

/* Each description, the records of the object behind it and its locks,
 * before the first fd that refers to it. */
int dump_files(struct xc_dump *d)
{
	size_t next = 0, lk = 0;
	int err = 0;

	for (size_t i = 0; !err && i < d->nr_fds; i++) {
		if (next < d->nr_ofiles && d->ofiles[next].id == d->fds[i].file_id) {
			err = xc_imgw_put(d->ctx, &d->img, XC_REC_FILE, &d->ofiles[next],
					  sizeof(d->ofiles[0]));
			if (!err)
				err = dump_anon_put(d, d->fds[i].file_id);
			if (!err)
				err = dump_fifo_put(d, d->fds[i].file_id);
			for (; !err && lk < d->nr_locks && d->locks[lk].file_id == d->ofiles[next].id;
			     lk++)
				err = xc_imgw_put(d->ctx, &d->img, XC_REC_LOCK, &d->locks[lk],
						  sizeof(d->locks[0]));
			next++;
		}
		if (!err)
			err = xc_imgw_put(d->ctx, &d->img, XC_REC_FD, &d->fds[i], sizeof(d->fds[i]));
	}
	return err ? err : dump_sockets(d);
}
