/* Named pipes (FIFOs). A FIFO is reopened by path at restore, like a file;
 * what it holds lives only in the kernel, so its unread bytes and its
 * capacity are saved (FIFO record, one per FIFO whatever the number of
 * descriptions), read without taking them (pipe-data.c). A FIFO that a
 * process outside the dump also holds is refused: its data would be the
 * outsider's too. With --ext-pipe it is kept instead: the outsider keeps
 * the FIFO and its data alive, and restore only opens it again. */
#define LOG_PREFIX "fifo: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

static int refuse(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "fd %d (%s)", fd, f->path);
}

/* A descriptor of xckpt's that reads the FIFO: the target's own
 * description when it reads (no new open, which would wake a writer that
 * waits for a reader), else a new read-only open through its link. */
static int reader(struct xc_dump *d, int fd, const struct xc_rec_file *f)
{
	char link[32];
	int pidfd, copy;

	if ((f->flags & O_ACCMODE) != O_WRONLY) {
		pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
		if (pidfd < 0)
			return -errno;
		copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		if (copy < 0)
			copy = -errno;
		close(pidfd);
		return copy;
	}
	snprintf(link, sizeof(link), "fd/%d", fd);
	copy = openat(d->procfd, link, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return copy < 0 ? -errno : copy;
}

static bool is_tree_member(const struct xc_dump *d, pid_t pid)
{
	for (size_t i = 0; d->tree && i < d->tree->nr; i++)
		if (d->tree->p[i].pid == pid)
			return true;
	return false;
}

/* A new description of a FIFO, at fd: its FIFO record, unless another
 * description of the same FIFO made it already. */
int dump_fifo_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f)
{
	struct xc_dump_fifo *nv, *q;
	pid_t mine[2] = { getpid(), d->pid }, who = 0;
	void *data = NULL;
	size_t len = 0;
	uint32_t cap = 0, flags = 0;
	int rfd, err;

	for (size_t i = 0; i < d->nr_fifos; i++)
		if (d->fifos[i].rec.ino == f->ino && d->fifos[i].rec.dev == f->dev)
			return 0;
	/* Packet mode: tee() and a refill would not keep the packets. */
	if (f->flags & O_DIRECT)
		return refuse(d, fd, f, "FIFO in packet mode (O_DIRECT) is not supported");
	/* Restore fills a FIFO in one process: another process of the dump
	 * that holds it is refused too. */
	err = xc_pipe_outside_holder(mine, 2, (dev_t)f->dev, (ino_t)f->ino, &who);
	if (err)
		return xc_failf(d->ctx, d->pid, "look for other holders", err, "fd %d (%s)", fd,
				f->path);
	if (who && is_tree_member(d, who))
		return refuse(d, fd, f, "FIFO shared by several processes of the dump is not "
			      "supported yet");
	if (who && !d->ctx->ext_pipe) {
		char why[128];

		snprintf(why, sizeof(why), "FIFO is also open in pid %d, outside the dump "
			 "(--ext-pipe keeps it)", who);
		return refuse(d, fd, f, why);
	}
	rfd = reader(d, fd, f);
	if (rfd < 0)
		return xc_failf(d->ctx, d->pid, "open a reader", rfd, "fd %d (%s)", fd, f->path);
	if (who) {
		flags = XC_FIFO_EXTERNAL;
		cap = (uint32_t)fcntl(rfd, F_GETPIPE_SZ);
	} else {
		err = xc_pipe_peek(rfd, &data, &len, &cap);
	}
	close(rfd);
	if (err)
		return xc_failf(d->ctx, d->pid, "read its unread data", err, "fd %d (%s)", fd,
				f->path);
	nv = realloc(d->fifos, (d->nr_fifos + 1) * sizeof(*nv));
	if (!nv) {
		free(data);
		return xc_fail(d->ctx, d->pid, "FIFOs", "allocate", -ENOMEM);
	}
	d->fifos = nv;
	q = &d->fifos[d->nr_fifos++];
	memset(q, 0, sizeof(*q));
	q->rec = (struct xc_rec_fifo){ .file_id = f->id, .capacity = cap, .flags = flags,
				       .dev = f->dev, .ino = f->ino, .len = len };
	q->data = data;
	return 0;
}

/* After the FILE record that made it. */
int dump_fifo_put(struct xc_dump *d, uint32_t file_id)
{
	for (size_t i = 0; i < d->nr_fifos; i++)
		if (d->fifos[i].rec.file_id == file_id)
			return xc_imgw_put2(d->ctx, &d->img, XC_REC_FIFO, &d->fifos[i].rec,
					    sizeof(d->fifos[i].rec), d->fifos[i].data,
					    d->fifos[i].rec.len);
	return 0;
}

void dump_fifos_free(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_fifos; i++)
		free(d->fifos[i].data);
	free(d->fifos);
}
