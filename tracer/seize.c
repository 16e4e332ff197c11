/* Seizing the target and giving it back. PTRACE_SEIZE + PTRACE_INTERRUPT
 * stop it without a signal it could see (no SIGSTOP). Registers and signal
 * mask are lent for each remote call and put back right after it; any other
 * change to the live target is on the undo list, so a failed dump, or a dump
 * with --leave-running, resumes it exactly as it was. */
#define LOG_PREFIX "seize: "
#include <errno.h>
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

/* Waits for the next ptrace stop of the target; a fatal end of the target
 * is an error of its own. *sig gets the stop signal (with the event bits). */
int xc_wait_stop(struct xc_dump *d, int *sig)
{
	int status;
	pid_t r;

	do {
		r = waitpid(d->pid, &status, __WALL);
		/* A target that never stops (D state, a vfork parent) must not
		 * hold xckpt hostage: the guarded signals end the wait. */
		if (r < 0 && errno == EINTR && xc_interrupted())
			return xc_check_interrupt(d->ctx, d->pid);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return xc_fail(d->ctx, d->pid, "process", "waitpid", -errno);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		d->seized = false;
		return xc_fail(d->ctx, d->pid, "process", "exited while being dumped", -ESRCH);
	}
	*sig = status >> 8;
	return 0;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Resume with req (PTRACE_SYSCALL or PTRACE_CONT) and wait for the next stop
 * that is neither a ptrace event stop nor a stop signal: a stopped job
 * reports its group stop again, a PTRACE_INTERRUPT may still be queued, and
 * SIGSTOP cannot be blocked. A stop signal is held back and sent again when
 * the target is released, so the job ends up stopped as it asked. */
int xc_resume_wait(struct xc_dump *d, int req, const char *what, int *sig)
{
	for (int i = 0; i < 8; i++) {
		int err;

		if (ptrace(req, d->pid, 0, 0))
			return xc_fail(d->ctx, d->pid, what, "ptrace resume", -errno);
		err = xc_wait_stop(d, sig);
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
	return xc_fail(d->ctx, d->pid, what, "keeps stopping", -EAGAIN);
}

int xc_seize(struct xc_dump *d)
{
	int sig, err;

	/* Seccomp filters of the target would judge the parasite's calls
	 * too (and may kill it for one): suspend them while it is ours. */
	if (ptrace(PTRACE_SEIZE, d->pid, 0,
		   PTRACE_O_TRACESYSGOOD | (d->st.seccomp ? PTRACE_O_SUSPEND_SECCOMP : 0))) {
		err = -errno;
		return xc_fail(d->ctx, d->pid, "process", "ptrace seize", err);
	}
	d->seized = true;
	if (ptrace(PTRACE_INTERRUPT, d->pid, 0, 0))
		return xc_fail(d->ctx, d->pid, "process", "ptrace interrupt", -errno);
	/* Signals that were already queued show up as signal-delivery stops
	 * first; put each back so nothing is lost, until the interrupt stop. */
	for (;;) {
		err = xc_wait_stop(d, &sig);
		if (err)
			return err;
		if (sig >> 8 == PTRACE_EVENT_STOP) {
			/* An already stopped job reports its group stop. */
			if ((sig & 0x7f) != SIGTRAP)
				d->stopped = true;
			break;
		}
		if (ptrace(PTRACE_CONT, d->pid, 0, sig & 0x7f))
			return xc_fail(d->ctx, d->pid, "process", "ptrace resume", -errno);
		if (ptrace(PTRACE_INTERRUPT, d->pid, 0, 0))
			return xc_fail(d->ctx, d->pid, "process", "ptrace interrupt", -errno);
	}
	err = arch_get_regs(d->pid, &d->regs);
	if (err)
		return xc_fail(d->ctx, d->pid, "registers", "ptrace getregs", err);
	if (ptrace(PTRACE_GETSIGMASK, d->pid, sizeof(d->sigmask), &d->sigmask))
		return xc_fail(d->ctx, d->pid, "signal mask", "ptrace getsigmask", -errno);
	return 0;
}

/* Lend the task to a remote call: block every signal, so that no handler of
 * its own runs on our registers; what arrives stays pending and is dumped
 * with the rest. */
int xc_borrow(struct xc_dump *d)
{
	uint64_t all = ~0ULL;

	d->lent = true;
	if (d->borrowed)
		return 0;
	if (ptrace(PTRACE_SETSIGMASK, d->pid, sizeof(all), &all))
		return xc_fail(d->ctx, d->pid, "signal mask", "ptrace setsigmask", -errno);
	d->borrowed = true;
	return 0;
}

/* Registers and mask back as found, right after each remote call, so that
 * the task is always resumable as it was should xckpt die between calls.
 * After a remote call the task sits at a syscall exit rather than in the
 * interrupt stop, so the kernel would no longer restart an interrupted call
 * on its own: do what it would have done. */
int xc_give_back(struct xc_dump *d)
{
	struct xc_rec_regs r = d->regs;
	int err = 0;

	if (d->dirty) {
		arch_regs_restart(&r, true);
		err = arch_set_regs(d->pid, &r);
		if (err)
			err = xc_fail(d->ctx, d->pid, "registers", "put back (ptrace setregs)", err);
		else
			d->dirty = false;
	}
	if (d->borrowed) {
		if (ptrace(PTRACE_SETSIGMASK, d->pid, sizeof(d->sigmask), &d->sigmask))
			err = xc_fail(d->ctx, d->pid, "signal mask", "put back (ptrace setsigmask)",
				      -errno);
		else
			d->borrowed = false;
	}
	return err;
}

/* Back into an interrupt stop, where the task sits inside the kernel's
 * signal path, and put the registers as found there: the kernel itself then
 * restarts an interrupted system call, or fails it with EINTR for a signal
 * that arrived meanwhile, exactly as if it had never been seized. */
static int reinterrupt(struct xc_dump *d)
{
	uint64_t all = ~0ULL;
	int sig, err;

	if (ptrace(PTRACE_SETSIGMASK, d->pid, sizeof(all), &all) ||
	    ptrace(PTRACE_INTERRUPT, d->pid, 0, 0))
		return -errno;
	for (int i = 0; i < 8; i++) {
		if (ptrace(PTRACE_CONT, d->pid, 0, 0))
			return -errno;
		err = xc_wait_stop(d, &sig);
		if (err)
			return err;
		if (sig >> 8 == PTRACE_EVENT_STOP) {
			err = arch_set_regs(d->pid, &d->regs);
			if (!err && ptrace(PTRACE_SETSIGMASK, d->pid, sizeof(d->sigmask), &d->sigmask))
				err = -errno;
			if (!err)
				d->dirty = d->borrowed = false;
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
	if (d->lent && reinterrupt(d) && d->seized)
		xc_debug("pid %d: back to the interrupt stop failed; restart done by hand", d->pid);
	if (d->seized && xc_give_back(d))
		xc_warn("pid %d: could not put registers or signal mask back", d->pid);
	/* A stop signal held back during the dump: pending at the detach, it
	 * stops the job before it runs an instruction. */
	if (d->seized && d->stop_sig)
		kill(d->pid, SIGSTOP);
	if (d->seized && ptrace(PTRACE_DETACH, d->pid, 0, 0) && errno != ESRCH)
		xc_warn("pid %d: detach: %s", d->pid, strerror(errno));
	d->seized = false;
}

int xc_kill(struct xc_dump *d)
{
	if (kill(d->pid, SIGKILL))
		return xc_fail(d->ctx, d->pid, "process", "kill after dump", -errno);
	xc_kill_wait(d);
	return 0;
}

void xc_kill_wait(struct xc_dump *d)
{
	int status;

	/* As its tracer we are told when it is gone; its parent reaps it. */
	for (;;) {
		pid_t r = waitpid(d->pid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			break;
	}
	d->seized = false;
	d->nr_undo = 0;
}
