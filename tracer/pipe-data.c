/* What a pipe holds, read without taking it: the bytes still unread in a
 * pipe (named or not) and its capacity, and whether processes outside the
 * dump hold it too. For FIFOs (fifo.c) and for the pipes between the
 * processes of a tree. */
#define LOG_PREFIX "pipe-data: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* Copies the unread bytes of the pipe that rfd (a descriptor of xckpt's,
 * open for reading on it) reads from into a malloc'd *data, leaving them
 * in the pipe: tee() duplicates the pipe's buffers into a pipe of the same
 * capacity, which is then read. The pipe must not be read or written
 * meanwhile (its users are stopped). 0, or -errno. */
int xc_pipe_peek(int rfd, void **data, size_t *len, uint32_t *capacity)
{
	int p[2], avail = 0, cap, err = 0;
	ssize_t got = 0, n;
	char *buf;

	*data = NULL;
	*len = 0;
	cap = fcntl(rfd, F_GETPIPE_SZ);
	if (cap < 0 || ioctl(rfd, FIONREAD, &avail))
		return -errno;
	*capacity = (uint32_t)cap;
	buf = malloc((size_t)avail + 1);
	if (!buf)
		return -ENOMEM;
	if (!avail) {
		*data = buf;
		return 0;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK)) {
		free(buf);
		return -errno;
	}
	/* As many slots as the pipe has: tee takes its buffers whole. */
	if (fcntl(p[1], F_SETPIPE_SZ, cap) < 0)
		err = -errno;
	if (!err) {
		n = tee(rfd, p[1], (size_t)avail, SPLICE_F_NONBLOCK);
		if (n < 0)
			err = -errno;
		else if (n != avail)
			err = -EAGAIN;	/* the pipe changed under us, or tee stopped short */
	}
	while (!err && got < avail) {
		n = read(p[0], buf + got, (size_t)(avail - got));
		if (n <= 0)
			err = n < 0 ? -errno : -EIO;
		else
			got += n;
	}
	close(p[0]);
	close(p[1]);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*len = (size_t)avail;
	return 0;
}

static bool in(const pid_t *pids, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* A process other than pids[0..n) with a descriptor on the pipe or FIFO
 * (dev, ino): its pid in *who, or 0. Reads every /proc/PID/fd. */
int xc_pipe_outside_holder(const pid_t *pids, size_t n, dev_t dev, ino_t ino, pid_t *who)
{
	struct dirent *pe, *fe;
	DIR *procs, *fds;
	char path[64];
	struct stat st;

	*who = 0;
	procs = opendir("/proc");
	if (!procs)
		return -errno;
	while (!*who && (pe = readdir(procs))) {
		pid_t pid = (pid_t)atoi(pe->d_name);

		if (pid <= 0 || in(pids, n, pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or a kernel thread */
		while (!*who && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			if (!fstatat(dirfd(fds), fe->d_name, &st, 0) && st.st_dev == dev &&
			    st.st_ino == ino && S_ISFIFO(st.st_mode))
				*who = pid;
		}
		closedir(fds);
	}
	closedir(procs);
	return 0;
}
