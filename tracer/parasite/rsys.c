/* Remote syscall: run one syscall in the target's context. The target's
 * registers are pointed at a syscall instruction that already exists in its
 * [vdso], and PTRACE_SYSCALL stops it on entry and exit, so no byte of its
 * memory is ever written for this. */
#define LOG_PREFIX "rsys: "
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

int xc_rsys_init(struct xc_dump *d)
{
	struct xc_tree *t = d->tree;
	const struct xc_vma *vdso = NULL;
	uint8_t *buf;
	ssize_t n;

	for (size_t i = 0; i < d->nr_vmas; i++)
		if (!strcmp(d->vmas[i].path, "[vdso]"))
			vdso = &d->vmas[i];
	if (!vdso)
		return xc_fail(d->ctx, d->pid, "[vdso]", "find a syscall instruction: no vDSO mapped",
			       -ENOTSUP);
	/* Every process of one kernel maps the same vDSO: the offset found in
	 * one is tried first in the next, its bytes read again to be sure. */
	if (t && t->vdso_len == vdso->end - vdso->start) {
		uint8_t insn[ARCH_SYSCALL_INSN_LEN];

		if (pread(d->memfd, insn, sizeof(insn), vdso->start + t->vdso_insn_off) ==
			    (ssize_t)sizeof(insn) && arch_is_syscall_insn(insn)) {
			d->syscall_insn = vdso->start + t->vdso_insn_off;
			return 0;
		}
	}
	buf = malloc(vdso->end - vdso->start);
	if (!buf)
		return xc_fail(d->ctx, d->pid, "[vdso]", "read", -ENOMEM);
	n = pread(d->memfd, buf, vdso->end - vdso->start, vdso->start);
	if (n < ARCH_SYSCALL_INSN_LEN) {
		free(buf);
		return xc_fail(d->ctx, d->pid, "[vdso]", "read", n < 0 ? -errno : -EIO);
	}
	for (ssize_t i = 0; i + ARCH_SYSCALL_INSN_LEN <= n; i++) {
		if (arch_is_syscall_insn(buf + i)) {
			d->syscall_insn = vdso->start + i;
			if (t) {
				t->vdso_len = vdso->end - vdso->start;
				t->vdso_insn_off = (uint64_t)i;
			}
			break;
		}
	}
	free(buf);
	if (!d->syscall_insn)
		return xc_fail(d->ctx, d->pid, "[vdso]", "find a syscall instruction", -ENOTSUP);
	return 0;
}

static int check_stop(struct xc_dump *d, const char *what, int sig)
{
	if (sig != (SIGTRAP | 0x80))
		return xc_failf(d->ctx, d->pid, "unexpected stop", -EIO, "remote %s (signal %d)", what,
				sig & 0x7f);
	return 0;
}

/* Registers set for the call, and the run to its entry started. */
static int call_start(struct xc_dump *d, long nr, const uint64_t args[6], const char *what)
{
	struct xc_dthread *t = xc_leader(d);
	struct xc_rec_regs r = t->regs;
	int err = xc_borrow(d, t);

	if (err)
		return err;
	arch_rsys_prepare(&r, d->syscall_insn, nr, args);
	err = arch_set_regs(d->pid, &r);
	if (err)
		return xc_fail(d->ctx, d->pid, what, "ptrace setregs", err);
	t->dirty = true;
	return xc_resume(d, t, PTRACE_SYSCALL, what);
}

/* At the entry stop: on to the exit. */
static int call_enter(struct xc_dump *d, const char *what)
{
	int sig, err = xc_wait_resumed(d, xc_leader(d), PTRACE_SYSCALL, what, &sig);

	if (!err)
		err = check_stop(d, what, sig);
	if (!err)
		err = xc_resume(d, xc_leader(d), PTRACE_SYSCALL, what);
	return err;
}

/* At the exit stop: the result, registers and mask given back. */
static int call_end(struct xc_dump *d, const char *what, long *ret)
{
	struct xc_dthread *t = xc_leader(d);
	struct xc_rec_regs r;
	int sig, err = xc_wait_resumed(d, t, PTRACE_SYSCALL, what, &sig);

	if (!err)
		err = check_stop(d, what, sig);
	if (err)
		return err;
	err = arch_get_regs(d->pid, &r);
	if (err)
		return xc_fail(d->ctx, d->pid, what, "ptrace getregs", err);
	*ret = arch_rsys_ret(&r);
	return xc_give_back(d, t);
}

int xc_rsys(struct xc_dump *d, long nr, const uint64_t args[6], long *ret)
{
	char what[32];
	int err;

	snprintf(what, sizeof(what), "syscall %ld", nr);
	err = call_start(d, nr, args, what);
	if (!err)
		err = call_enter(d, what);
	if (!err)
		err = call_end(d, what, ret);
	return err;
}

/* Each half of the call in every target before the next half in any: the
 * targets run their stretches together. A failure starts nothing more, and
 * every target already running is waited for, so that each one is stopped
 * again, with its registers lent (the release gives them back) or given
 * back. */
int xc_rsys_all(struct xc_rsys_call *c, size_t n)
{
	enum { IDLE, TO_ENTRY, TO_EXIT };
	char what[32];
	int err = 0;
	uint8_t *st;

	if (!n)
		return 0;
	st = calloc(n, 1);
	if (!st)
		return xc_fail(c[0].d->ctx, c[0].d->pid, "remote calls", "allocate", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "syscall %ld", c[i].nr);
		c[i].err = err ? -ECANCELED : call_start(c[i].d, c[i].nr, c[i].args, what);
		/* A start that fails part-way is not running: nothing to wait for. */
		if (!c[i].err)
			st[i] = TO_ENTRY;
		else if (!err)
			err = c[i].err;
	}
	for (size_t i = 0; i < n; i++) {
		if (st[i] != TO_ENTRY)
			continue;
		snprintf(what, sizeof(what), "syscall %ld", c[i].nr);
		if (err) {	/* stopped at the entry, left lent */
			int sig, e = xc_wait_resumed(c[i].d, xc_leader(c[i].d), PTRACE_SYSCALL, what, &sig);

			c[i].err = e ? e : -ECANCELED;
			st[i] = IDLE;
			continue;
		}
		c[i].err = call_enter(c[i].d, what);
		st[i] = c[i].err ? IDLE : TO_EXIT;
		if (c[i].err)
			err = c[i].err;
	}
	for (size_t i = 0; i < n; i++) {
		if (st[i] != TO_EXIT)
			continue;
		snprintf(what, sizeof(what), "syscall %ld", c[i].nr);
		c[i].err = call_end(c[i].d, what, &c[i].ret);
		if (c[i].err && !err)
			err = c[i].err;
	}
	free(st);
	return err;
}
