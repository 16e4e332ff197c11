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

static int step(struct xc_dump *d, const char *what)
{
	int sig, err;

	err = xc_resume_wait(d, xc_leader(d), PTRACE_SYSCALL, what, &sig);
	if (err)
		return err;
	if (sig != (SIGTRAP | 0x80))
		return xc_failf(d->ctx, d->pid, "unexpected stop", -EIO, "remote %s (signal %d)", what,
				sig & 0x7f);
	return 0;
}

int xc_rsys(struct xc_dump *d, long nr, const uint64_t args[6], long *ret)
{
	struct xc_dthread *t = xc_leader(d);
	struct xc_rec_regs r = t->regs;
	char what[32];
	int err;

	snprintf(what, sizeof(what), "syscall %ld", nr);
	err = xc_borrow(d, t);
	if (err)
		return err;
	arch_rsys_prepare(&r, d->syscall_insn, nr, args);
	err = arch_set_regs(d->pid, &r);
	if (err)
		return xc_fail(d->ctx, d->pid, what, "ptrace setregs", err);
	t->dirty = true;
	err = step(d, what);
	if (!err)
		err = step(d, what);
	if (err)
		return err;
	err = arch_get_regs(d->pid, &r);
	if (err)
		return xc_fail(d->ctx, d->pid, what, "ptrace getregs", err);
	*ret = arch_rsys_ret(&r);
	return xc_give_back(d, t);
}
