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
	/* The thread's NUMA policy; 64 nodes at most (EINVAL beyond) */
	int32_t mode = 0;
	t->mempolicy_nodes = 0;
	r = xc_sys5(__NR_get_mempolicy, &mode, &t->mempolicy_nodes, 64, 0, 0);
	t->mempolicy = r ? r : mode;
	return xc_sys2(__NR_prctl, 40 /* PR_GET_TID_ADDRESS */, &t->tid_address);
}

/* mlockall(MCL_FUTURE) leaves its mark only on new mappings: map a fresh
 * page, see whether it is locked (MADV_DONTNEED refuses a locked mapping)
 * and, if so, populated (MCL_ONFAULT leaves it empty), and unmap it. The
 * mapping layout is as it was afterwards. Returns MCL_* bits or -errno. */
static int32_t mcl_future(void)
{
	long p = xc_sys6(__NR_mmap, 0, 4096, 1 /* PROT_READ */, 0x22 /* MAP_PRIVATE|ANONYMOUS */, -1, 0);
	unsigned char vec = 0;
	int32_t mcl = 0;
	long r;

	if (p < 0)
		return (int32_t)p;
	r = xc_sys3(__NR_madvise, p, 4096, 4 /* MADV_DONTNEED */);
	if (r == -22 /* EINVAL: VM_LOCKED */) {
		mcl = 2;	/* MCL_FUTURE */
		r = xc_sys3(__NR_mincore, p, 4096, &vec);
		if (!r && !(vec & 1))
			mcl |= 4;	/* MCL_ONFAULT */
	}
	xc_sys2(__NR_munmap, p, 4096);
	return r < 0 ? (int32_t)r : mcl;
}

/* The first mapping with a NUMA memory policy of its own (mbind): each
 * mapping's start from /proc/self/maps, and get_mempolicy(MPOL_F_ADDR),
 * which answers the mapping's own policy and MPOL_DEFAULT where it has
 * none (the thread's own is asked apart). Returns its start, 0 for none
 * (or a kernel without NUMA), or -errno. */
static int64_t vma_policy(void)
{
	static const char path[] = "/proc/self/maps";
	char buf[2048];
	uint64_t addr = 0;
	int line_start = 1, in_addr = 1;
	int64_t found = 0;
	int32_t mode;
	long fd = xc_sys4(__NR_openat, -100 /* AT_FDCWD */, path, 0x80000 /* O_CLOEXEC */, 0), n;
	int done = 0;

	if (fd < 0)
		return fd;
	while (!done && (n = xc_sys3(__NR_read, fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n && !done; i++) {
			char c = buf[i];

			if (c == '\n') {
				line_start = in_addr = 1;
				addr = 0;
				continue;
			}
			if (!in_addr)
				continue;
			if (c >= '0' && c <= '9')
				addr = addr << 4 | (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				addr = addr << 4 | (uint64_t)(c - 'a' + 10);
			else if (c == '-' && !line_start) {
				long r = xc_sys5(__NR_get_mempolicy, &mode, 0, 0, addr, 2 /* MPOL_F_ADDR */);

				if (r == -38 /* ENOSYS: no NUMA */)
					done = 1;
				if (!r && mode) {
					found = (int64_t)addr;
					done = 1;
				}
				in_addr = 0;	/* EFAULT: [vsyscall], no mapping */
			} else {
				in_addr = 0;
			}
			line_start = 0;
		}
	}
	xc_sys1(__NR_close, fd);
	return n < 0 ? n : found;
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
	a->misc.dumpable = xc_sys5(__NR_prctl, 3 /* PR_GET_DUMPABLE */, 0, 0, 0, 0);
	a->misc.memory_merge = xc_sys5(__NR_prctl, 68 /* PR_GET_MEMORY_MERGE */, 0, 0, 0, 0);
	a->misc.mcl = mcl_future();
	a->misc.brk = xc_sys1(__NR_brk, 0);
	a->misc.futex_hash = xc_sys5(__NR_prctl, 78 /* PR_FUTEX_HASH */, 2 /* GET_SLOTS */, 0, 0, 0);
	a->misc.vma_policy = vma_policy();
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
