/* The restorer blob: runs in the new task after everything of xckpt but
 * itself is gone. Phase 1 unmaps xckpt, maps the vDSO back and the target's
 * VMAs (writable where the parent will fill pages), then traps. Phase 2
 * creates the other threads with their tids (each sets its own per-thread
 * state and parks), sets protections, the mm layout, limits, credentials
 * and the leader's own thread state, queues the pending signals, traps once
 * more and rt_sigreturn's into the saved registers; the parent sends each
 * parked thread through its own frame. Freestanding: raw syscalls, no libc,
 * no TLS, no globals. */
#include <asm/mman.h>
#include <stdbool.h>
#include <linux/prctl.h>
#include <linux/ioctl.h>
#include <linux/userfaultfd.h>

#include "arch/blob-syscall.h"
#include "common/img-format.h"
#include "common/sched-attr.h"
#include "restorer/blob/args.h"

#define F_SETLK_ 6
#define MAP_FIXED_ 0x10
#define MAP_PRIVATE_ 0x02
#define MADV_DONTDUMP_ 16
#define MADV_HUGEPAGE_ 14
#define MADV_NOHUGEPAGE_ 15
#define MADV_DONTFORK_ 10
#define MADV_WIPEONFORK_ 18
#define MADV_MERGEABLE_ 12
#define MADV_SEQUENTIAL_ 2
#define MADV_RANDOM_ 1
#define MLOCK_ONFAULT_ 1
#ifndef PR_SET_VMA		/* Linux 5.17; older headers */
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
#define SHM_RDONLY_ 010000
#define SHM_REMAP_ 040000

static __attribute__((noreturn)) void fail(struct rst_args *a, long err, enum rst_step step,
					   uint32_t index)
{
	a->err = (int32_t)err;
	a->step = step;
	a->index = index;
	xc_trap();
	for (;;)
		xc_sys1(__NR_exit_group, 127);
}

static void unmap_xckpt(struct rst_args *a)
{
	long r;

	if (a->self_start) {
		r = xc_sys2(__NR_munmap, 0, a->self_start);
		if (r)
			fail(a, r, RST_STEP_UNMAP, 0);
	}
	r = xc_sys2(__NR_munmap, a->self_end, a->task_size - a->self_end);
	if (r)
		fail(a, r, RST_STEP_UNMAP, 1);
}

static void advise(struct rst_args *a, uint32_t i, uint64_t start, uint64_t len, int adv)
{
	long r = xc_sys3(__NR_madvise, start, len, adv);
	if (r)
		fail(a, r, RST_STEP_MADVISE, i);
}

/* A System V attachment: the head VMA attaches the whole segment (the
 * later VMAs of the attachment lie inside it), each VMA then takes its own
 * protection, as mprotect had split it. */
static void attach_shm(struct rst_args *a, const struct rst_vma *v, uint32_t i)
{
	uint32_t ro = v->shm & RST_SHM_RDONLY;
	long r;

	if (v->shm & RST_SHM_HEAD) {
		r = xc_sys3(__NR_shmat, v->fd, v->start, SHM_REMAP_ | (ro ? SHM_RDONLY_ : 0));
		if ((unsigned long)r != v->start)
			fail(a, r < 0 ? r : -17, RST_STEP_SHMAT, i);
	}
	if (v->prot != (ro ? PROT_READ : PROT_READ | PROT_WRITE)) {
		r = xc_sys3(__NR_mprotect, v->start, v->end - v->start, v->prot);
		if (r)
			fail(a, r, RST_STEP_MPROTECT, i);
	}
}

static void map_vmas(struct rst_args *a)
{
	struct rst_vma *v = (struct rst_vma *)a->vmas;

	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		uint32_t prot = v[i].prot | (v[i].fill ? PROT_READ | PROT_WRITE : 0);
		long r;

		if (v[i].shm) {
			attach_shm(a, &v[i], i);
			continue;
		}
		r = xc_sys6(__NR_mmap, v[i].start, v[i].end - v[i].start, prot,
			    v[i].mflags | MAP_FIXED_, v[i].fd, v[i].pgoff);
		if ((unsigned long)r != v[i].start)
			fail(a, r < 0 ? r : -17, RST_STEP_MMAP, i);
		if (v[i].name[0]) {
			r = xc_sys5(__NR_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, v[i].start,
				    v[i].end - v[i].start, (long)v[i].name);
			if (r)
				fail(a, r, RST_STEP_VMA_NAME, i);
		}
		/* Before the pages arrive, so that they are faulted in as huge
		 * pages where the target had them. */
		if (v[i].vmflags & XC_VMF_HUGEPAGE)
			advise(a, i, v[i].start, v[i].end - v[i].start, MADV_HUGEPAGE_);
		if (v[i].vmflags & XC_VMF_NOHUGEPAGE)
			advise(a, i, v[i].start, v[i].end - v[i].start, MADV_NOHUGEPAGE_);
	}
}

/* With --lazy: one userfaultfd for the process, every lazy VMA registered
 * in missing mode, so that a page not yet written faults to xckpt's page
 * server (restorer/lazy.c), which takes the fd at the first trap; the fd
 * is closed in phase 2, so that the table is the dumped one. */
static void make_uffd(struct rst_args *a)
{
	struct rst_vma *v = (struct rst_vma *)a->vmas;
	struct uffdio_api api = { .api = UFFD_API, .features = a->uffd_features };
	long fd, r;

	a->uffd = -1;
	if (!a->lazy)
		return;
	fd = xc_sys1(__NR_userfaultfd, 02000000 /* O_CLOEXEC */ | 04000 /* O_NONBLOCK */);
	if (fd < 0)
		fail(a, fd, RST_STEP_UFFD, 0);
	a->uffd = (int32_t)fd;
	r = xc_sys3(__NR_ioctl, fd, UFFDIO_API, &api);
	if (r)
		fail(a, r, RST_STEP_UFFD, 0);
	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		struct uffdio_register reg = {
			.range = { v[i].start, v[i].end - v[i].start },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		if (!v[i].lazy)
			continue;
		r = xc_sys3(__NR_ioctl, fd, UFFDIO_REGISTER, &reg);
		if (r)
			fail(a, r, RST_STEP_UFFD, i);
	}
}

static void finish_vmas(struct rst_args *a)
{
	struct rst_vma *v = (struct rst_vma *)a->vmas;

	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		uint64_t s = v[i].start, l = v[i].end - v[i].start;
		uint32_t f = v[i].vmflags;
		long r;

		if (v[i].fill && (v[i].prot != (PROT_READ | PROT_WRITE))) {
			r = xc_sys3(__NR_mprotect, s, l, v[i].prot);
			if (r)
				fail(a, r, RST_STEP_MPROTECT, i);
		}
		if (f & XC_VMF_DONTDUMP)
			advise(a, i, s, l, MADV_DONTDUMP_);
		if (f & XC_VMF_DONTFORK)
			advise(a, i, s, l, MADV_DONTFORK_);
		if ((f & XC_VMF_WIPEONFORK) && (v[i].mflags & MAP_PRIVATE_))
			advise(a, i, s, l, MADV_WIPEONFORK_);
		if (f & XC_VMF_MERGEABLE)
			advise(a, i, s, l, MADV_MERGEABLE_);
		if (f & XC_VMF_SEQ_READ)
			advise(a, i, s, l, MADV_SEQUENTIAL_);
		if (f & XC_VMF_RAND_READ)
			advise(a, i, s, l, MADV_RANDOM_);
		if (f & XC_VMF_LOCKED) {
			r = xc_sys3(__NR_mlock2, s, l, f & XC_VMF_LOCKONFAULT ? MLOCK_ONFAULT_ : 0);
			if (r)
				fail(a, r, RST_STEP_MLOCK, i);
		}
	}
}

/* Seccomp filters, first installed first, then strict mode. Before the
 * credentials change, which would forbid the install to a process without
 * no_new_privs; the tracer suspends them for the rest of the restore. */
static void set_seccomp(struct rst_args *a)
{
	const uint32_t *p = (const uint32_t *)a->filters;
	long r;

	for (uint32_t i = 0; i < a->nr_filters; i++) {
		struct { uint16_t len; uint16_t pad[3]; uint64_t filter; } prog = {
			.len = (uint16_t)p[1], .filter = (uint64_t)(p + 2) };

		r = xc_sys3(__NR_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, p[0], &prog);
		if (r)
			fail(a, r, RST_STEP_SECCOMP, i);
		p += 2 + 2 * p[1];	/* 8-byte instructions */
	}
	if (a->seccomp_mode == 1) {
		r = xc_sys3(__NR_seccomp, 0 /* SECCOMP_SET_MODE_STRICT */, 0, 0);
		if (r)
			fail(a, r, RST_STEP_SECCOMP, a->nr_filters);
	}
}

struct cap_hdr { uint32_t version; int32_t pid; };
struct cap_data { uint32_t eff, prm, inh; };
#define CAP_V3_ 0x20080522

static long capset_(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct cap_hdr h = { CAP_V3_, 0 };
	struct cap_data d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return xc_sys2(__NR_capset, &h, d);
}

/* Still root: the inheritable set while the bounding set still allows
 * any (capset() takes no inheritable capability outside the bounding set
 * without it), then the bounding set as it was (PR_CAPBSET_DROP needs
 * CAP_SETPCAP), and keep-caps on so that setresuid() leaves the permitted
 * set. */
static long caps_before_ids(struct rst_args *a)
{
	struct cap_hdr h = { CAP_V3_, 0 };
	struct cap_data d[2];
	long r = xc_sys2(__NR_capget, &h, d);

	if (!r)
		r = capset_(d[0].eff | (uint64_t)d[1].eff << 32, d[0].prm | (uint64_t)d[1].prm << 32,
			    a->cap_inh);
	for (int c = 0; !r && c < 64; c++)
		if (!(a->cap_bnd >> c & 1)) {
			r = xc_sys2(__NR_prctl, PR_CAPBSET_DROP, c);
			if (r == -22)	/* EINVAL: no such capability here */
				r = 0;
		}
	return r ? r : xc_sys2(__NR_prctl, PR_SET_KEEPCAPS, 1);
}

/* The ids are set: the three sets as they were (all within what was kept),
 * and the ambient set. */
static long caps_after_ids(struct rst_args *a)
{
	long r = capset_(a->cap_eff, a->cap_prm, a->cap_inh);

	if (!r)
		r = xc_sys5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; !r && c < 64; c++)
		if (a->cap_amb >> c & 1)
			r = xc_sys5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
	return r;
}

/* Credentials are per thread in the kernel: each thread sets its own,
 * keep-caps last. Returns 0 or -errno, *step naming what failed. */
static long set_creds(struct rst_args *a, const struct rst_thread *t, uint32_t *step)
{
	long r = 0;

	if (a->set_creds) {
		*step = RST_STEP_CAPS;
		r = caps_before_ids(a);
		if (r)
			return r;
		*step = RST_STEP_CREDS;
		r = xc_sys2(__NR_setgroups, a->nr_groups, a->groups);
		if (!r)
			r = xc_sys3(__NR_setresgid, a->gid[0], a->gid[1], a->gid[2]);
		if (!r)
			r = xc_sys3(__NR_setresuid, a->uid[0], a->uid[1], a->uid[2]);
		if (r)
			return r;
		/* setfsuid/setfsgid return the previous id, never an error. */
		xc_sys1(__NR_setfsgid, a->gid[3]);
		xc_sys1(__NR_setfsuid, a->uid[3]);
		*step = RST_STEP_CAPS;
		r = caps_after_ids(a);
	} else if (a->drop_caps) {
		/* xckpt's own CAP_CHECKPOINT_RESTORE (a file capability, or kept
		 * from root) is not the image's: the thread runs without any,
		 * as the image's process did (rst_attrs_check()). */
		*step = RST_STEP_CAPS;
		r = capset_(0, 0, 0);
	}
	return r ? r : xc_sys2(__NR_prctl, PR_SET_KEEPCAPS, t->keepcaps);
}

/* What the thread inherited from xckpt and must have as it was: each set
 * only where it differs, so that a kernel without the feature (no
 * utilization clamps, say) is never asked. Before the credentials: a
 * real-time I/O class or a raised clamp needs the restorer's privileges. */
static long set_thread_attrs(struct rst_thread *t, uint32_t *step)
{
	struct xc_sched_attr sa = { 0 };
	int32_t v = 0;
	long r;

	*step = RST_STEP_UCLAMP;
	r = xc_sys4(__NR_sched_getattr, 0, &sa, sizeof(sa), 0);
	if (!r && (sa.util_min != t->util_min || sa.util_max != t->util_max)) {
		sa.flags = XC_SCHED_FLAG_KEEP_ALL | XC_SCHED_FLAG_UTIL_CLAMP;
		sa.util_min = t->util_min;
		sa.util_max = t->util_max;
		r = xc_sys3(__NR_sched_setattr, 0, &sa, 0);
	}
	if (r)
		return r;
	*step = RST_STEP_IOPRIO;
	r = xc_sys2(__NR_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	if (r >= 0 && (uint32_t)r != t->ioprio)
		r = xc_sys3(__NR_ioprio_set, 1, 0, t->ioprio);
	if (r < 0)
		return r;
	*step = RST_STEP_TSC;
	if (t->tsc && !xc_sys2(__NR_prctl, PR_GET_TSC, &v) && (uint32_t)v != t->tsc) {
		r = xc_sys2(__NR_prctl, PR_SET_TSC, t->tsc);
		if (r)
			return r;
	}
	*step = RST_STEP_MCE;
	if (xc_sys5(__NR_prctl, PR_MCE_KILL_GET, 0, 0, 0, 0) != (long)t->mce_kill) {
		r = t->mce_kill == 2 ?
			xc_sys5(__NR_prctl, PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0) :
			xc_sys5(__NR_prctl, PR_MCE_KILL, PR_MCE_KILL_SET, t->mce_kill, 0, 0);
		if (r)
			return r;
	}
	*step = RST_STEP_MEMPOLICY;
	if (t->mempolicy) {
		/* maxnode counts one more than the bits it takes */
		r = xc_sys3(__NR_set_mempolicy, t->mempolicy, &t->mempolicy_nodes, 65);
		if (r)
			return r;
	}
	*step = RST_STEP_SPEC;
	for (int w = 0; w < 3; w++) {
		if (!t->spec[w])
			continue;
		r = xc_sys5(__NR_prctl, PR_GET_SPECULATION_CTRL, w, 0, 0, 0);
		if (r >= 0 && (r & ~PR_SPEC_PRCTL) == t->spec[w])
			continue;
		r = xc_sys5(__NR_prctl, PR_SET_SPECULATION_CTRL, w, t->spec[w], 0, 0);
		if (r)
			return r;
	}
	return 0;
}

/* What the kernel keeps per thread, set by the thread itself. Scheduling
 * comes before the credentials: a real-time policy or a raised priority
 * needs the privilege the restorer still has. The leader installs the
 * seccomp filters (threads with filters of their own are refused at dump)
 * after no_new_privs, which lets a process that is not root install them,
 * and before the credentials. *step names a failure. */
static long set_thread(struct rst_args *a, struct rst_thread *t, bool leader, uint32_t *step)
{
	long r;

	*step = RST_STEP_TLS;
	r = xc_arch_set_tls(t->tls[0], t->tls[1]);
	if (r)
		return r;
	xc_sys1(__NR_set_tid_address, t->clear_child_tid);	/* returns the tid */
	*step = RST_STEP_ROBUST_LIST;
	if (t->robust_list || t->robust_len) {
		r = xc_sys2(__NR_set_robust_list, t->robust_list, t->robust_len);
		if (r)
			return r;
	}
	*step = RST_STEP_NAME;
	r = xc_sys2(__NR_prctl, PR_SET_NAME, t->comm);
	if (r)
		return r;
	*step = RST_STEP_AFFINITY;
	r = xc_sys3(__NR_sched_setaffinity, 0, sizeof(t->affinity), t->affinity);
	if (r)
		return r;
	*step = RST_STEP_NICE;
	r = xc_sys3(__NR_setpriority, 0 /* PRIO_PROCESS */, 0, t->nice);
	if (r)
		return r;
	/* Before the policy: a real-time thread's slack is 0 and cannot be
	 * set; 0 would mean the default, so it is left alone. */
	*step = RST_STEP_TIMERSLACK;
	if (t->timer_slack_ns) {
		r = xc_sys2(__NR_prctl, PR_SET_TIMERSLACK, t->timer_slack_ns);
		if (r)
			return r;
	}
	*step = RST_STEP_SCHED;
	r = xc_sys3(__NR_sched_setscheduler, 0, t->sched_policy, &t->sched_priority);
	if (r)
		return r;
	r = set_thread_attrs(t, step);
	if (r)
		return r;
	*step = RST_STEP_NO_NEW_PRIVS;
	if (a->no_new_privs) {
		r = xc_sys5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (r)
			return r;
	}
	if (leader)
		set_seccomp(a);
	r = set_creds(a, t, step);
	if (r)
		return r;
	/* After the credentials, whose change clears it; it replaces the
	 * restorer's own (die with xckpt while it restores). */
	*step = RST_STEP_PDEATHSIG;
	r = xc_sys2(__NR_prctl, PR_SET_PDEATHSIG, t->pdeathsig);
	if (r)
		return r;
	*step = RST_STEP_RSEQ;
	if (t->rseq_len) {
		r = xc_sys4(__NR_rseq, t->rseq_ptr, t->rseq_len, 0, t->rseq_sig);
		if (r)
			return r;
	}
	*step = RST_STEP_NONE;
	return 0;
}

/* A new thread: its own state, then report and park. Signals are all
 * blocked (inherited from the leader); the parent interrupts the parked
 * thread and points it at its rt_sigreturn. */
static __attribute__((noreturn)) void thread_main(void *arg0, void *arg1)
{
	struct rst_args *a = arg0;
	struct rst_thread *t = arg1;
	uint32_t step;
	long r = set_thread(a, t, false, &step);

	t->err = (int32_t)r;
	t->step = r ? step : RST_STEP_NONE;
	__atomic_fetch_add(&a->threads_ready, 1, __ATOMIC_SEQ_CST);
	xc_sys3(__NR_futex, &a->threads_ready, 1 /* FUTEX_WAKE */, 1);
	for (;;)
		xc_sys4(__NR_futex, &t->park, 0 /* FUTEX_WAIT */, 0, 0);
}

/* The kernel's struct clone_args (clone3), up to set_tid_size. */
struct k_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size;
};

#define CLONE_VM_	0x00000100
#define CLONE_FS_	0x00000200
#define CLONE_FILES_	0x00000400
#define CLONE_SIGHAND_	0x00000800
#define CLONE_THREAD_	0x00010000
#define CLONE_SYSVSEM_	0x00040000

static void create_threads(struct rst_args *a)
{
	struct rst_thread *t = (struct rst_thread *)a->threads;

	for (uint32_t i = 1; i < a->nr_threads; i++) {
		int32_t tid = (int32_t)t[i].tid;
		struct k_clone_args ca = {
			.flags = CLONE_VM_ | CLONE_FS_ | CLONE_FILES_ | CLONE_SIGHAND_ |
				 CLONE_THREAD_ | CLONE_SYSVSEM_,
			.stack = t[i].stack, .stack_size = RST_THREAD_STACK,
			.set_tid = (uint64_t)&tid, .set_tid_size = 1,
		};
		long r = xc_clone3_thread(&ca, sizeof(ca), thread_main, a, &t[i]);

		if (r < 0)
			fail(a, r, RST_STEP_CLONE, i);
	}
}

/* Until every thread has reported; then the first failure, if any. */
static void wait_threads(struct rst_args *a)
{
	struct rst_thread *t = (struct rst_thread *)a->threads;
	uint32_t v;

	while ((v = __atomic_load_n(&a->threads_ready, __ATOMIC_SEQ_CST)) < a->nr_threads - 1)
		xc_sys4(__NR_futex, &a->threads_ready, 0 /* FUTEX_WAIT */, v, 0);
	for (uint32_t i = 1; i < a->nr_threads; i++)
		if (t[i].err)
			fail(a, t[i].err, (enum rst_step)t[i].step, i);
}

static void set_task(struct rst_args *a)
{
	struct rst_thread *t = (struct rst_thread *)a->threads;
	int32_t *fds = (int32_t *)a->fds;
	uint32_t step;
	long r;

	r = xc_sys5(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &a->mm, sizeof(a->mm), 0);
	if (r)
		fail(a, r, RST_STEP_MM_MAP, 0);
	for (uint32_t i = 0; i < a->nr_fds; i++)
		xc_sys1(__NR_close, fds[i]);
	if (a->uffd >= 0)
		xc_sys1(__NR_close, a->uffd);
	/* POSIX locks go with any close of their file: only now. */
	for (uint32_t i = 0; i < a->nr_locks; i++) {
		struct rst_lock *lk = (struct rst_lock *)a->locks + i;

		r = xc_sys3(__NR_fcntl, lk->fd, F_SETLK_, &lk->type);
		if (r)
			fail(a, r, RST_STEP_LOCK, i);
	}
	for (uint32_t i = 0; i < 16; i++) {
		r = xc_sys4(__NR_prlimit64, 0, i, &a->rl[i], 0);
		if (r)
			fail(a, r, RST_STEP_RLIMIT, i);
	}
	/* What new mappings get: after the last of the blob's own mappings,
	 * within the process's RLIMIT_MEMLOCK, and before the credentials
	 * take CAP_IPC_LOCK away. Without MCL_CURRENT the mappings made so
	 * far stay as their VMAs say. */
	if (a->mlockall) {
		r = xc_sys1(__NR_mlockall, a->mlockall);
		if (r)
			fail(a, r, RST_STEP_MLOCKALL, 0);
	}
	r = set_thread(a, &t[0], true, &step);
	if (r)
		fail(a, r, step, 0);
	/* Changing ids made the task as dumpable as the system's
	 * suid_dumpable says: dumpable again where it was. 2 comes only from
	 * there (a set-id process on a system with suid_dumpable 2); 0 is set
	 * by the parent, last, since it would keep a restore that is not
	 * root's from tracing the process. */
	r = xc_sys5(__NR_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (a->dumpable == 1 && r != 1)
		r = xc_sys2(__NR_prctl, PR_SET_DUMPABLE, 1);
	else if (a->dumpable == 2)
		r = r == 2 ? 0 : -1 /* EPERM: this system would not make it so */;
	else
		r = r < 0 ? r : 0;
	if (r)
		fail(a, r, RST_STEP_DUMPABLE, a->dumpable);
}

/* The private futex hash, once every thread exists: the kernel sized one
 * by itself when the first thread was made (and grows it with more), so
 * the size is set only where that differs from the process's own choice
 * (PR_FUTEX_HASH_SET_SLOTS; 0: the global hash). */
static void set_futex_hash(struct rst_args *a)
{
	long r;

	if (!a->set_futex_hash)
		return;
	r = xc_sys5(__NR_prctl, 78 /* PR_FUTEX_HASH */, 2 /* GET_SLOTS */, 0, 0, 0);
	if (r >= 0 && r != (long)a->futex_hash)
		r = xc_sys5(__NR_prctl, 78, 1 /* SET_SLOTS */, a->futex_hash, 0, 0);
	if (r < 0)
		fail(a, r, RST_STEP_FUTEX_HASH, a->futex_hash);
}

static void set_signals(struct rst_args *a)
{
	struct { uint32_t tid, pad; uint8_t info[128]; } *si = (void *)a->siginfos;
	long r;

	for (uint32_t i = 0; i < a->nr_siginfos; i++) {
		int sig = *(int32_t *)si[i].info;
		if (si[i].tid)
			r = xc_sys4(__NR_rt_tgsigqueueinfo, a->tgid, si[i].tid, sig, si[i].info);
		else
			r = xc_sys3(__NR_rt_sigqueueinfo, a->tgid, sig, si[i].info);
		if (r)
			fail(a, r, RST_STEP_SIGQUEUE, i);
	}
	for (uint32_t w = 0; w < 3; w++) {
		if (!a->it[w].value_sec && !a->it[w].value_usec)
			continue;
		r = xc_sys3(__NR_setitimer, w, &a->it[w], 0);
		if (r)
			fail(a, r, RST_STEP_ITIMER, w);
	}
}

__attribute__((used, visibility("hidden"), noreturn)) void restorer_main(struct rst_args *a)
{
	long r;

	a->phase = 0;
	unmap_xckpt(a);
	if (a->vvar_start) {
		r = xc_arch_map_vdso(a->vvar_start);
		if (r < 0)
			fail(a, r, RST_STEP_VDSO, 0);
	}
	map_vmas(a);
	make_uffd(a);
	a->phase = 1;
	xc_trap();		/* the parent writes the pages */

	finish_vmas(a);
	/* The threads are created while the blob still has xckpt's
	 * privileges (each then drops to the target's credentials itself),
	 * and work on their own state while the leader works on the process. */
	create_threads(a);
	set_task(a);
	wait_threads(a);
	set_futex_hash(a);
	set_signals(a);
	a->phase = 2;
	xc_trap();		/* the parent follows the returns */
	xc_sigreturn(((struct rst_thread *)a->threads)[0].sigframe_sp);
}
