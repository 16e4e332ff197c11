/* The page server's guard (--lazy). Killed before every page is in
 * (SIGKILL cannot be caught), the page server would take the
 * userfaultfds with it, the kernel would unregister the mappings, and a
 * page not in yet would read as zero. So the server runs as the child of
 * this small process, which holds a copy of every userfaultfd the server
 * serves (sent as it gets them, given back once a process has every page
 * in): while the guard holds one, the mappings stay registered and a
 * fault waits. Should the server end while processes still wait for
 * pages, the guard kills them, and every process descended from them
 * (children forked meanwhile), prints one error line and exits. */
#define LOG_PREFIX "page guard: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

struct held {
	int32_t id;
	pid_t pid;
	int fd;
};

/* Every process whose parent, or parent's parent..., is in set[0, *n). */
static pid_t *add_descendants(pid_t *set, size_t *n, size_t *cap)
{
	bool grew = true;

	while (grew) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		grew = false;
		while (d && (de = readdir(d))) {
			char path[300], buf[512], *rp;
			pid_t pid = (pid_t)atoi(de->d_name), ppid;
			bool in = false, parent_in = false;
			FILE *f;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			f = fopen(path, "re");
			if (!f)
				continue;
			rp = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
			fclose(f);
			if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
				continue;
			for (size_t i = 0; i < *n; i++) {
				in |= set[i] == pid;
				parent_in |= set[i] == ppid;
			}
			if (in || !parent_in)
				continue;
			if (*n == *cap) {
				pid_t *s = realloc(set, (*cap = 2 * *cap + 16) * sizeof(*s));
				if (!s)
					break;
				set = s;
			}
			set[(*n)++] = pid;
			grew = true;
		}
		if (d)
			closedir(d);
	}
	return set;
}

static void kill_waiting(const struct held *h, size_t n, pid_t server, int status)
{
	size_t nk = 0, cap = n + 16;
	pid_t *set = malloc(cap * sizeof(*set));

	for (size_t i = 0; set && i < n; i++)
		if (h[i].pid > 0)
			set[nk++] = h[i].pid;
	if (set)
		set = add_descendants(set, &nk, &cap);
	for (size_t i = 0; set && i < nk; i++)
		kill(set[i], SIGKILL);
	if (WIFSIGNALED(status))
		fprintf(stderr, "xckpt: restore: page server pid %d: killed by signal %d before every "
			"page was in: %zu waiting processes killed\n", server, WTERMSIG(status), nk);
	else
		fprintf(stderr, "xckpt: restore: page server pid %d: exited with status %d before "
			"every page was in: %zu waiting processes killed\n", server,
			WEXITSTATUS(status), nk);
	free(set);
}

static int take(int sock, struct held **h, size_t *n, size_t *cap)
{
	struct rst_guard_msg m;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	if (r < 0 && errno == EINTR)
		return 0;
	if (r != sizeof(m))
		return 1;
	c = CMSG_FIRSTHDR(&mh);
	if (m.op == RST_GUARD_HOLD && c && c->cmsg_type == SCM_RIGHTS) {
		if (*n == *cap) {
			struct held *x = realloc(*h, (*cap = 2 * *cap + 16) * sizeof(*x));
			if (!x)
				return 1;
			*h = x;
		}
		(*h)[*n] = (struct held){ m.id, m.pid, -1 };
		memcpy(&(*h)[(*n)++].fd, CMSG_DATA(c), sizeof(int));
		return 0;
	}
	for (size_t i = 0; i < *n; i++) {
		if ((*h)[i].id != m.id)
			continue;
		if (m.op == RST_GUARD_PID) {
			(*h)[i].pid = m.pid;
		} else if (m.op == RST_GUARD_DONE) {
			close((*h)[i].fd);
			(*h)[i] = (*h)[--*n];
		}
		break;
	}
	return 0;
}

__attribute__((noreturn)) void rst_pageguard_main(struct xc_rtree *t, int sock)
{
	struct held *h = NULL;
	size_t n = 0, cap = 0;
	int g[2], status = 0;
	pid_t server;

	/* A session of its own: the terminal's signals are for the job; and
	 * it must outlive whatever kills xckpt. The server inherits all of
	 * this. */
	setsid();
	prctl(PR_SET_NAME, "xckpt-pages");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, 0);
	{
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "-1000", 5) != 5)
			xc_debug("oom_score_adj: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, g))
		_exit(XC_EXIT_FAIL);
	server = fork();
	if (!server) {
		close(g[0]);
		rst_pagesrv_main(t, sock, g[1]);
	}
	if (server < 0)
		_exit(XC_EXIT_FAIL);
	/* Nothing of the tree, nor the page files: only the server's socket
	 * (and stdin, stdout on /dev/null: a caller reading xckpt's output
	 * must not wait for the guard). */
	close(g[1]);
	if (g[0] != 3 && dup3(g[0], 3, O_CLOEXEC) != 3)
		_exit(XC_EXIT_FAIL);
	close_range(4, ~0U, 0);
	{
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (null > 2)
				close(null);
		}
	}
	while (!take(3, &h, &n, &cap))
		;
	/* Every copy given back: the server waits for this close to say that
	 * every page is in, the mappings unregistered. */
	if (!n)
		close(3);
	while (waitpid(server, &status, 0) < 0 && errno == EINTR)
		;
	if (n)
		kill_waiting(h, n, server, status);
	_exit(n ? XC_EXIT_FAIL : 0);
}
