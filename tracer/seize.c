/* Seizing the target and giving it back. PTRACE_SEIZE + PTRACE_INTERRUPT
 * stop each of its threads without a signal it could see (no SIGSTOP); the
 * thread list is read again until a pass finds no thread it has not seized,
 * so that a thread created meanwhile is caught too. Registers and signal
 * mask are lent for each remote call and put back right after it; any other
 * change to the live target is on the undo list, so a failed dump, or a dump
 * with --leave-running, resumes it exactly as it was. */
#define LOG_PREFIX "seize: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

int xc_undo_push(struct xc_dump *d, void (*fn)(struct xc_dump *, struct xc_undo *),
		 uint64_t a, uint64_t b)
{
	if (d->nr_undo == (int)(sizeof(d->undo) / sizeof(d->undo[0])))
		return xc_fail(d->ctx, d->pid, "undo list", "push", -ENOSPC);
	d->undo[d->nr_undo++] = (struct xc_undo){ .fn = fn, .a = a, .b = b };
	return 0;
}

/* Waits for the next ptrace stop of thread t; a fatal end of the target is
 * an error of its own. *sig gets the stop signal (with the event bits). */
int xc_wait_stop(struct xc_dump *d, struct xc_dthread *t, int *sig)
{
	int status;
	pid_t r;

	do {
		r = waitpid(t->tid, &status, __WALL);
		/* A target that never stops (D state, a vfork parent) must not
		 * hold xckpt hostage: the guarded signals end the wait. */
		if (r < 0 && errno == EINTR && xc_interrupted())
			return xc_check_interrupt(d->ctx, d->pid);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return xc_failf(d->ctx, d->pid, "waitpid", -errno, "thread %d", t->tid);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		t->seized = false;
		return xc_fail(d->ctx, d->pid, "process", "exited while being dumped", -ESRCH);
	}
	*sig = status >> 8;
	return 0;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Resume t with req (PTRACE_SYSCALL or PTRACE_CONT) and wait for the next
 * stop that is neither a ptrace event stop nor a stop signal: a stopped job
 * reports its group stop again, a PTRACE_INTERRUPT may still be queued, and
 * SIGSTOP cannot be blocked. A stop signal is held back and sent again when
 * the target is released, so the job ends up stopped as it asked. */
static int resume_wait(struct xc_dump *d, struct xc_dthread *t, int req, const char *what, int *sig,
		       bool resumed)
{
	for (int i = 0; i < 8; i++) {
		int err;

		if (!(resumed && !i) && ptrace(req, t->tid, 0, 0))
			return xc_failf(d->ctx, d->pid, "ptrace resume", -errno, "%s (thread %d)", what,
					t->tid);
		err = xc_wait_stop(d, t, sig);
		if (err)
			return err;
		if (*sig >> 8 == PTRACE_EVENT_STOP) {
			if ((*sig & 0x7f) != SIGTRAP)
				d->stopped = true;
			continue;
		}
		if (!is_stop_signal(*sig & 0x7f))
			return 0;
		d->stop_sig = *sig & 0x7f;
		d->stopped = true;
	}
	return xc_failf(d->ctx, d->pid, "keeps stopping", -EAGAIN, "%s (thread %d)", what, t->tid);
}

int xc_resume_wait(struct xc_dump *d, struct xc_dthread *t, int req, const char *what, int *sig)
{
	return resume_wait(d, t, req, what, sig, false);
}

int xc_resume(struct xc_dump *d, struct xc_dthread *t, int req, const char *what)
{
	if (ptrace(req, t->tid, 0, 0))
		return xc_failf(d->ctx, d->pid, "ptrace resume", -errno, "%s (thread %d)", what, t->tid);
	return 0;
}

int xc_wait_resumed(struct xc_dump *d, struct xc_dthread *t, int req, const char *what, int *sig)
{
	return resume_wait(d, t, req, what, sig, true);
}

enum seize_res { SEIZE_OK, SEIZE_GONE };

/* Seize one thread and ask for its interrupt stop (seize_stop() waits for
 * it). A thread other than the leader may exit meanwhile: SEIZE_GONE, not
 * an error. */
static int seize_start(struct xc_dump *d, struct xc_dthread *t, bool leader, enum seize_res *res)
{
	*res = SEIZE_OK;
	/* Seccomp filters of the target would judge the parasite's calls
	 * too (and may kill it for one): suspend them while it is ours. */
	if (ptrace(PTRACE_SEIZE, t->tid, 0,
		   PTRACE_O_TRACESYSGOOD | (d->st.seccomp ? PTRACE_O_SUSPEND_SECCOMP : 0))) {
		if (errno == ESRCH && !leader) {
			*res = SEIZE_GONE;
			return 0;
		}
		return xc_failf(d->ctx, d->pid, "ptrace seize", -errno, "thread %d", t->tid);
	}
	t->seized = d->seized = true;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0))
		return xc_failf(d->ctx, d->pid, "ptrace interrupt", -errno, "thread %d", t->tid);
	return 0;
}

/* Wait for the interrupt stop of a thread seize_start() seized. */
static int seize_stop(struct xc_dump *d, struct xc_dthread *t, bool leader, enum seize_res *res)
{
	int sig, status;
	pid_t r;

	/* Signals that were already queued show up as signal-delivery stops
	 * first; put each back so nothing is lost, until the interrupt stop. */
	for (;;) {
		do
			r = waitpid(t->tid, &status, __WALL);
		while (r < 0 && errno == EINTR && !xc_interrupted());
		if (r < 0 && errno == EINTR)
			return xc_check_interrupt(d->ctx, d->pid);
		if (r < 0)
			return xc_failf(d->ctx, d->pid, "waitpid", -errno, "thread %d", t->tid);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			t->seized = false;
			if (!leader) {
				*res = SEIZE_GONE;
				return 0;
			}
			return xc_fail(d->ctx, d->pid, "process", "exited while being dumped", -ESRCH);
		}
		sig = status >> 8;
		if (sig >> 8 == PTRACE_EVENT_STOP) {
			/* An already stopped job reports its group stop. */
			if ((sig & 0x7f) != SIGTRAP)
				d->stopped = true;
			break;
		}
		if (ptrace(PTRACE_CONT, t->tid, 0, sig & 0x7f))
			return xc_failf(d->ctx, d->pid, "ptrace resume", -errno, "thread %d", t->tid);
		if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0))
			return xc_failf(d->ctx, d->pid, "ptrace interrupt", -errno, "thread %d", t->tid);
	}
	if ((r = arch_get_regs(t->tid, &t->regs)))
		return xc_failf(d->ctx, d->pid, "ptrace getregs", r, "registers of thread %d", t->tid);
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(t->sigmask), &t->sigmask))
		return xc_failf(d->ctx, d->pid, "ptrace getsigmask", -errno,
				"signal mask of thread %d", t->tid);
	return 0;
}

static int seize_one(struct xc_dump *d, struct xc_dthread *t, bool leader, enum seize_res *res)
{
	int err = seize_start(d, t, leader, res);

	return err || *res != SEIZE_OK ? err : seize_stop(d, t, leader, res);
}

static bool known(const struct xc_dump *d, pid_t tid)
{
	for (size_t i = 0; i < d->nr_thr; i++)
		if (d->thr[i].tid == tid)
			return true;
	return false;
}

/* One pass over /proc/PID/task: seize every thread not seized yet. *added
 * counts them; a pass that adds none ends the seize, since every thread
 * listed then is stopped and none can create another. */
static int seize_pass(struct xc_dump *d, int *added)
{
	int fd = openat(d->procfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	struct dirent *de;
	DIR *dir;

	*added = 0;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return xc_fail(d->ctx, d->pid, "task", "open thread list", err);
	}
	while (!err && (de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		enum seize_res res;

		if (tid <= 0 || known(d, tid))
			continue;
		if (d->nr_thr % 64 == 0) {
			struct xc_dthread *n = realloc(d->thr, (d->nr_thr + 64) * sizeof(*n));
			if (!n) {
				err = xc_fail(d->ctx, d->pid, "threads", "allocate", -ENOMEM);
				break;
			}
			d->thr = n;
		}
		d->thr[d->nr_thr] = (struct xc_dthread){ .tid = tid };
		err = seize_one(d, &d->thr[d->nr_thr], false, &res);
		if (!err && res == SEIZE_OK) {
			d->nr_thr++;
			(*added)++;
		}
	}
	closedir(dir);
	return err;
}

int xc_seize_begin(struct xc_dump *d)
{
	enum seize_res res;

	d->thr = calloc(64, sizeof(*d->thr));
	if (!d->thr)
		return xc_fail(d->ctx, d->pid, "threads", "allocate", -ENOMEM);
	d->thr[0].tid = d->pid;
	d->nr_thr = 1;
	return seize_start(d, &d->thr[0], true, &res);
}

int xc_seize_end(struct xc_dump *d)
{
	enum seize_res res;
	int added, err;

	err = seize_stop(d, &d->thr[0], true, &res);
	for (int pass = 0; !err; pass++) {
		err = seize_pass(d, &added);
		if (!err && !added)
			break;
		/* A process that keeps making threads faster than we stop
		 * them: give up rather than loop for ever. */
		if (!err && pass == 1000)
			err = xc_fail(d->ctx, d->pid, "threads", "keep appearing while seizing",
				      -EAGAIN);
	}
	return err;
}

/* Lend a thread to a remote call: block every signal, so that no handler
 * of its own runs on our registers; what arrives stays pending and is
 * dumped with the rest. */
int xc_borrow(struct xc_dump *d, struct xc_dthread *t)
{
	uint64_t all = ~0ULL;

	t->lent = true;
	if (t->borrowed)
		return 0;
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(all), &all))
		return xc_failf(d->ctx, d->pid, "ptrace setsigmask", -errno,
				"signal mask of thread %d", t->tid);
	t->borrowed = true;
	return 0;
}

/* Registers and mask back as found, right after each remote call, so that
 * the thread is always resumable as it was should xckpt die between calls.
 * After a remote call the thread sits at a syscall exit rather than in the
 * interrupt stop, so the kernel would no longer restart an interrupted call
 * on its own: do what it would have done. */
int xc_give_back(struct xc_dump *d, struct xc_dthread *t)
{
	struct xc_rec_regs r = t->regs;
	int err = 0;

	if (t->dirty) {
		arch_regs_restart(&r, true);
		err = arch_set_regs(t->tid, &r);
		if (err)
			err = xc_failf(d->ctx, d->pid, "put back (ptrace setregs)", err,
				       "registers of thread %d", t->tid);
		else
			t->dirty = false;
	}
	if (t->borrowed) {
		if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(t->sigmask), &t->sigmask))
			err = xc_failf(d->ctx, d->pid, "put back (ptrace setsigmask)", -errno,
				       "signal mask of thread %d", t->tid);
		else
			t->borrowed = false;
	}
	return err;
}

/* Back into an interrupt stop, where the thread sits inside the kernel's
 * signal path, and put the registers as found there: the kernel itself then
 * restarts an interrupted system call, or fails it with EINTR for a signal
 * that arrived meanwhile, exactly as if it had never been seized. */
static int reinterrupt(struct xc_dump *d, struct xc_dthread *t)
{
	uint64_t all = ~0ULL;
	int sig, err;

	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(all), &all) ||
	    ptrace(PTRACE_INTERRUPT, t->tid, 0, 0))
		return -errno;
	for (int i = 0; i < 8; i++) {
		if (ptrace(PTRACE_CONT, t->tid, 0, 0))
			return -errno;
		err = xc_wait_stop(d, t, &sig);
		if (err)
			return err;
		if (sig >> 8 == PTRACE_EVENT_STOP) {
			err = arch_set_regs(t->tid, &t->regs);
			if (!err && ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(t->sigmask), &t->sigmask))
				err = -errno;
			if (!err)
				t->dirty = t->borrowed = false;
			return err;
		}
		if (is_stop_signal(sig & 0x7f))
			d->stop_sig = sig & 0x7f;
	}
	return -EAGAIN;
}

void xc_release(struct xc_dump *d)
{
	if (!d->seized)
		return;
	while (d->nr_undo > 0) {
		struct xc_undo *u = &d->undo[--d->nr_undo];
		u->fn(d, u);
	}
	for (size_t i = 0; i < d->nr_thr; i++) {
		struct xc_dthread *t = &d->thr[i];

		if (t->seized && t->lent && reinterrupt(d, t) && t->seized)
			xc_debug("pid %d: thread %d: back to the interrupt stop failed; restart done "
				 "by hand", d->pid, t->tid);
		if (t->seized && xc_give_back(d, t))
			xc_warn("pid %d: thread %d: could not put registers or signal mask back",
				d->pid, t->tid);
	}
	/* A stop signal held back during the dump: pending at the detach, it
	 * stops the job before it runs an instruction. */
	if (d->stop_sig && d->nr_thr && d->thr[0].seized)
		kill(d->pid, SIGSTOP);
	for (size_t i = 0; i < d->nr_thr; i++) {
		struct xc_dthread *t = &d->thr[i];

		if (t->seized && ptrace(PTRACE_DETACH, t->tid, 0, 0) && errno != ESRCH)
			xc_warn("pid %d: thread %d: detach: %s", d->pid, t->tid, strerror(errno));
		t->seized = false;
	}
	d->seized = false;
}

/* Kills the target once the image is on disk and waits until every thread
 * is gone; the leader is reported last, once its threads are reaped. */
int xc_kill(struct xc_dump *d)
{
	if (kill(d->pid, SIGKILL))
		return xc_fail(d->ctx, d->pid, "process", "kill after dump", -errno);
	xc_kill_wait(d);
	return 0;
}

/* After a SIGKILL: wait until every thread is gone; the leader is reported
 * last, once its threads are reaped. */
void xc_kill_wait(struct xc_dump *d)
{
	int status;

	/* As their tracer we are told when each is gone; its parent reaps the
	 * process. */
	for (size_t i = d->nr_thr; i-- > 0;) {
		struct xc_dthread *t = &d->thr[i];

		while (t->seized) {
			pid_t r = waitpid(t->tid, &status, __WALL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
				t->seized = false;
		}
	}
	d->seized = false;
	d->nr_undo = 0;
}
