/* The restore, in order: read and check the whole image → create the tree
 * with its pids, sessions and groups (pstree.c) → in each process: files,
 * fs, task, signals, then the blob (which attaches the System V segments
 * xckpt made first) → in xckpt, process by process: pages,
 * then follow the blob's return into the target and remove the blob, then
 * plugins' restore → let every process go at once → plugins' resume → wait
 * or detach. This file only orders the
 * phases. */
#define LOG_PREFIX "restore: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/restore.h"
#include "restorer/rst.h"

/* In the new process, traced by xckpt: die with the parent until done. */
void rst_process_main(struct xc_rst *r)
{
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	err = rst_tree_wait_zombies(r);
	if (!err)
		err = rst_files(r);
	if (!err)
		err = rst_fs(r);
	if (!err)
		err = rst_task(r);
	if (!err)
		err = rst_tty_ctty(r);
	if (!err)
		err = rst_attrs(r);
	if (!err)
		err = rst_sigs(r);
	if (!err)
		err = rst_timers(r);
	if (!err)
		err = rst_mm_switch(r);
	_exit(XC_EXIT_FAIL);
}

static int wait_child(struct xc_rst *r, pid_t pid, int *status)
{
	pid_t w;

	do
		w = waitpid(pid, status, __WALL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return xc_fail(r->ctx, pid, "process", "waitpid", -errno);
	return 0;
}

static int read_msg(struct xc_rst *r, int fd, struct xc_rst_msg *m)
{
	ssize_t n = read(fd, m, sizeof(*m));

	if (n != sizeof(*m))
		return xc_fail(r->ctx, r->pid, "restored task", "exited before its restorer ran",
			       -ECHILD);
	if (m->type == 2)
		return xc_fail(r->ctx, m->pid ? m->pid : r->pid, m->obj, m->step, m->err);
	return 0;
}

static const char *const step_names[] = {
	"", "unmap xckpt", "map the vDSO back", "mmap", "mprotect", "madvise", "mlock",
	"prctl PR_SET_MM_MAP", "close", "prlimit", "set credentials", "rseq register",
	"set TLS", "queue pending signal", "setitimer", "prctl PR_SET_PDEATHSIG",
	"prctl PR_SET_NO_NEW_PRIVS", "seccomp", "take POSIX lock", "clone3 a thread with its tid",
	"set_robust_list", "prctl PR_SET_NAME", "sched_setaffinity", "setpriority",
	"sched_setscheduler", "prctl PR_SET_TIMERSLACK", "set capabilities",
	"sched_setattr (utilization clamps)", "ioprio_set", "prctl PR_SET_TSC", "prctl PR_MCE_KILL",
	"prctl PR_SET_SPECULATION_CTRL", "mlockall", "prctl PR_SET_DUMPABLE",
	"prctl PR_FUTEX_HASH_SET_SLOTS", "set_mempolicy", "prctl PR_SET_VMA_ANON_NAME", "shmat",
};

/* At a stop of the blob: read its args to learn how it fares. */
static int check_trap(struct xc_rst *r, pid_t pid, int status, uint32_t phase)
{
	struct rst_args a;
	struct iovec lo = { &a, sizeof(a) }, re = { (void *)(uintptr_t)r->args_addr, sizeof(a) };

	if (!WIFSTOPPED(status))
		return xc_fail(r->ctx, pid, "restorer", "task ended in the restorer", -ECHILD);
	if (process_vm_readv(pid, &lo, 1, &re, 1, 0) != sizeof(a))
		return xc_fail(r->ctx, pid, "restorer", "read its state", -errno);
	if (a.err) {
		char obj[64];
		int fd;

		if (a.step == RST_STEP_LOCK) {
			const char *path = rst_locks_posix_path(r, a.index, &fd);
			snprintf(obj, sizeof(obj), "fd %d (%.40s)", fd, path);
		} else {
			snprintf(obj, sizeof(obj), "restorer item %u", a.index);
		}
		return xc_fail(r->ctx, pid, obj,
			       a.step < sizeof(step_names) / sizeof(*step_names) ? step_names[a.step]
			       : a.step == RST_STEP_UFFD ? "userfaultfd" : "?", a.err);
	}
	if (WSTOPSIG(status) != SIGTRAP || a.phase != phase)
		return xc_failf(r->ctx, pid, "unexpected stop", -EFAULT,
				"restorer (signal %d in phase %u)", WSTOPSIG(status), a.phase);
	return 0;
}

static int blob_trap(struct xc_rst *r, pid_t pid, uint32_t phase)
{
	int status, err = wait_child(r, pid, &status);

	return err ? err : check_trap(r, pid, status, phase);
}

/* A syscall stop, entry or exit, after PTRACE_SYSCALL. */
static int sys_stopped(struct xc_rst *r, pid_t pid, const char *what)
{
	int status, err = wait_child(r, pid, &status);

	if (err)
		return err;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80))
		return xc_failf(r->ctx, pid, "unexpected stop", -EFAULT, "%s (status %#x)", what,
				status);
	return 0;
}

static int sys_go(struct xc_rst *r, pid_t pid, const char *what)
{
	if (ptrace(PTRACE_SYSCALL, pid, 0, 0))
		return xc_fail(r->ctx, pid, what, "ptrace syscall", -errno);
	return 0;
}

static int sys_step(struct xc_rst *r, pid_t pid, const char *what)
{
	int err = sys_go(r, pid, what);

	return err ? err : sys_stopped(r, pid, what);
}

/* The tid of a thread as xckpt sees it: its own with --pidns is that of
 * the new namespace, whose NSpid line in /proc names it last. */
static pid_t real_tid(struct xc_rst *r, pid_t tid)
{
	char path[320], line[256];
	pid_t found = 0;
	DIR *dir;
	struct dirent *de;

	if (r->real_pid == r->pid)
		return tid;
	snprintf(path, sizeof(path), "/proc/%d/task", r->real_pid);
	dir = opendir(path);
	while (dir && !found && (de = readdir(dir))) {
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", r->real_pid, de->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			char *last;

			if (strncmp(line, "NSpid:", 6))
				continue;
			last = strrchr(line, '\t');
			if (last && atoi(last + 1) == tid)
				found = (pid_t)atoi(de->d_name);
			break;
		}
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return found;
}

/* A thread parked in the blob: seize it, take it out of its futex wait in
 * an interrupt stop, and point it at the blob's syscall instruction to run
 * rt_sigreturn on its own frame (orig = -1: the kernel must not restart the
 * wait). It is left stopped at the syscall's exit, in its own registers,
 * until the detach. */
static int thread_return(struct xc_rst *r, pid_t tid, const struct rst_thread *t)
{
	struct xc_rec_regs regs;
	uint64_t a[6] = { 0 };
	int status, err;

	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) ||
	    ptrace(PTRACE_INTERRUPT, tid, 0, 0))
		return xc_failf(r->ctx, r->pid, "ptrace seize", -errno, "thread %d", tid);
	err = wait_child(r, tid, &status);
	if (err)
		return err;
	if (!WIFSTOPPED(status) || status >> 16 != PTRACE_EVENT_STOP)
		return xc_failf(r->ctx, r->pid, "unexpected stop", -EFAULT, "thread %d (status %#x)",
				tid, status);
	err = arch_get_regs(tid, &regs);
	if (!err) {
		arch_rsys_prepare(&regs, r->syscall_addr, SYS_rt_sigreturn, a);
		arch_regs_set_sp(&regs, t->sigframe_sp);
		err = arch_set_regs(tid, &regs);
	}
	if (err)
		return xc_failf(r->ctx, r->pid, "ptrace setregs", err, "thread %d", tid);
	err = sys_step(r, tid, "rt_sigreturn");
	if (!err)
		err = sys_step(r, tid, "rt_sigreturn");
	return err;
}

static int threads_return(struct xc_rst *r, pid_t pid)
{
	struct rst_thread *t;
	struct rst_args a;
	struct iovec lo = { &a, sizeof(a) }, re = { (void *)(uintptr_t)r->args_addr, sizeof(a) };
	int err = 0;

	if (r->nr_thr < 2)
		return 0;
	if (process_vm_readv(pid, &lo, 1, &re, 1, 0) != sizeof(a))
		return xc_fail(r->ctx, pid, "restorer", "read its state", -errno);
	t = calloc(r->nr_thr, sizeof(*t));
	if (!t)
		return xc_fail(r->ctx, pid, "threads", "allocate", -ENOMEM);
	lo = (struct iovec){ t, r->nr_thr * sizeof(*t) };
	re = (struct iovec){ (void *)(uintptr_t)a.threads, r->nr_thr * sizeof(*t) };
	if (process_vm_readv(pid, &lo, 1, &re, 1, 0) != (ssize_t)lo.iov_len)
		err = xc_fail(r->ctx, pid, "restorer", "read the thread list", -errno);
	r->real_tids = calloc(r->nr_thr, sizeof(*r->real_tids));
	if (!err && !r->real_tids)
		err = xc_fail(r->ctx, pid, "threads", "allocate", -ENOMEM);
	for (size_t i = 1; i < r->nr_thr && !err; i++) {
		r->real_tids[i] = real_tid(r, (pid_t)t[i].tid);
		if (!r->real_tids[i])
			err = xc_failf(r->ctx, pid, "find in the new pid namespace", -ESRCH,
				       "thread %llu", (unsigned long long)t[i].tid);
		else
			err = thread_return(r, r->real_tids[i], &t[i]);
	}
	free(t);
	return err;
}

/* Threads are let go with their process, just before their leader. */
static void detach_threads(struct xc_rst *r)
{
	for (size_t i = 1; r->real_tids && i < r->nr_thr; i++)
		if (r->real_tids[i] > 0)
			ptrace(PTRACE_DETACH, r->real_tids[i], 0, 0);
}

/* The blob has queued the pending signals and sits at its second trap.
 * Follow its rt_sigreturn, then run the munmap of the blob itself at the
 * blob's syscall instruction (the task is stopped at the syscall's exit,
 * so the unmapped code is never returned to), and put the target's
 * registers and mask back. */
/* One system call in the task at the blob's syscall instruction, from
 * the registers regs; *ret gets its result. */
static int remote_call(struct xc_rst *r, pid_t pid, const struct xc_rec_regs *regs, long nr,
		       const uint64_t a[6], const char *what, long *ret)
{
	struct xc_rec_regs call = *regs;
	int err;

	arch_rsys_prepare(&call, r->syscall_addr, nr, a);
	err = arch_set_regs(pid, &call);
	if (err)
		return xc_fail(r->ctx, pid, "registers", "ptrace setregs", err);
	err = sys_step(r, pid, what);
	if (!err)
		err = sys_step(r, pid, what);
	if (err)
		return err;
	err = arch_get_regs(pid, &call);
	if (err)
		return xc_fail(r->ctx, pid, "registers", "ptrace getregs", err);
	*ret = arch_rsys_ret(&call);
	return 0;
}

/* A process that was not dumpable is made so last, but for the blob's
 * unmapping (its syscall instruction serves the remote calls): from then
 * on a restore that is not root's could no longer seize it nor read its
 * memory. The blob set any other value (TASK_ATTRS.dumpable). */
static int not_dumpable(struct xc_rst *r, pid_t pid, const struct xc_rec_regs *regs)
{
	uint64_t a[6] = { PR_SET_DUMPABLE, 0 };
	long ret;
	int err;

	if (r->task_attrs->dumpable)
		return 0;
	err = remote_call(r, pid, regs, SYS_prctl, a, "prctl PR_SET_DUMPABLE", &ret);
	if (!err && ret)
		err = xc_fail(r->ctx, pid, "dumpable", "prctl PR_SET_DUMPABLE", (int)ret);
	return err;
}

/* The way out of the blob, in steps: each step is taken by every process
 * before the next step, since each ends waiting for the task to stop
 * again, and waiting for one task after the other would make the tree
 * wait for each in turn. */

/* The blob's last trap: its threads return through their own frames,
 * then the leader goes into its rt_sigreturn. */
static int out_sigreturn(struct xc_rst *r)
{
	int err = blob_trap(r, r->real_pid, 2);

	if (!err)
		err = threads_return(r, r->real_pid);
	if (!err)
		err = sys_go(r, r->real_pid, "rt_sigreturn");
	return err;
}

static int out_sigreturn_exit(struct xc_rst *r)
{
	int err = sys_stopped(r, r->real_pid, "rt_sigreturn");

	return err ? err : sys_go(r, r->real_pid, "rt_sigreturn");
}

/* Out of rt_sigreturn: the target's registers and mask are in the task.
 * Keep them aside, block every signal, and go into munmap(blob) at the
 * blob's syscall instruction: stopped at its exit, the task never returns
 * into the code just unmapped. */
static int out_unmap(struct xc_rst *r)
{
	pid_t pid = r->real_pid;
	uint64_t a[6] = { r->blob_base, r->blob_size }, all = ~0ULL;
	uint64_t sa[6] = { SIGTRAP, r->args_addr + offsetof(struct rst_args, trap_sa), 0, 8 };
	struct xc_rec_regs call;
	long ret = 0;
	int err = sys_stopped(r, pid, "rt_sigreturn");

	if (!err)
		err = arch_get_regs(pid, &r->out_regs);
	if (err)
		return err < 0 && !r->ctx->first_err.code ?
			xc_fail(r->ctx, pid, "registers", "ptrace getregs", err) : err;
	if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(r->out_mask), &r->out_mask) ||
	    ptrace(PTRACE_SETSIGMASK, pid, sizeof(all), &all))
		return xc_fail(r->ctx, pid, "signal mask", "ptrace", -errno);
	/* The blob's traps, taken with SIGTRAP blocked, reset its
	 * disposition to SIG_DFL: set the saved one now, when no trap is
	 * left to come. */
	if (r->sigactions->sa[SIGTRAP - 1].handler) {
		err = remote_call(r, pid, &r->out_regs, SYS_rt_sigaction, sa, "signal 5", &ret);
		if (err)
			return err;
		if (ret)
			return xc_fail(r->ctx, pid, "signal 5", "rt_sigaction", (int)ret);
	}
	err = not_dumpable(r, pid, &r->out_regs);
	if (err)
		return err;
	call = r->out_regs;
	arch_rsys_prepare(&call, r->syscall_addr, SYS_munmap, a);
	err = arch_set_regs(pid, &call);
	if (err)
		return xc_fail(r->ctx, pid, "registers", "ptrace setregs", err);
	return sys_go(r, pid, "munmap restorer");
}

static int out_unmap_exit(struct xc_rst *r)
{
	int err = sys_stopped(r, r->real_pid, "munmap restorer");

	return err ? err : sys_go(r, r->real_pid, "munmap restorer");
}

/* Out of munmap: the target's registers and mask back, then the plugins. */
static int out_done(struct xc_rst *r)
{
	pid_t pid = r->real_pid;
	struct xc_rec_regs call;
	int err = sys_stopped(r, pid, "munmap restorer");

	if (!err && (err = arch_get_regs(pid, &call)))
		return xc_fail(r->ctx, pid, "registers", "ptrace getregs", err);
	if (!err && arch_rsys_ret(&call))
		return xc_fail(r->ctx, pid, "restorer", "munmap", (int)arch_rsys_ret(&call));
	if (!err && (err = arch_set_regs(pid, &r->out_regs)))
		return xc_fail(r->ctx, pid, "registers", "ptrace setregs", err);
	if (!err && ptrace(PTRACE_SETSIGMASK, pid, sizeof(r->out_mask), &r->out_mask))
		return xc_fail(r->ctx, pid, "signal mask", "ptrace setsigmask", -errno);
	return err ? err : xc_plugins_restore(&r->plugins, pid);
}

/* The tid xckpt sees for thread i of a process. */
static pid_t thread_tid(const struct xc_rst *r, size_t i)
{
	return i ? (r->real_tids ? r->real_tids[i] : 0) : r->real_pid;
}

/* A thread kept inside an interrupted system call (arch_regs_for_image())
 * leaves the blob's rt_sigreturn with the kernel's error code in its
 * registers. The kernel itself must end the interruption when the thread
 * goes on: restart the call, or fail it with EINTR for a signal delivered
 * to a handler first, exactly as it would have had the dump never
 * happened. It does that only on the way out of a signal stop: so each
 * such thread is taken into an interrupt stop (every signal blocked on the
 * way, so none is delivered before), given the call's number and its own
 * mask back there, and detached from there. Every thread is sent on its
 * way before any is waited for: one round trip for the whole tree. */
static int end_interruptions(struct xc_rtree *t)
{
	uint64_t all = ~0ULL, *masks;
	size_t n = 0, k;
	int err = 0;

	for (size_t p = 0; p < t->nr; p++)
		n += t->procs[p].seized ? t->procs[p].nr_thr : 0;
	masks = calloc(n ? n : 1, sizeof(*masks));
	if (!masks)
		return xc_fail(t->ctx, 0, "threads", "allocate", -ENOMEM);
	k = 0;
	for (size_t p = 0; p < t->nr && !err; p++) {
		struct xc_rst *r = &t->procs[p];

		for (size_t i = 0; r->seized && i < r->nr_thr && !err; i++, k++) {
			pid_t tid = thread_tid(r, i);

			if (!arch_regs_interrupted(r->thr[i].regs))
				continue;
			if (ptrace(PTRACE_GETSIGMASK, tid, sizeof(masks[k]), &masks[k]) ||
			    ptrace(PTRACE_SETSIGMASK, tid, sizeof(all), &all) ||
			    ptrace(PTRACE_INTERRUPT, tid, 0, 0) || ptrace(PTRACE_CONT, tid, 0, 0))
				err = xc_failf(t->ctx, r->pid, "ptrace interrupt", -errno,
					       "interrupted call of thread %u", r->thr[i].rec->tid);
		}
	}
	k = 0;
	for (size_t p = 0; p < t->nr && !err; p++) {
		struct xc_rst *r = &t->procs[p];

		for (size_t i = 0; r->seized && i < r->nr_thr && !err; i++, k++) {
			const struct xc_rec_regs *img = r->thr[i].regs;
			pid_t tid = thread_tid(r, i);
			struct xc_rec_regs regs;
			int status;

			if (!arch_regs_interrupted(img))
				continue;
			/* A stop signal (all others are blocked) is let through:
			 * its group stop is a signal stop too. */
			while (!(err = wait_child(r, tid, &status)) && WIFSTOPPED(status) &&
			       status >> 16 != PTRACE_EVENT_STOP)
				if (ptrace(PTRACE_CONT, tid, 0, WSTOPSIG(status)))
					err = xc_fail(t->ctx, r->pid, "restored task", "ptrace cont", -errno);
			if (!err && !WIFSTOPPED(status))
				err = xc_fail(t->ctx, r->pid, "restored task", "ended before it ran",
					      -ECHILD);
			if (!err)
				err = arch_get_regs(tid, &regs);
			if (!err) {
				regs.orig_rax = img->orig_rax;
				regs.rax = img->rax;
				arch_regs_set_ip(&regs, arch_regs_ip(img));
				err = arch_set_regs(tid, &regs);
			}
			if (err && !t->ctx->first_err.code)
				err = xc_failf(t->ctx, r->pid, "ptrace setregs", err,
					       "interrupted call of thread %u", r->thr[i].rec->tid);
			if (!err && ptrace(PTRACE_SETSIGMASK, tid, sizeof(masks[k]), &masks[k]))
				err = xc_failf(t->ctx, r->pid, "ptrace setsigmask", -errno,
					       "signal mask of thread %u", r->thr[i].rec->tid);
		}
	}
	free(masks);
	return err;
}

/* Let it run: the last step, after the plugins' restore; the detach
 * follows for every process at once. */
static int release(struct xc_rst *r, pid_t pid)
{
	/* A job stopped at dump is stopped again before it runs one
	 * instruction: the signal waits, pending, until the detach. */
	if ((r->thread->flags & XC_THR_STOPPED) && kill(pid, SIGSTOP))
		return xc_fail(r->ctx, pid, "process", "stop again (SIGSTOP)", -errno);
	return 0;
}

/* The first stop: either the task died in its C phase (its message says
 * why) or the blob reached its first trap (the message gives its layout). */
static int first_trap(struct xc_rst *r, pid_t pid, int msgfd)
{
	struct xc_rst_msg m;
	int status, err;

	err = wait_child(r, pid, &status);
	if (err)
		return err;
	/* Stopped by anything but the blob's trap: it crashed before writing
	 * its message, which must not be waited for. */
	if (WIFSTOPPED(status) && (WSTOPSIG(status) != SIGTRAP || status >> 16))
		return xc_failf(r->ctx, pid, "crashed before the restorer ran", -EFAULT,
				"restored task (signal %d)", WSTOPSIG(status));
	err = read_msg(r, msgfd, &m);
	if (err)
		return err;
	r->blob_base = m.blob_base;
	r->blob_size = m.blob_size;
	r->args_addr = m.args_addr;
	r->syscall_addr = m.syscall_addr;
	return check_trap(r, pid, status, 1);
}

static volatile sig_atomic_t fwd_pid;

static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

/* Waits for every child (the roots, or the namespace's init) and returns
 * the first root's status. */
static int wait_restored(struct xc_ctx *ctx, pid_t pid, pid_t first)
{
	struct sigaction sa = { .sa_handler = forward };
	int status, ret = 0;
	pid_t w;

	fwd_pid = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* The terminal sends these to our whole group: the process gets its own
	 * copy when it shares the group, or ours when it leads its own. */
	if (getpgid(pid) == getpgrp()) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	} else {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
	}
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == ECHILD)
			break;
		if (w < 0)
			return xc_fail(ctx, pid, "process", "waitpid", -errno);
		if (w == first)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return ret;
}

/* Process by process, all of them created and running their own part:
 * pages, then let its blob go on to its last trap while the next one is
 * filled. */
static int fill_one(struct xc_rst *r)
{
	pid_t pid = r->real_pid;
	int err;

	err = first_trap(r, pid, r->msg[0]);
	if (!err)
		err = rst_mm_check_vdso(r, pid);
	if (!err)
		err = rst_mm_fill(r, pid);
	if (!err)
		err = rst_lazy_hand(r, pid);
	if (!err && ptrace(PTRACE_CONT, pid, 0, 0))
		err = xc_fail(r->ctx, pid, "process", "ptrace cont", -errno);
	return err;
}

/* One step in every live process of the tree, in image order. */
static int each(struct xc_rtree *t, int (*step)(struct xc_rst *r))
{
	int err = 0;

	for (size_t i = 0; !err && i < t->nr; i++)
		if (t->procs[i].seized)
			err = step(&t->procs[i]);
	return err;
}

int xc_restore(struct xc_ctx *ctx)
{
	struct xc_rtree t = { .ctx = ctx, .dirfd = -1, .ctty_fd = -1 };
	pid_t root;
	int err;

	xc_step_begin(ctx, "validate");
	err = rst_image_load(&t);
	/* While xckpt may still write shm_next_id (before it becomes the
	 * owner of a user's image). */
	if (!err)
		err = rst_sysvshm_create(&t);
	if (!err)
		err = rst_become_owner(&t);
	if (!err)
		err = rst_attrs_check(&t);
	if (!err)
		err = rst_lazy_start(&t);
	for (size_t i = 0; !err && i < t.nr; i++) {
		struct xc_rst *r = &t.procs[i];
		if (!(r->rec->flags & XC_PROC_ZOMBIE))
			err = xc_plugins_init(&r->plugins, ctx, XC_STAGE_RESTORE, r->plugin_recs,
					      r->nr_plugin_recs, r->pid);
	}
	if (err)
		goto out;
	root = (pid_t)t.procs[0].rec->pid;
	xc_step_begin(ctx, "create");
	err = rst_tree_create(&t);
	if (!err)
		xc_step_begin(ctx, "objects");
	if (!err)
		err = each(&t, fill_one);
	if (!err)
		err = each(&t, out_sigreturn);
	if (!err)
		err = each(&t, out_sigreturn_exit);
	if (!err)
		err = each(&t, out_unmap);
	if (!err)
		err = each(&t, out_unmap_exit);
	if (!err)
		err = each(&t, out_done);
	if (!err)
		err = end_interruptions(&t);
	for (size_t i = 0; !err && i < t.nr; i++)
		if (t.procs[i].seized)
			err = release(&t.procs[i], t.procs[i].real_pid);
	if (!err)
		err = rst_sysvshm_finish(&t);
	/* Nothing ran its own code yet: now all at once. */
	for (size_t i = 0; !err && i < t.nr; i++) {
		struct xc_rst *r = &t.procs[i];
		if (r->seized)
			detach_threads(r);
		if (r->seized && ptrace(PTRACE_DETACH, r->real_pid, 0, 0))
			err = xc_fail(ctx, r->real_pid, "process", "ptrace detach", -errno);
		else
			r->seized = false;
	}
	/* Then the page server starts its background fill: until now it
	 * only answered faults, and left the CPUs to the restore. */
	rst_lazy_end(&t);
	for (size_t i = 0; !err && i < t.nr; i++)
		if (!(t.procs[i].rec->flags & XC_PROC_ZOMBIE))
			err = xc_plugins_resume(&t.procs[i].plugins, t.procs[i].real_pid);
	if (err)
		goto kill;
	for (size_t i = 0; i < t.nr; i++)
		xc_plugins_fini(&t.procs[i].plugins, 0);
	rst_sockets_unlock(&t);
	xc_step_end(ctx);
	root = t.procs[0].real_pid;
	if (ctx->pidfile) {
		FILE *f = fopen(ctx->pidfile, "we");
		if (!f || fprintf(f, "%d\n", root) < 0 || fclose(f))
			xc_warn("pid %d: write pidfile %s: %s", root, ctx->pidfile, strerror(errno));
	}
	rst_image_close(&t);
	if (ctx->detach) {
		printf("%d\n", root);
		fflush(stdout);
		return 0;
	}
	return wait_restored(ctx, root, t.init_pid > 0 ? t.init_pid : root);
kill:
	rst_tree_kill(&t);
out:
	rst_lazy_end(&t);
	rst_sysvshm_undo(&t);
	for (size_t i = 0; t.procs && i < t.nr; i++)
		xc_plugins_fini(&t.procs[i].plugins, err);
	xc_step_end(ctx);
	rst_image_close(&t);
	return err;
}
