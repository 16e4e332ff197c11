/* Unix sockets made in the name of the right process. SO_PEERCRED names
 * the pid, euid and egid of whoever made a socketpair, called listen() on
 * a listener (its clients get those), or connect()ed a client (its
 * accepted end gets those): made by xckpt, every socket would name xckpt.
 * So each of those calls runs in a short-lived process born with the
 * recorded pid (clone3 with set_tid: a pid of the tree is free until the
 * tree is made, and so is, most often, that of a process gone since) and
 * with the recorded ids where xckpt runs as root; it shares xckpt's fd
 * table (CLONE_FILES), makes the call and exits. The socket keeps the pid's
 * number for SO_PEERCRED after the helper is reaped, and the process that
 * gets the pid next is the restored one.
 *
 * Where the pid is taken (a process outside the tree got it since), or
 * under --pidns (the tree's pids are not the pids of xckpt's namespace),
 * the call runs in xckpt, with a warning naming the socket. */
#define LOG_PREFIX "sk-cred: "
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
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

/* The helper: the ids (only root may change them; a user's restore has the
 * user's already), the call, its result to the pipe. Async-signal-safe. */
static __attribute__((noreturn)) void helper(struct rst_sk_call *c, uint32_t uid, uint32_t gid,
					     int out)
{
	if (geteuid() == 0 &&
	    (syscall(SYS_setresgid, -1, gid, -1) || syscall(SYS_setresuid, -1, uid, -1)))
		c->ret = -errno;
	else
		run(c);
	if (write(out, c, sizeof(*c)) != sizeof(*c))
		_exit(1);
	_exit(0);
}

int rst_sk_call_as(struct xc_rsk *k, pid_t pid, uint32_t uid, uint32_t gid, struct rst_sk_call *c,
		   const char *obj)
{
	struct clone_args ca = { .flags = CLONE_FILES, .exit_signal = SIGCHLD };
	sigset_t all, old;
	pid_t tid = pid, got;
	int p[2], st;
	ssize_t n;

	c->pid = getpid();
	if (pid <= 0 || pid == getpid() || k->ctx->pidns) {
		run(c);
		return 0;
	}
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	ca.set_tid = (uint64_t)(uintptr_t)&tid;
	ca.set_tid_size = 1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	got = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (got == 0)
		helper(c, uid, gid, p[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (got < 0) {
		close(p[0]);
		close(p[1]);
		xc_warn("%s: its peer credentials name pid %d, which is in use: they name xckpt",
			obj, pid);
		run(c);
		return 0;
	}
	/* The fd table is the helper's too: the pipe stays open until it is
	 * gone, and its answer waits in the pipe. */
	while (waitpid(got, &st, __WALL) < 0 && errno == EINTR)
		;
	close(p[1]);
	do
		n = read(p[0], c, sizeof(*c));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != sizeof(*c))
		return -ECHILD;
	c->pid = pid;
	return 0;
}
