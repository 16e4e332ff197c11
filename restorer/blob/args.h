/* Everything the restorer blob needs, in one flat struct of values and
 * pointer/count pairs that all point into the blob's own region (the only
 * memory that survives the switch). Shared by restorer/ and the blob. */
#ifndef XC_RST_ARGS_H
#define XC_RST_ARGS_H

#include <stdint.h>

struct rst_vma {
	uint64_t start, end, pgoff;
	uint32_t prot;		/* final PROT_* */
	uint32_t mflags;	/* MAP_* for mmap, MAP_FIXED added by the blob */
	int32_t fd;		/* -1: anonymous */
	uint32_t vmflags;	/* XC_VMF_* */
	uint32_t fill;		/* pages are written by the parent: map writable first */
	uint32_t lazy;		/* pages come on demand: register with the userfaultfd */
	uint32_t shm;		/* RST_SHM_*: a System V attachment, segment id in fd */
	char name[80];		/* PR_SET_VMA_ANON_NAME after the mmap; "": none */
};

#define RST_SHM_HEAD	0x1u	/* the first VMA of an attachment: shmat the segment here */
#define RST_SHM_PART	0x2u	/* a later VMA of it: attached with the head, only its prot */
#define RST_SHM_RDONLY	0x4u	/* attached with SHM_RDONLY */

/* The kernel's struct prctl_mm_map. */
struct rst_mm_map {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv;
	uint32_t auxv_size;
	uint32_t exe_fd;
};

/* A POSIX record lock: the fd, then the kernel's struct flock (the same on
 * every 64-bit arch). */
struct rst_lock {
	int32_t fd;
	int32_t pad;
	int16_t type, whence;	/* F_RDLCK/F_WRLCK, SEEK_SET */
	int32_t pad2;
	int64_t start, len;
	int32_t pid, pad3;
};

enum rst_step {
	RST_STEP_NONE, RST_STEP_UNMAP, RST_STEP_VDSO, RST_STEP_MMAP, RST_STEP_MPROTECT,
	RST_STEP_MADVISE, RST_STEP_MLOCK, RST_STEP_MM_MAP, RST_STEP_CLOSE, RST_STEP_RLIMIT,
	RST_STEP_CREDS, RST_STEP_RSEQ, RST_STEP_TLS, RST_STEP_SIGQUEUE, RST_STEP_ITIMER,
	RST_STEP_PDEATHSIG, RST_STEP_NO_NEW_PRIVS, RST_STEP_SECCOMP, RST_STEP_LOCK, RST_STEP_CLONE,
	RST_STEP_ROBUST_LIST, RST_STEP_NAME, RST_STEP_AFFINITY, RST_STEP_NICE, RST_STEP_SCHED,
	RST_STEP_TIMERSLACK, RST_STEP_CAPS, RST_STEP_UCLAMP, RST_STEP_IOPRIO, RST_STEP_TSC,
	RST_STEP_MCE, RST_STEP_SPEC, RST_STEP_MLOCKALL, RST_STEP_DUMPABLE, RST_STEP_FUTEX_HASH,
	RST_STEP_MEMPOLICY, RST_STEP_VMA_NAME, RST_STEP_SHMAT,
};
/* The lazy restore's own step (restorer/lazy.c), numbered apart. */
enum { RST_STEP_UFFD = 100 };

/* One thread; threads[0] is the leader, which creates the others with
 * clone3 (set_tid) from the blob. Each thread sets what the kernel keeps per
 * thread, reports, and parks until the parent sends it through its own
 * rt_sigreturn frame. */
struct rst_thread {
	uint64_t tid;
	uint64_t sigframe_sp;		/* stack pointer for rt_sigreturn */
	uint64_t stack;			/* blob stack of this thread: base, RST_THREAD_STACK bytes */
	uint64_t tls[2];		/* arch thread pointers (x86_64: fs, gs base) */
	uint64_t clear_child_tid;
	uint64_t robust_list, robust_len;
	uint64_t rseq_ptr;
	uint32_t rseq_len, rseq_sig;
	uint32_t sched_policy, sched_priority;
	int32_t nice;
	uint32_t park;			/* futex word a parked thread waits on; never changes */
	char comm[16];
	uint64_t affinity[16];
	uint64_t timer_slack_ns;	/* 0: leave it (a real-time thread's) */
	uint32_t util_min, util_max;	/* set where they differ */
	uint32_t ioprio;		/* set where it differs */
	uint32_t tsc;			/* PR_SET_TSC; 0: leave it */
	uint32_t mce_kill;		/* 0 late, 1 early, 2 the default */
	uint32_t spec[3];		/* PR_SET_SPECULATION_CTRL state; 0: leave it */
	uint32_t pdeathsig;		/* after the credentials, which clear it */
	uint32_t keepcaps;		/* PR_SET_KEEPCAPS, after the credentials */
	uint32_t mempolicy;		/* set_mempolicy mode and flags; 0: the default, left */
	uint32_t pad;
	uint64_t mempolicy_nodes;
	/* written by the thread */
	int32_t err;
	uint32_t step;			/* enum rst_step */
};

#define RST_THREAD_STACK (16u << 10)

struct rst_args {
	uint64_t self_start, self_end;	/* the blob's region: kept */
	uint64_t task_size;
	uint64_t vvar_start;		/* vDSO area to map back, 0: none */
	uint64_t vmas;			/* struct rst_vma[nr_vmas] */
	uint32_t nr_vmas;
	uint32_t tgid;
	uint64_t uffd_features;		/* UFFDIO_API features asked for */
	uint32_t lazy;			/* some VMAs are lazy: make a userfaultfd (restorer/lazy.c) */
	int32_t uffd;			/* written by the blob: the userfaultfd, -1: none;
					 * closed in phase 2 */
	uint64_t threads;		/* struct rst_thread[nr_threads], the leader first */
	uint32_t nr_threads;
	uint32_t threads_ready;		/* futex word: threads done with their setup */
	struct rst_mm_map mm;
	struct { uint64_t cur, max; } rl[16];
	uint32_t set_creds;
	uint32_t nr_groups;
	uint32_t no_new_privs;
	uint32_t drop_caps;		/* give up xckpt's capabilities (a non-root restore) */
	uint32_t uid[4], gid[4];	/* real, effective, saved, fs */
	uint64_t cap_eff, cap_prm, cap_inh, cap_amb, cap_bnd;	/* with set_creds */
	uint64_t groups;		/* uint32_t[nr_groups] */
	uint64_t siginfos;		/* struct { uint32_t tid, pad; uint8_t info[128]; }[] */
	uint32_t nr_siginfos;
	uint32_t nr_fds;
	uint64_t fds;			/* int32_t[nr_fds]: service fds to close */
	struct { int64_t interval_sec, interval_usec, value_sec, value_usec; } it[3];
	uint32_t seccomp_mode;		/* 0 none, 1 strict, 2 filter */
	uint32_t nr_filters;
	uint64_t filters;		/* nr_filters of { u32 flags, u32 n; struct sock_filter[n] } */
	uint64_t locks;			/* struct rst_lock[nr_locks]: after the closes */
	uint32_t nr_locks;
	uint32_t mlockall;		/* MCL_FUTURE, MCL_ONFAULT; 0: none */
	uint32_t dumpable;		/* PR_GET_DUMPABLE at dump; 0 is the parent's to set */
	uint32_t futex_hash;		/* set_futex_hash: slots */
	uint32_t set_futex_hash;
	uint32_t pad3;
	/* SIGTRAP's disposition: the blob's own traps reset it (all
	 * signals are blocked here), so the parent sets it last */
	struct { uint64_t handler, flags, restorer, mask; } trap_sa;
	/* written by the blob */
	int32_t err;
	uint32_t step;			/* enum rst_step */
	uint32_t index;
	uint32_t phase;			/* 1: mapped, waiting for pages; 2: about to return */
};

#endif
