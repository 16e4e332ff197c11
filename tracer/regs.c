/* The threads: for each, registers (as found at seize, an interrupted
 * syscall kept interrupted for the kernel to end at restore), FP/vector state, signal mask,
 * sigaltstack, rseq, clear_child_tid, robust futex list, name and
 * scheduling (sched.c). The leader's record comes first. */
#define LOG_PREFIX "regs: "
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
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
static int rseq_fixup(struct xc_dump *d, struct xc_dthread *t)
{
	struct xc_rseq_conf rc = { 0 };
	struct { uint32_t version, flags; uint64_t start_ip, post_commit_offset, abort_ip; } cs;
	uint64_t cs_ptr, zero = 0, ip = arch_regs_ip(&t->regs);
	long n = ptrace(XC_PTRACE_GET_RSEQ_CONFIGURATION, t->tid, sizeof(rc), &rc);

	if (n <= 0 || !rc.rseq_abi_pointer)
		return 0;
	/* struct rseq: u32 cpu_id_start, u32 cpu_id, u64 rseq_cs, ... */
	if (pread(d->memfd, &cs_ptr, sizeof(cs_ptr), rc.rseq_abi_pointer + 8) != sizeof(cs_ptr))
		return xc_failf(d->ctx, d->pid, "read", errno ? -errno : -EIO,
				"rseq area of thread %d", t->tid);
	if (!cs_ptr)
		return 0;
	if (pread(d->memfd, &cs, sizeof(cs), cs_ptr) != sizeof(cs))
		return xc_failf(d->ctx, d->pid, "read", errno ? -errno : -EIO,
				"rseq critical section of thread %d", t->tid);
	if (ip < cs.start_ip || ip - cs.start_ip >= cs.post_commit_offset)
		return 0;
	xc_debug("pid %d: thread %d in an rseq critical section at %#llx: abort to %#llx", d->pid,
		 t->tid, (unsigned long long)ip, (unsigned long long)cs.abort_ip);
	if (pwrite(d->memfd, &zero, sizeof(zero), rc.rseq_abi_pointer + 8) != sizeof(zero))
		return xc_failf(d->ctx, d->pid, "clear rseq_cs", errno ? -errno : -EIO,
				"rseq area of thread %d", t->tid);
	arch_regs_set_ip(&t->regs, cs.abort_ip);
	t->dirty = true;
	return 0;
}

int dump_rseq_fixup(struct xc_dump *d)
{
	int err = 0;

	for (size_t i = 0; i < d->nr_thr && !err; i++)
		err = rseq_fixup(d, &d->thr[i]);
	return err;
}

/* The registers each thread is kept with (arch_regs_for_image()). One
 * found in restart_syscall restarts a call that its registers do not name:
 * it is told from the code that loaded the call's number; a restart that
 * cannot be told is refused (a new task has no restart block, and running
 * restart_syscall there fails it with EINTR). */
int dump_regs_check(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_thr; i++) {
		struct xc_dthread *t = &d->thr[i];
		uint8_t code[ARCH_CALL_CODE_LEN];
		uint64_t at = arch_regs_ip(&t->regs) - sizeof(code);
		long nr = -1;

		t->img_regs = t->regs;
		if (arch_regs_in_restart_syscall(&t->regs) &&
		    pread(d->memfd, code, sizeof(code), (off_t)at) == (ssize_t)sizeof(code))
			nr = arch_restart_syscall_nr(code);
		if (arch_regs_for_image(&t->img_regs, nr)) {
			d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
			return xc_failf(d->ctx, d->pid, "in restart_syscall of a call that cannot be "
					"told from its code: not supported", -ENOTSUP, "thread %d",
					t->tid);
		}
	}
	return 0;
}

/* Each thread's own view of the things the kernel keeps per thread but
 * the restore creates once per process (credentials, seccomp): a thread
 * that differs from its leader would come back with the leader's. */
int dump_threads_check(struct xc_dump *d)
{
	struct xc_proc_status st = { 0 };
	struct xc_proc_stat pst;
	char name[64], *buf;
	size_t len;
	int err;

	for (size_t i = 0; i < d->nr_thr; i++) {
		pid_t tid = d->thr[i].tid;

		/* Flags of the thread: PR_SET_IO_FLUSHER is not restored, a
		 * restore would need CAP_SYS_RESOURCE to set it again. */
		snprintf(name, sizeof(name), "task/%d/stat", tid);
		err = xc_proc_read(d, name, &buf, &len);
		if (!err) {
			err = xc_parse_stat(buf, len, &pst);
			free(buf);
			if (err)
				return xc_fail(d->ctx, d->pid, name, "parse", err);
		}
		if (!err && i) {
			snprintf(name, sizeof(name), "task/%d/status", tid);
			err = xc_proc_read(d, name, &buf, &len);
			if (!err) {
				err = xc_parse_status(buf, len, &st);
				free(buf);
				if (err)
					return xc_fail(d->ctx, d->pid, name, "parse", err);
			}
		}
		if (err)
			return err;
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		if (xc_io_flusher(pst.flags))
			return xc_failf(d->ctx, d->pid, "PR_SET_IO_FLUSHER is not restored yet",
					-ENOTSUP, "thread %d", tid);
		if (i && st.seccomp)
			return xc_failf(d->ctx, d->pid,
					"seccomp in a thread other than the leader is not supported yet",
					-ENOTSUP, "seccomp of thread %d", tid);
		if (i && (memcmp(st.uid, d->st.uid, sizeof(st.uid)) ||
			  memcmp(st.gid, d->st.gid, sizeof(st.gid)) || st.nr_groups != d->st.nr_groups ||
			  memcmp(st.groups, d->st.groups, sizeof(st.groups)) ||
			  st.cap_inh != d->st.cap_inh || st.cap_prm != d->st.cap_prm ||
			  st.cap_eff != d->st.cap_eff || st.cap_bnd != d->st.cap_bnd ||
			  st.cap_amb != d->st.cap_amb || st.no_new_privs != d->st.no_new_privs))
			return xc_failf(d->ctx, d->pid,
					"threads with credentials of their own are not supported yet",
					-ENOTSUP, "credentials of thread %d", tid);
		d->ctx->exit_hint = 0;
	}
	return 0;
}

static int thread_name(struct xc_dump *d, struct xc_dthread *t, char comm[16])
{
	char name[64], *buf, *nl;
	size_t len;
	int err;

	snprintf(name, sizeof(name), "task/%d/comm", t->tid);
	err = xc_proc_read(d, name, &buf, &len);
	if (err)
		return err;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	snprintf(comm, 16, "%.15s", buf);
	free(buf);
	return 0;
}

static int dump_one(struct xc_dump *d, struct xc_dthread *th, size_t i, void *xs)
{
	struct xc_rseq_conf rc = { 0 };
	struct xc_rec_thread t = { 0 };
	struct xc_rec_xstate_hdr xh = { .tid = (uint32_t)th->tid };
	size_t xlen = ARCH_XSTATE_MAX;
	long n;
	int err;

	t.tid = th->tid;
	t.flags = !i && d->stopped ? XC_THR_STOPPED : 0;
	t.sigmask = th->sigmask;
	t.ss_sp = th->ps.ss_sp;
	t.ss_size = th->ps.ss_size;
	t.ss_flags = (uint32_t)th->ps.ss_flags;
	t.clear_child_tid = th->ps.tid_address;
	t.timer_slack_ns = (uint64_t)th->ps.timerslack;
	xc_thread_attrs_from_ps(&th->ps, &t);
	n = ptrace(XC_PTRACE_GET_RSEQ_CONFIGURATION, th->tid, sizeof(rc), &rc);
	if (n < 0 && errno != EIO && errno != EINVAL)
		return xc_failf(d->ctx, d->pid, "ptrace get rseq configuration", -errno,
				"rseq of thread %d", th->tid);
	if (n > 0 && rc.rseq_abi_pointer) {
		t.rseq_ptr = rc.rseq_abi_pointer;
		t.rseq_len = rc.rseq_abi_size;
		t.rseq_sig = rc.signature;
	}
	if (syscall(SYS_get_robust_list, th->tid, &t.robust_list, &t.robust_len))
		return xc_failf(d->ctx, d->pid, "get_robust_list", -errno,
				"robust futex list of thread %d", th->tid);
	err = thread_name(d, th, t.comm);
	if (!err)
		err = dump_sched(d, th->tid, &t);
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_THREAD, &t, sizeof(t));
	if (err)
		return err;
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_REGS, &th->img_regs, sizeof(th->img_regs));
	if (err)
		return err;
	err = arch_get_xstate(th->tid, xs, &xlen, &xh.features);
	if (err)
		return xc_failf(d->ctx, d->pid, "ptrace getregset", err,
				"FP/vector registers of thread %d", th->tid);
	xh.size = (uint32_t)xlen;
	return xc_imgw_put2(d->ctx, &d->img, XC_REC_XSTATE, &xh, sizeof(xh), xs, xlen);
}

int dump_threads(struct xc_dump *d)
{
	void *xs = malloc(ARCH_XSTATE_MAX);
	int err = 0;

	if (!xs)
		return xc_fail(d->ctx, d->pid, "xstate", "allocate", -ENOMEM);
	for (size_t i = 0; i < d->nr_thr && !err; i++) {
		memset(xs, 0, ARCH_XSTATE_MAX);
		err = dump_one(d, &d->thr[i], i, xs);
	}
	free(xs);
	return err;
}
