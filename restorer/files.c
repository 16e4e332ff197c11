/* File descriptors, in the new task (child side). Service fds (the pipe to
 * the parent, the files behind mappings) are first moved above every target
 * fd, then each open file is opened once and dup'ed onto each of its fd
 * numbers, then all that is neither is closed. */
#define LOG_PREFIX "files: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/log.h"
#include "restorer/rst.h"

static int move_high(int fd, int base)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, base);

	if (n >= 0)
		close(fd);
	return n;
}

/* The files behind mappings, opened read-write only where a shared
 * mapping is or may become writable. */
static int open_mapfiles(struct xc_rst *r)
{
	r->file_fds = calloc(r->nr_files + 1, sizeof(int));
	if (!r->file_fds)
		return rst_child_fail(r, "mapped files", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_files; i++) {
		const struct xc_rec_mapfile *f = r->files[i];
		const char *path = r->mapfile_paths[i];
		int mode = O_RDONLY, fd;
		char ghost[64];

		/* A shared mapping that may be made writable later (mprotect)
		 * needs the file open for writing, as it was. */
		for (size_t k = 0; k < r->nr_vmas; k++)
			if (r->vmas[k]->file_id == f->id && r->vmas[k]->kind == XC_VMA_FILE_SHARED &&
			    ((r->vmas[k]->prot & PROT_WRITE) || (r->vmas[k]->flags & XC_VMA_F_MAYWRITE)))
				mode = O_RDWR;
		if (f->ghost_id) {	/* made again by rst_ghosts_create() */
			rst_ghost_path(r, f->ghost_id, ghost, sizeof(ghost));
			path = ghost;
		}
		fd = open(path, mode | O_CLOEXEC | O_NONBLOCK);	/* never hang on a FIFO */
		if (fd < 0)
			return rst_child_fail(r, r->mapfile_paths[i], "open mapped file", -errno);
		fd = move_high(fd, r->svc_base);
		if (fd < 0)
			return rst_child_fail(r, r->mapfile_paths[i], "move mapped file fd", -errno);
		r->file_fds[i] = fd;
	}
	return 0;
}

/* Reopens a file by path with its status flags and offset: the new fd, or
 * -errno with *step naming what failed. Either side may call it. */
static int open_path(const struct xc_rec_file *f, const char *path, const char **step)
{
	int flags = f->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
	int fd, err;

	/* Non-blocking, so that a path that became a FIFO since the check
	 * cannot hang the restore; the recorded flags are set right after. */
	*step = "open";
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*step = "set file status flags";
	if (!(flags & (O_NONBLOCK | O_PATH)) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK))
		goto fail;
	/* O_PATH descriptors have no offset (lseek fails with EBADF). A
	 * directory's offset is where its listing goes on: a cookie of the
	 * filesystem (ext4 hashes, tmpfs indexes) that the same directory
	 * accepts back. */
	*step = "seek";
	if (f->kind == XC_FD_REG && !(f->flags & O_PATH) &&
	    lseek(fd, f->pos, SEEK_SET) != f->pos)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* Creates the open file description of one FILE record as a new fd (close
 * on exec, any number), or -errno with *step. New kinds add a case here and
 * one in tracer/files.c. */
static int open_file(const struct xc_rec_file *f, const char *path, const char **step)
{
	switch (f->kind) {
	case XC_FD_REG:
	case XC_FD_CHR:
	case XC_FD_FIFO:	/* filled by rst_fifos_prepare() */
		return open_path(f, path, step);
	}
	*step = "open";
	return -EINVAL;
}

/* Puts the description open at src on fd n with n's own close-on-exec. */
static int place_fd(struct xc_rst *r, int src, const struct xc_rec_fd *n, const char *obj)
{
	int cloexec = n->fd_flags & XC_FDF_CLOEXEC;

	if (src == n->fd)
		return fcntl(src, F_SETFD, cloexec ? FD_CLOEXEC : 0) ?
			       rst_child_fail(r, obj, "set close-on-exec", -errno) : 0;
	if (dup3(src, n->fd, cloexec ? O_CLOEXEC : 0) < 0)
		return rst_child_fail(r, obj, "dup", -errno);
	return 0;
}

/* One open file and every fd of it (fds[0..n), lowest fd first). An
 * inherited one is the restoring xckpt's own stdio on fds 0-2, and its
 * other fds are dups of the lowest. Anything else is opened once and
 * dup'ed to each fd, so they share offset and flags as before. */
static int restore_file(struct xc_rst *r, const struct xc_rec_file *f,
			const struct xc_rec_fd *const *fds, size_t n)
{
	const char *step;
	char obj[64];
	int src = -1, err = 0;
	bool keep = false;

	snprintf(obj, sizeof(obj), "fd %d (%.40s)", fds[0]->fd, f->path);
	/* Shared with other processes: xckpt opened it before the fork. */
	if (r->tree->file_fds[f->id - 1] >= 0) {
		for (size_t i = 0; !err && i < n; i++)
			err = place_fd(r, r->tree->file_fds[f->id - 1], fds[i], obj);
		return err;
	}
	if (f->kind == XC_FD_INHERIT) {
		/* main() made sure fds 0-2 are open (on /dev/null if xckpt got
		 * them closed), so this is xckpt's own stdio. */
		for (size_t i = 0; !err && i < n && fds[i]->fd <= 2; i++)
			if (fcntl(fds[i]->fd, F_GETFD) < 0)
				err = rst_child_fail(r, obj, "inherit stdio", -errno);
		for (size_t i = 0; !err && i < n; i++)
			err = place_fd(r, fds[i]->fd <= 2 ? fds[i]->fd : fds[0]->fd, fds[i], obj);
		return err ? err : rst_tty_user(r, f, fds[0]->fd, obj);
	}
	if (rst_handoff_expected(r, f)) {
		err = rst_handoff_recv(r, f, obj, &src);
		if (err)
			return err;
	} else if (rst_is_anon_file(f->kind) || rst_is_tty_file(f->kind)) {
		err = rst_anon_open(r, f, obj, &src);
		if (!err && (err = rst_handoff_send(r, f, src, obj)))
			close(src);
		if (err)
			return err;
	} else {
		const char *path = r->tree->file_paths[f->id - 1];
		char ghost[64];

		if (f->ghost_id) {	/* a new description of the file made again */
			rst_ghost_path(r, f->ghost_id, ghost, sizeof(ghost));
			path = ghost;
		}
		src = open_file(f, path, &step);
		if (src < 0)
			return rst_child_fail(r, obj, step, src);
		err = rst_handoff_send(r, f, src, obj);
		if (err) {
			close(src);
			return err;
		}
	}
	for (size_t i = 0; !err && i < n; i++) {
		keep |= src == fds[i]->fd;
		err = place_fd(r, src, fds[i], obj);
	}
	if (!err)
		err = rst_locks_take(r, f->id, fds[0]->fd);
	if (!err && f->kind == XC_FD_CHR)	/* /dev/tty: the termios set on it */
		err = rst_tty_user(r, f, fds[0]->fd, obj);
	if (src >= 0 && (!keep || err))
		close(src);
	return err;
}

static int cmp_fd_by_file(const void *a, const void *b)
{
	const struct xc_rec_fd *x = *(const struct xc_rec_fd *const *)a;
	const struct xc_rec_fd *y = *(const struct xc_rec_fd *const *)b;

	if (x->file_id != y->file_id)
		return x->file_id < y->file_id ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* Each open file once, with all its fds. fd numbers are unique in the image
 * and every service fd sits above them; a new description lands on the
 * lowest free number, which no fd placed before holds, and is closed once
 * placed unless it is one of its own fds: so the order of files is free,
 * but for pty slaves, which need their master (pass 1), and epolls, which
 * need the fds they watch in place (pass 2). */
static int restore_fds(struct xc_rst *r)
{
	const struct xc_rec_fd **by_file = malloc((r->nr_fds + 1) * sizeof(*by_file));
	int err = 0;

	if (!by_file)
		return rst_child_fail(r, "fds", "allocate", -ENOMEM);
	memcpy(by_file, r->fds, r->nr_fds * sizeof(*by_file));
	qsort(by_file, r->nr_fds, sizeof(*by_file), cmp_fd_by_file);
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0, j; !err && i < r->nr_fds; i = j) {
			const struct xc_rec_file *f = r->tree->files[by_file[i]->file_id - 1];

			for (j = i + 1; j < r->nr_fds && by_file[j]->file_id == f->id; j++)
				;
			if ((f->kind == XC_FD_EPOLL ? 2 : f->kind == XC_FD_PTY_SLAVE) == pass)
				err = restore_file(r, f, by_file + i, j - i);
		}
	free(by_file);
	return err;
}

static int raise_nofile(struct xc_rst *r, rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return rst_child_fail(r, "RLIMIT_NOFILE", "getrlimit", -errno);
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need)
		return rst_child_fail(r, "RLIMIT_NOFILE", "hard limit below the highest fd of the image",
				      -EMFILE);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return rst_child_fail(r, "RLIMIT_NOFILE", "setrlimit", -errno);
	return 0;
}

static bool is_target_fd(const struct xc_rst *r, int fd)
{
	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd == fd)
			return true;
	return false;
}

int rst_files(struct xc_rst *r)
{
	const struct xc_rtree *t = r->tree;
	int maxfd = 2, err;

	for (size_t i = 0; i < r->nr_fds; i++)
		if (r->fds[i]->fd > maxfd)
			maxfd = r->fds[i]->fd;
	r->svc_base = maxfd + 1;
	/* Room for every target fd and the service fds above them; the blob
	 * sets the target's own limit at the end. */
	err = raise_nofile(r, (rlim_t)r->svc_base + r->nr_files +
				 r->nr_ghosts + r->nr_fifos + 8);
	if (err)
		return err;
	/* The pipe first, at the base; then nothing inherited stays above it. */
	if (r->errfd != r->svc_base) {
		if (dup3(r->errfd, r->svc_base, O_CLOEXEC) < 0)
			return rst_child_fail(r, "parent pipe", "move above the target's fds", -errno);
		close(r->errfd);
		r->errfd = r->svc_base;
	}
	/* Nothing inherited stays above it but the descriptions xckpt opened
	 * for several processes, until they are placed. */
	if (close_range(r->svc_base + 1, t->shared_base - 1, 0) ||
	    close_range(t->shared_base + t->nr_shared, ~0U, 0))
		return rst_child_fail(r, "inherited fds", "close_range", -errno);
	err = rst_ghosts_create(r, r->svc_base);
	if (!err)
		err = open_mapfiles(r);
	if (!err)
		err = rst_shmem_take(r);
	if (!err)
		err = rst_fifos_prepare(r);
	if (!err)
		err = restore_fds(r);
	rst_fifos_release(r);
	rst_ghosts_close(r);
	if (!err && t->nr_shared && close_range(t->shared_base, t->shared_base + t->nr_shared - 1, 0))
		err = rst_child_fail(r, "shared files", "close_range", -errno);
	if (err)
		return err;
	for (int fd = 0; fd < r->svc_base; fd++)
		if (!is_target_fd(r, fd))
			close(fd);
	return 0;
}

static int highest_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int max = 2;

	while (d && (de = readdir(d)))
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	if (d)
		closedir(d);
	return max;
}

/* Opened by xckpt: what several processes share, and every pipe (both
 * ends must exist together, filled, before any process reads or writes). */
static bool by_xckpt(const struct xc_rec_file *f, uint32_t users)
{
	/* Sockets, shared or not, are made next (sockets.c). */
	return f->kind == XC_FD_PIPE ||
	       (users > 1 && f->kind != XC_FD_INHERIT && f->kind != XC_FD_SOCKET &&
		!rst_handoff_wanted(f, users));
}

/* How many processes have an fd on each FILE id; the highest fd of all. */
static uint32_t *count_users(const struct xc_rtree *t, int *maxfd)
{
	uint32_t *users = calloc(t->nr_files + 1, sizeof(*users));

	*maxfd = 2;
	for (size_t i = 0; users && i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];
		for (size_t k = 0; k < r->nr_fds; k++) {
			const struct xc_rec_fd *fd = r->fds[k];
			bool again = false;
			if (fd->fd > *maxfd)
				*maxfd = fd->fd;
			for (size_t j = 0; j < k && !again; j++)
				again = r->fds[j]->file_id == fd->file_id;
			users[fd->file_id] += !again;
		}
	}
	return users;
}

/* The descriptions opened, at any numbers, move to one block above every
 * fd of the image and every fd xckpt holds, so that no process's dup3()
 * onto its own fds can hit one it has yet to place. */
static int move_to_block(struct xc_rtree *t, int maxfd)
{
	struct rlimit rl;
	uint32_t k = 0;

	t->shared_base = maxfd + 64;
	if (t->shared_base <= highest_fd())
		t->shared_base = highest_fd() + 1;
	/* Room for them: the soft limit up to the hard one if need be. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)t->shared_base + t->nr_shared + 1) {
		rl.rlim_cur = (rlim_t)t->shared_base + t->nr_shared + 1;
		if (rl.rlim_cur > rl.rlim_max || setrlimit(RLIMIT_NOFILE, &rl))
			return xc_failf(t->ctx, 0, "raise RLIMIT_NOFILE", rl.rlim_cur > rl.rlim_max ?
					-EMFILE : -errno, "open files (%u shared, fds up to %d)",
					t->nr_shared, maxfd);
	}
	for (size_t id = 1; id <= t->nr_files; id++) {
		int fd = t->file_fds[id - 1];

		if (fd < 0)
			continue;
		if (dup3(fd, t->shared_base + (int)k, O_CLOEXEC) < 0)
			return xc_failf(t->ctx, 0, "move above the image's fds", -errno,
					"open file %zu (%s)", id, t->files[id - 1]->path);
		close(fd);
		t->file_fds[id - 1] = t->shared_base + (int)k++;
	}
	for (size_t i = 0; t->handoff && i < 2 * t->nr_files; i++) {
		if (t->handoff[i] < 0)
			continue;
		if (dup3(t->handoff[i], t->shared_base + (int)k, O_CLOEXEC) < 0)
			return xc_failf(t->ctx, 0, "move above the image's fds", -errno,
					"socketpair of open file %zu", i / 2 + 1);
		close(t->handoff[i]);
		t->handoff[i] = t->shared_base + (int)k++;
	}
	for (size_t i = 0; i < t->nr_sghosts; i++) {
		if (t->sghosts[i].fd < 0)
			continue;
		if (dup3(t->sghosts[i].fd, t->shared_base + (int)k, O_CLOEXEC) < 0)
			return xc_failf(t->ctx, 0, "move above the image's fds", -errno,
					"%s (nameless file)", t->sghosts[i].g->path);
		close(t->sghosts[i].fd);
		t->sghosts[i].fd = t->shared_base + (int)k++;
	}
	for (size_t i = 0; i < t->nr_shms; i++) {
		if (t->shms[i].fd < 0)
			continue;
		if (dup3(t->shms[i].fd, t->shared_base + (int)k, O_CLOEXEC) < 0)
			return xc_failf(t->ctx, 0, "move above the image's fds", -errno,
					"shared memory object %u", t->shms[i].ino);
		close(t->shms[i].fd);
		t->shms[i].fd = t->shared_base + (int)k++;
	}
	return 0;
}

/* Parent side, before the tree is created: each open file description that
 * several processes share, and each pipe, is opened here once, and every
 * process inherits it and dup3()s it onto its fds. */
int rst_files_open_shared(struct xc_rtree *t)
{
	int maxfd, err = 0;
	uint32_t *users = count_users(t, &maxfd);

	if (!users)
		return xc_fail(t->ctx, 0, "open files", "allocate", -ENOMEM);
	err = rst_handoff_open(t, users);
	if (!err)
		err = rst_ghosts_shared(t, users);
	for (size_t i = 0; !err && i < t->nr_sghosts; i++)
		t->nr_shared += t->sghosts[i].fd >= 0;
	for (size_t id = 1; !err && id <= t->nr_files; id++) {
		const struct xc_rec_file *f = t->files[id - 1];
		const char *step;
		int fd;

		if (!by_xckpt(f, users[id]))
			continue;
		if (f->kind != XC_FD_REG && f->kind != XC_FD_CHR && f->kind != XC_FD_PIPE) {
			t->ctx->exit_hint = XC_EXIT_IMAGE;
			err = xc_failf(t->ctx, 0, "shared by several processes: not supported for this "
				       "kind yet", -ENOTSUP, "open file %u (%s)", f->id, f->path);
			break;
		}
		if (f->ghost_id) {	/* a new description of the file made above */
			char ghost[64];

			snprintf(ghost, sizeof(ghost), "/proc/self/fd/%d", rst_ghost_shared_fd(t, f));
			fd = open_file(f, ghost, &step);
		} else {
			fd = f->kind == XC_FD_PIPE ? rst_pipe_open(t, f, &step) :
							open_file(f, t->file_paths[id - 1], &step);
		}
		if (fd < 0)
			err = xc_failf(t->ctx, 0, step, fd, "open file %u (%s)", f->id, f->path);
		else
			t->file_fds[id - 1] = fd;
		t->nr_shared++;
	}
	rst_pipes_close(t);
	if (!err)
		err = rst_shmem_create(t);
	for (size_t i = 0; !err && i < t->nr_shms; i++)
		t->nr_shared += t->shms[i].fd >= 0;
	if (!err)
		err = move_to_block(t, maxfd);
	free(users);
	return err;
}
