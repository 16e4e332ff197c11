/* The parasite: runs inside the stopped target, on its own stack, with all
 * signals blocked by the host, and asks the kernel what only the task itself
 * can ask. Freestanding: raw syscalls only, no libc, no TLS. */
#include "arch/blob-syscall.h"
#include "tracer/parasite/blob/cmds.h"

static long dump_thread(struct xc_pthread_state *t)
{
	long r = xc_sys2(__NR_sigaltstack, 0, &t->ss_sp);

	if (r)
		return r;
	t->timerslack = xc_sys5(__NR_prctl, 30 /* PR_GET_TIMERSLACK */, 0, 0, 0, 0);
	if (t->timerslack < 0)
		return t->timerslack;
	t->securebits = xc_sys5(__NR_prctl, 27 /* PR_GET_SECUREBITS */, 0, 0, 0, 0);
	t->mce_kill = xc_sys5(__NR_prctl, 34 /* PR_MCE_KILL_GET */, 0, 0, 0, 0);
	for (int w = 0; w < 3; w++)
		t->spec[w] = xc_sys5(__NR_prctl, 52 /* PR_GET_SPECULATION_CTRL */, w, 0, 0, 0);
	r = xc_sys5(__NR_prctl, 2 /* PR_GET_PDEATHSIG */, &t->pdeathsig, 0, 0, 0);
	if (r)
		t->pdeathsig = (int32_t)r;
	r = xc_sys5(__NR_prctl, 25 /* PR_GET_TSC */, &t->tsc, 0, 0, 0);
	if (r)
		t->tsc = (int32_t)r;
	return xc_sys2(__NR_prctl, 40 /* PR_GET_TID_ADDRESS */, &t->tid_address);
}

static long dump_misc(struct xc_parasite_args *a)
{
	long r;

	for (int sig = 1; sig <= 64; sig++) {
		r = xc_sys4(__NR_rt_sigaction, sig, 0, &a->misc.sa[sig - 1], 8);
		if (r) {
			a->fail_index = sig;
			return r;
		}
	}
	r = dump_thread(&a->misc.thr);
	if (r)
		return r;
	a->misc.mdwe = xc_sys5(__NR_prctl, 66 /* PR_GET_MDWE */, 0, 0, 0, 0);
	a->misc.thp_disable = xc_sys5(__NR_prctl, 42 /* PR_GET_THP_DISABLE */, 0, 0, 0, 0);
	a->misc.membarrier = xc_sys3(__NR_membarrier, 1 << 9 /* GET_REGISTRATIONS */, 0, 0);
	r = xc_sys5(__NR_prctl, 37 /* PR_GET_CHILD_SUBREAPER */, (long)&a->misc.child_subreaper, 0, 0, 0);
	if (r)
		a->misc.child_subreaper = (int32_t)r;
	for (int w = 0; w < 3; w++) {
		r = xc_sys2(__NR_getitimer, w, &a->misc.it[w]);
		if (r) {
			a->fail_index = w;
			return r;
		}
	}
	return 0;
}

/* Both calls only read the timer: nothing changes for the target. */
static long dump_timers(struct xc_parasite_args *a)
{
	for (uint32_t i = 0; i < a->timers.nr && i < XC_PTIMERS_MAX; i++) {
		struct xc_ptimer *t = &a->timers.t[i];
		long r = xc_sys2(__NR_timer_gettime, t->id, &t->interval_sec);

		if (r >= 0)
			r = xc_sys1(__NR_timer_getoverrun, t->id);
		if (r < 0) {
			a->fail_index = i;
			return r;
		}
		t->overrun = (int32_t)r;
	}
	return 0;
}

__attribute__((used, visibility("hidden"))) void parasite_main(struct xc_parasite_args *a)
{
	if (xc_sys4(__NR_rt_sigaction, 5 /* SIGTRAP */, 0, &a->trap_sa, 8))
		a->trap_sa.handler = 0;
	switch (a->cmd) {
	case XC_PCMD_DUMP_MISC:
		a->ret = (int32_t)dump_misc(a);
		break;
	case XC_PCMD_DUMP_TIMERS:
		a->ret = (int32_t)dump_timers(a);
		break;
	case XC_PCMD_DUMP_THREAD:
		a->ret = (int32_t)dump_thread(&a->thr);
		break;
	default:
		a->ret = -22; /* EINVAL */
	}
}
