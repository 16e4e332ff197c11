/* A thread: registers (as found at seize, with an interrupted syscall set to
 * be issued again), FP/vector state, signal mask, sigaltstack and rseq. */
#define LOG_PREFIX "regs: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* Linux 5.13; the C library's header has the request, not the struct. */
#define XC_PTRACE_GET_RSEQ_CONFIGURATION 0x420f
struct xc_rseq_conf {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

/* A thread stopped inside an rseq critical section must leave it through
 * its abort handler, as the kernel makes it do on preemption: our remote
 * calls resume it elsewhere, which would let the kernel drop the section
 * silently. Done right after the seize, before any remote call. */
int dump_rseq_fixup(struct xc_dump *d)
{
	struct xc_rseq_conf rc = { 0 };
	struct { uint32_t version, flags; uint64_t start_ip, post_commit_offset, abort_ip; } cs;
	uint64_t cs_ptr, zero = 0, ip = arch_regs_ip(&d->regs);
	long n = ptrace(XC_PTRACE_GET_RSEQ_CONFIGURATION, d->pid, sizeof(rc), &rc);

	if (n <= 0 || !rc.rseq_abi_pointer)
		return 0;
	/* struct rseq: u32 cpu_id_start, u32 cpu_id, u64 rseq_cs, ... */
	if (pread(d->memfd, &cs_ptr, sizeof(cs_ptr), rc.rseq_abi_pointer + 8) != sizeof(cs_ptr))
		return xc_fail(d->ctx, d->pid, "rseq area", "read", errno ? -errno : -EIO);
	if (!cs_ptr)
		return 0;
	if (pread(d->memfd, &cs, sizeof(cs), cs_ptr) != sizeof(cs))
		return xc_fail(d->ctx, d->pid, "rseq critical section", "read", errno ? -errno : -EIO);
	if (ip < cs.start_ip || ip - cs.start_ip >= cs.post_commit_offset)
		return 0;
	xc_debug("pid %d: in an rseq critical section at %#llx: abort to %#llx", d->pid,
		 (unsigned long long)ip, (unsigned long long)cs.abort_ip);
	if (pwrite(d->memfd, &zero, sizeof(zero), rc.rseq_abi_pointer + 8) != sizeof(zero))
		return xc_fail(d->ctx, d->pid, "rseq area", "clear rseq_cs", errno ? -errno : -EIO);
	arch_regs_set_ip(&d->regs, cs.abort_ip);
	d->dirty = true;
	return 0;
}

int dump_thread(struct xc_dump *d)
{
	struct xc_rseq_conf rc = { 0 };
	struct xc_rec_thread t = { 0 };
	struct xc_rec_xstate_hdr xh = { .tid = (uint32_t)d->pid };
	struct xc_rec_regs r = d->regs;
	size_t xlen = ARCH_XSTATE_MAX;
	void *xs;
	long n;
	int err;

	t.tid = d->pid;
	t.flags = d->stopped ? XC_THR_STOPPED : 0;
	t.sigmask = d->sigmask;
	t.ss_sp = d->misc.misc.ss_sp;
	t.ss_size = d->misc.misc.ss_size;
	t.ss_flags = (uint32_t)d->misc.misc.ss_flags;
	n = ptrace(XC_PTRACE_GET_RSEQ_CONFIGURATION, d->pid, sizeof(rc), &rc);
	if (n < 0 && errno != EIO && errno != EINVAL)
		return xc_fail(d->ctx, d->pid, "rseq", "ptrace get rseq configuration", -errno);
	if (n > 0 && rc.rseq_abi_pointer) {
		t.rseq_ptr = rc.rseq_abi_pointer;
		t.rseq_len = rc.rseq_abi_size;
		t.rseq_sig = rc.signature;
	}
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_THREAD, &t, sizeof(t));
	if (err)
		return err;
	arch_regs_restart(&r, false);
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_REGS, &r, sizeof(r));
	if (err)
		return err;
	xs = calloc(1, xlen);
	if (!xs)
		return xc_fail(d->ctx, d->pid, "xstate", "allocate", -ENOMEM);
	err = arch_get_xstate(d->pid, xs, &xlen, &xh.features);
	if (err) {
		free(xs);
		return xc_fail(d->ctx, d->pid, "FP/vector registers", "ptrace getregset", err);
	}
	xh.size = (uint32_t)xlen;
	err = xc_imgw_put2(d->ctx, &d->img, XC_REC_XSTATE, &xh, sizeof(xh), xs, xlen);
	free(xs);
	return err;
}
