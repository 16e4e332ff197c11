/* Unix sockets made in the name of the right process. SO_PEERCRED names
 * the pid, euid and egid of whoever made a socketpair, called listen() on
 * a listener (its clients get those), or connect()ed a client (its
 * accepted end gets those): made by xckpt, every socket would name xckpt.
 * So each of those calls runs in a helper process born with the recorded
 * pid (clone3 with set_tid: a pid of the tree is free until the tree is
 * made, and so is, most often, that of a process gone since) and with the
 * recorded ids where xckpt runs as root; it shares xckpt's fd table
 * (CLONE_FILES) and makes the calls xckpt sends it, one at a time, over a
 * pipe: one helper per pid and ids, ended and reaped once the unix sockets
 * are made (rst_sk_helpers_end). The socket keeps the pid's number for
 * SO_PEERCRED, and the process that gets the pid next is the restored one.
 *
 * Where the pid is taken (a process outside the tree got it since), or
 * under --pidns (the tree's pids are not the pids of xckpt's namespace),
 * the call runs in xckpt, with a warning naming the socket. */
#define LOG_PREFIX "sk-cred: "
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

static void run(struct rst_sk_call *c)
{
	c->ret = 0;
	switch (c->op) {
	case RST_SK_SOCKETPAIR:
		if (socketpair(AF_UNIX, c->type | SOCK_CLOEXEC, 0, c->fds))
			c->ret = -errno;
		break;
	case RST_SK_LISTEN:
		if (listen(c->fd, c->backlog))
			c->ret = -errno;
		break;
	case RST_SK_CONNECT:
		if (connect(c->fd, (const struct sockaddr *)&c->sa, c->sl))
			c->ret = -errno;
		break;
	}
}

/* A helper: the ids (only root may change them; a user's restore has the
 * user's already), then each call asked for on req, answered on resp,
 * until xckpt closes req. It shares xckpt's fd table: it closes nothing. */
static __attribute__((noreturn)) void helper(uint32_t uid, uint32_t gid, int req, int resp)
{
	struct rst_sk_call c;
	int cred_err = 0;

	if (geteuid() == 0 &&
	    (syscall(SYS_setresgid, -1, gid, -1) || syscall(SYS_setresuid, -1, uid, -1)))
		cred_err = -errno;
	while (read(req, &c, sizeof(c)) == sizeof(c)) {
		if (cred_err)
			c.ret = cred_err;
		else
			run(&c);
		if (write(resp, &c, sizeof(c)) != sizeof(c))
			break;
	}
	_exit(0);
}

static void end_one(struct rst_sk_helper *h)
{
	int st;

	close(h->req[1]);
	while (h->real > 0 && waitpid(h->real, &st, __WALL) < 0 && errno == EINTR)
		;
	close(h->req[0]);
	close(h->resp[0]);
	close(h->resp[1]);
}

/* The helper of (pid, uid, gid), started on first use; NULL with *err
 * when it could not be (0: the pid is taken). */
static struct rst_sk_helper *helper_of(struct xc_rsk *k, pid_t pid, uint32_t uid, uint32_t gid,
				       int *err)
{
	struct clone_args ca = { .flags = CLONE_FILES, .exit_signal = SIGCHLD };
	struct rst_sk_helper *h;
	int req[2], resp[2];
	sigset_t all, old;
	pid_t tid = pid;

	for (size_t i = 0; i < k->nr_helpers; i++) {
		if (k->helpers[i].pid != pid)
			continue;
		if (k->helpers[i].uid == uid && k->helpers[i].gid == gid)
			return &k->helpers[i];
		/* The pid with other ids: that helper ends, to free it. */
		end_one(&k->helpers[i]);
		k->helpers[i] = k->helpers[--k->nr_helpers];
		break;
	}
	h = realloc(k->helpers, (k->nr_helpers + 1) * sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	k->helpers = h;
	if (pipe2(req, O_CLOEXEC)) {
		*err = -errno;
		return NULL;
	}
	if (pipe2(resp, O_CLOEXEC)) {
		*err = -errno;
		close(req[0]);
		close(req[1]);
		return NULL;
	}
	ca.set_tid = (uint64_t)(uintptr_t)&tid;
	ca.set_tid_size = 1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	tid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (tid == 0)
		helper(uid, gid, req[0], resp[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (tid < 0) {
		*err = errno == EEXIST ? 0 : -errno;
		close(req[0]), close(req[1]), close(resp[0]), close(resp[1]);
		return NULL;
	}
	h = &k->helpers[k->nr_helpers++];
	*h = (struct rst_sk_helper){ .pid = pid, .uid = uid, .gid = gid, .real = tid,
				     .req = { req[0], req[1] }, .resp = { resp[0], resp[1] } };
	return h;
}

/* The answer, or -ECHILD if the helper died (its end of the pipe is in the
 * shared table, so no end of file would come). */
static int ask(struct rst_sk_helper *h, struct rst_sk_call *c)
{
	struct pollfd p = { .fd = h->resp[0], .events = POLLIN };
	int st;

	if (write(h->req[1], c, sizeof(*c)) != sizeof(*c))
		return -errno;
	for (;;) {
		int n = poll(&p, 1, 100);

		if (n > 0)
			return read(h->resp[0], c, sizeof(*c)) == sizeof(*c) ? 0 : -EIO;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (waitpid(h->real, &st, __WALL | WNOHANG) == h->real) {
			h->real = 0;
			return -ECHILD;
		}
	}
}

int rst_sk_call_as(struct xc_rsk *k, pid_t pid, uint32_t uid, uint32_t gid, struct rst_sk_call *c,
		   const char *obj)
{
	struct rst_sk_helper *h;
	int err = 0;

	c->pid = getpid();
	if (pid <= 0 || pid == getpid() || k->ctx->pidns) {
		run(c);
		return 0;
	}
	h = helper_of(k, pid, uid, gid, &err);
	if (!h && err)
		return err;
	if (!h) {
		xc_warn("%s: its peer credentials name pid %d, which is in use: they name xckpt",
			obj, pid);
		run(c);
		return 0;
	}
	err = ask(h, c);
	if (!err)
		c->pid = pid;
	return err;
}

/* Every helper told to end (its requests' end of file), reaped, and its
 * pipes closed: their pids are free for the tree. */
void rst_sk_helpers_end(struct xc_rsk *k)
{
	for (size_t i = 0; i < k->nr_helpers; i++)
		end_one(&k->helpers[i]);
	free(k->helpers);
	k->helpers = NULL;
	k->nr_helpers = 0;
}
