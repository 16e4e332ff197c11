/* Pipes between the processes of a tree (tracer/pipes.c), made again by
 * xckpt before it creates any process: each with its capacity and its
 * unread bytes, its first read and first write description being the two
 * ends of pipe2(), any further one opened through /proc/self/fd. Every
 * process inherits them and dup3()s them onto its fds (files.c). */
#define LOG_PREFIX "pipes: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* The pipe made, with its capacity and data (pipe-data.c). */
static int make(struct xc_rtree *t, size_t i)
{
	const struct xc_rec_pipe *p = t->pipes[i];

	if (pipe2(t->pipe_ends[i], O_CLOEXEC))
		return -errno;
	return rst_pipe_fill(t->pipe_ends[i][1], p->capacity, p + 1, p->len);
}

/* A new fd on the description of FILE f (kind XC_FD_PIPE) with its status
 * flags, or -errno with *step. */
int rst_pipe_open(struct xc_rtree *t, const struct xc_rec_file *f, const char **step)
{
	int acc = f->flags & O_ACCMODE, fd, err;
	size_t i;

	for (i = 0; i < t->nr_pipes && t->pipes[i]->ino != f->ino; i++)
		;
	*step = "find its pipe record";
	if (i == t->nr_pipes)
		return -ENOENT;
	*step = "make the pipe";
	if (t->pipe_ends[i][0] < 0 && (err = make(t, i)))
		return err;
	/* The first of each direction is the pipe's own end; another one
	 * (a pipe opened again through /proc) a description of its own. */
	if (!(t->pipe_used[i] & (1u << acc))) {
		t->pipe_used[i] |= 1u << acc;
		*step = "dup";
		fd = fcntl(t->pipe_ends[i][acc == O_WRONLY], F_DUPFD_CLOEXEC, 3);
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", t->pipe_ends[i][acc == O_WRONLY]);
		*step = "open another description";
		fd = open(path, acc | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	*step = "set file status flags";
	if (fcntl(fd, F_SETFL, f->flags & ~O_ACCMODE)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Once every description is taken: the ends themselves go. */
void rst_pipes_close(struct xc_rtree *t)
{
	for (size_t i = 0; t->pipe_ends && i < t->nr_pipes; i++)
		for (int e = 0; e < 2; e++)
			if (t->pipe_ends[i][e] >= 0) {
				close(t->pipe_ends[i][e]);
				t->pipe_ends[i][e] = -1;
			}
}
