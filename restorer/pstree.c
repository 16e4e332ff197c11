/* Creating the tree with its original pids: clone3 with set_tid, parents
 * before children, each process a fork-like copy of xckpt that forks its own
 * children. At birth a process makes its session (setsid) or group
 * (setpgid) as a leader, forks its children, tells xckpt its pid (born) and
 * waits. Once every process is born and seized, xckpt lets them all go: each
 * joins its group (every leader exists by then), a zombie exits with its
 * status, a live process restores itself (rst_process_main). A session or
 * group whose leader is outside the image is the one inherited from xckpt.
 *
 * With --pidns, an init process in a new pid namespace (pid 1 there) creates
 * the roots, so each process has its original pid inside the namespace. */
#define LOG_PREFIX "pstree: "
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

static pid_t clone_with_pid(pid_t pid, uint64_t flags)
{
	struct clone_args args;
	pid_t tid = pid;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	if (pid) {
		args.set_tid = (uint64_t)(uintptr_t)&tid;
		args.set_tid_size = 1;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static bool in_tree(const struct xc_rtree *t, uint32_t pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->procs[i].rec->pid == pid)
			return true;
	return false;
}

static void send_msg(int fd, int type, pid_t pid, const char *obj, const char *step, int err)
{
	struct xc_rst_msg m = { .type = type, .err = err, .pid = pid };

	snprintf(m.obj, sizeof(m.obj), "%s", obj);
	snprintf(m.step, sizeof(m.step), "%s", step);
	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(XC_EXIT_FAIL);
}

static __attribute__((noreturn)) void birth_fail(struct xc_rst *r, pid_t pid, const char *obj,
						 const char *step, int err)
{
	send_msg(r->msg[1], 2, pid, obj, step, err);
	_exit(XC_EXIT_FAIL);
}

/* Our pid as xckpt sees it: /proc is the mount of xckpt's namespace. */
static pid_t outer_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return getpid();
	buf[n] = 0;
	return (pid_t)atoi(buf);
}

static const char *clone_step(int err)
{
	return err == -EEXIST ? "pid is in use (clone3 with set_tid)" : "clone3 with this pid";
}

/* The pipes of every other process go, with a few close_range() calls on
 * their block (pipes_to_block): each process does it, so it must not cost
 * a close per process. */
static void close_pipes_but(struct xc_rtree *t, size_t keep)
{
	int base = t->pipe_base;

	if (keep > 0)
		close_range((unsigned)base, (unsigned)(base + 4 * (int)keep - 1), 0);
	if (keep + 1 < t->nr)
		close_range((unsigned)(base + 4 * (int)keep + 4), (unsigned)(base + 4 * (int)t->nr - 1), 0);
	/* The other processes' numbers stay in their struct xc_rst: nothing
	 * here uses them again, and writing them would copy every page of
	 * t->procs into every process. */
	if (keep < t->nr) {
		close(t->procs[keep].go[1]);
		close(t->procs[keep].msg[0]);
		t->procs[keep].go[1] = t->procs[keep].msg[0] = -1;
	}
}

static __attribute__((noreturn)) void zombie_exit(struct xc_rst *r)
{
	int st = (int)r->rec->exit_status;
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t one;

	prctl(PR_SET_NAME, r->rec->comm);	/* what its parent and ps see */
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	prctl(PR_SET_DUMPABLE, 0);	/* no core: the dump refused zombies that dumped one */
	sigaction(WTERMSIG(st), &sa, NULL);
	sigemptyset(&one);
	sigaddset(&one, WTERMSIG(st));
	kill(getpid(), WTERMSIG(st));
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	_exit(XC_EXIT_FAIL);
}

static __attribute__((noreturn)) void tree_child(struct xc_rtree *t, size_t i, unsigned depth)
{
	struct xc_rst *r = &t->procs[i];
	pid_t me = (pid_t)r->rec->pid;
	bool root = !r->rec->ppid, leader = false;
	const char *step;
	char go;
	int err;

	r->errfd = r->msg[1];
	/* A stopped job restored with --detach gets a session of its own:
	 * left in an orphaned group when xckpt exits, the kernel would send it
	 * SIGHUP, which kills it. */
	if (r->rec->sid == (uint32_t)me ||
	    (root && !in_tree(t, r->rec->sid) &&
	     (t->ctx->new_session ||
	      (r->thread && (r->thread->flags & XC_THR_STOPPED) && t->ctx->detach)))) {
		if (setsid() < 0)
			birth_fail(r, me, "session", "setsid", -errno);
		leader = true;
	}
	if (!leader && r->rec->pgid == (uint32_t)me && setpgid(0, 0))
		birth_fail(r, me, "process group", "setpgid", -errno);
	err = rst_tty_user_ctty_take(t, r, &step);
	if (err)
		birth_fail(r, me, "controlling terminal", step, err);
	/* The pipes of the processes before it in the image go before it
	 * forks: none of them is a descendant (parents come first), and a fork
	 * copies every open fd that each child then closes again. */
	if (i > 0)
		close_range((unsigned)t->pipe_base, (unsigned)(t->pipe_base + 4 * (int)i - 1), 0);
	/* Before its first fork (forkmem.c). */
	for (size_t j = i + 1; j < t->nr; j++)
		if (t->procs[j].rec->ppid == (uint32_t)me) {
			err = rst_forkmem_fresh(t, depth, &step);
			if (err)
				birth_fail(r, me, "process", step, err);
			break;
		}
	for (size_t j = i + 1; j < t->nr; j++) {
		pid_t c;

		if (t->procs[j].rec->ppid != (uint32_t)me)
			continue;
		c = clone_with_pid((pid_t)t->procs[j].rec->pid, 0);
		if (c == 0)
			tree_child(t, j, depth + 1);
		if (c < 0)
			birth_fail(r, (pid_t)t->procs[j].rec->pid, "process", clone_step(-errno),
				   -errno);
	}
	close_pipes_but(t, i);
	send_msg(r->msg[1], 3, outer_pid(), "", "", 0);
	if (read(r->go[0], &go, 1) != 1)
		_exit(XC_EXIT_FAIL);	/* xckpt gave up */
	close(r->go[0]);
	/* Every leader exists now. A group outside the image: the one
	 * inherited at birth. */
	if (r->rec->pgid != (uint32_t)me && in_tree(t, r->rec->pgid) &&
	    getpgrp() != (pid_t)r->rec->pgid && setpgid(0, (pid_t)r->rec->pgid))
		birth_fail(r, me, "process group", "setpgid (join)", -errno);
	if (r->rec->flags & XC_PROC_ZOMBIE)
		zombie_exit(r);
	rst_process_main(r);
}

/* Child side, before the dispositions are set: each zombie child has
 * exited (not reaped: its parent does that), and the SIGCHLD it sent is
 * taken back; the image's own pending signals are queued later. */
int rst_tree_wait_zombies(struct xc_rst *r)
{
	struct xc_rtree *t = r->tree;
	bool any = false;

	for (size_t j = 0; j < t->nr; j++) {
		const struct xc_rec_process *c = t->procs[j].rec;
		siginfo_t si;

		if (c->ppid != (uint32_t)r->pid || !(c->flags & XC_PROC_ZOMBIE))
			continue;
		while (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOWAIT) < 0)
			if (errno != EINTR) {
				char obj[32];
				snprintf(obj, sizeof(obj), "zombie %u", c->pid);
				return rst_child_fail(r, obj, "wait for it to exit", -errno);
			}
		any = true;
	}
	if (any) {
		struct timespec zero = { 0, 0 };
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		while (sigtimedwait(&chld, NULL, &zero) == SIGCHLD)
			;
	}
	return 0;
}

/* xckpt, or the namespace's init: the processes whose parent is not in the
 * image. */
static int create_roots(struct xc_rtree *t, size_t *failed)
{
	for (size_t i = 0; i < t->nr; i++) {
		pid_t c;

		if (t->procs[i].rec->ppid)
			continue;
		c = clone_with_pid((pid_t)t->procs[i].rec->pid, 0);
		if (c == 0)
			tree_child(t, i, 1);
		if (c < 0) {
			*failed = i;
			return -errno;
		}
	}
	return 0;
}

/* The init of a --pidns namespace: creates the roots, then reaps whatever
 * is orphaned to it, and ends with the first root's status once no child
 * is left (the namespace ends with it). */
static __attribute__((noreturn)) void ns_init(struct xc_rtree *t)
{
	pid_t root = (pid_t)t->procs[0].rec->pid;
	size_t failed = 0;
	int err = create_roots(t, &failed), status, ret = XC_EXIT_FAIL;

	/* Told through the pipe of the root that could not be made. */
	if (err)
		send_msg(t->procs[failed].msg[1], 2, (pid_t)t->procs[failed].rec->pid, "process",
			 clone_step(err), err);
	close_pipes_but(t, t->nr);
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == root)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	_exit(ret);
}

static int read_born(struct xc_rtree *t, struct xc_rst *r)
{
	struct xc_rst_msg m;
	ssize_t n;

	do
		n = read(r->msg[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(m))
		return xc_fail(t->ctx, (pid_t)r->rec->pid, "process", "died before it was born",
			       -ECHILD);
	if (m.type == 2)
		return xc_fail(t->ctx, m.pid, m.obj, m.step, m.err);
	if (m.type != 3 || m.pid <= 0)
		return xc_fail(t->ctx, (pid_t)r->rec->pid, "process", "unexpected message", -EPROTO);
	r->real_pid = m.pid;
	return 0;
}

/* Process i's pipes at pipe_base + 4i .. + 3 (go read, go write, msg read,
 * msg write), above every fd xckpt holds. */
static int pipes_to_block(struct xc_rtree *t)
{
	int base = t->shared_base + (int)t->nr_shared;
	struct rlimit rl;

	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];
		int m = r->go[0] > r->go[1] ? r->go[0] : r->go[1];
		m = m > r->msg[0] ? m : r->msg[0];
		m = m > r->msg[1] ? m : r->msg[1];
		base = base > m + 1 ? base : m + 1;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)base + 4 * t->nr + 1) {
		rl.rlim_cur = (rlim_t)base + 4 * t->nr + 1;
		if (rl.rlim_cur > rl.rlim_max || setrlimit(RLIMIT_NOFILE, &rl))
			return xc_failf(t->ctx, 0, "raise RLIMIT_NOFILE", -EMFILE,
					"pipes to %zu processes", t->nr);
	}
	t->pipe_base = base;
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];
		int *fds[4] = { &r->go[0], &r->go[1], &r->msg[0], &r->msg[1] };

		for (int e = 0; e < 4; e++) {
			int to = base + 4 * (int)i + e;
			if (dup3(*fds[e], to, O_CLOEXEC) < 0)
				return xc_fail(t->ctx, (pid_t)r->rec->pid, "pipes", "move", -errno);
			close(*fds[e]);
			*fds[e] = to;
		}
	}
	return 0;
}

int rst_tree_create(struct xc_rtree *t)
{
	sigset_t all, old;
	size_t failed = 0;
	int err = rst_tty_user_ctty_prepare(t);

	if (!err)
		err = rst_files_open_shared(t);

	if (!err)
		err = rst_sockets_open(t);

	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];
		if (pipe2(r->go, O_CLOEXEC) || pipe2(r->msg, O_CLOEXEC))
			return xc_fail(t->ctx, (pid_t)r->rec->pid, "pipes", "create", -errno);
	}
	if (!err)
		err = pipes_to_block(t);
	/* Last: nothing of xckpt may be unmapped between the list and the
	 * forks. */
	if (!err)
		err = rst_forkmem_plan(t);
	if (err)
		return err;
	/* Nothing of xckpt's may run in a new process: it blocks all signals
	 * until its restorer sets its own mask. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (t->ctx->pidns) {
		t->init_pid = clone_with_pid(0, CLONE_NEWPID);
		if (t->init_pid == 0)
			ns_init(t);
		if (t->init_pid < 0)
			err = xc_fail(t->ctx, 0, "pid namespace", "clone3 (CLONE_NEWPID)", -errno);
	} else {
		err = create_roots(t, &failed);
		if (err)
			err = xc_fail(t->ctx, (pid_t)t->procs[failed].rec->pid, "process",
				      clone_step(err), err);
	}
	t->roots_created = true;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (t->ctty_fd >= 0)	/* the roots have it, and give it to theirs */
		close(t->ctty_fd);
	t->ctty_fd = -1;
	for (size_t i = 0; i < t->nr; i++) {
		close(t->procs[i].go[0]);
		close(t->procs[i].msg[1]);
		t->procs[i].go[0] = t->procs[i].msg[1] = -1;
	}
	/* Read in image order: a process is seized before it goes on, and
	 * every process waits for its go until all are born. */
	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];

		err = read_born(t, r);
		if (err || (r->rec->flags & XC_PROC_ZOMBIE))
			continue;
		/* Filters the blob installs must not judge the rest of the
		 * restore: suspended until the detach (seccomp.c). */
		if (ptrace(PTRACE_SEIZE, r->real_pid, 0,
			   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
				   (r->seccomp ? PTRACE_O_SUSPEND_SECCOMP : 0)))
			err = xc_fail(t->ctx, (pid_t)r->rec->pid, "process", "ptrace seize", -errno);
		else
			r->seized = true;
	}
	for (size_t i = 0; !err && i < t->nr; i++)
		if (write(t->procs[i].go[1], "g", 1) != 1)
			err = xc_fail(t->ctx, (pid_t)t->procs[i].rec->pid, "process", "start", -errno);
	return err;
}

void rst_tree_kill(struct xc_rtree *t)
{
	/* Processes not seized yet read the end of their go pipe and exit. */
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];
		if (r->go[1] >= 0) {
			close(r->go[1]);
			r->go[1] = -1;
		}
		if (r->seized)
			kill(r->real_pid, SIGKILL);
	}
	if (t->init_pid > 0)
		kill(t->init_pid, SIGKILL);
	if (!t->roots_created)
		return;
	/* Reap our children: the roots, or the init. */
	for (;;) {
		pid_t w = waitpid(-1, NULL, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
	}
}
