/* Commands between the tracer and the parasite blob. Fixed size, no
 * pointers inside, the same on every arch: the host writes one struct at the
 * args address, resumes the parasite, and reads it back after the trap. */
#ifndef XC_PARASITE_CMDS_H
#define XC_PARASITE_CMDS_H

#include <stdint.h>

enum xc_pcmd {
	XC_PCMD_NONE = 0,
	XC_PCMD_DUMP_MISC = 1,	/* sigactions, itimers, MDWE; and the leader's thread state */
	XC_PCMD_DUMP_TIMERS = 2,	/* POSIX timers: timer_gettime, timer_getoverrun */
	XC_PCMD_DUMP_THREAD = 3,	/* the calling thread's state only */
};

/* What only a thread can ask about itself. */
struct xc_pthread_state {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
	uint64_t tid_address;	/* prctl(PR_GET_TID_ADDRESS): clear_child_tid */
	int64_t timerslack;	/* prctl(PR_GET_TIMERSLACK): ns, or -errno */
	/* prctl(PR_GET_*) of the thread: the value, or -errno where the
	 * kernel refuses the question */
	int64_t securebits, mce_kill;
	int64_t spec[3];	/* PR_GET_SPECULATION_CTRL: store bypass, indirect branch, L1D flush */
	int32_t pdeathsig, tsc;
	int64_t mempolicy;	/* get_mempolicy: mode and flags, or -errno */
	uint64_t mempolicy_nodes;
};

struct xc_pksigaction {
	uint64_t handler, flags, restorer, mask;
};

struct xc_pitimer {
	int64_t interval_sec, interval_usec, value_sec, value_usec;
};

/* One POSIX timer: id in, the rest out (struct itimerspec's layout). */
struct xc_ptimer {
	int32_t id;
	int32_t overrun;
	int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};
#define XC_PTIMERS_MAX 100

/* ret as the host writes it: still there after the trap, the parasite
 * stopped before its command (its entry could not make the args area
 * writable; the errno is in the return register). */
#define XC_PARASITE_NOT_RUN 1

struct xc_parasite_args {
	uint32_t cmd;
	int32_t ret;		/* 0 or -errno */
	uint32_t fail_index;	/* which item failed */
	uint32_t reserved;
	/* SIGTRAP's disposition as the parasite found it: the int3 that
	 * hands control back, taken with SIGTRAP blocked, resets it to
	 * SIG_DFL, and the host puts it back. */
	struct xc_pksigaction trap_sa;
	union {
		struct {
			struct xc_pksigaction sa[64];
			struct xc_pthread_state thr;
			struct xc_pitimer it[3];
			int64_t mdwe;	/* prctl(PR_GET_MDWE): flags, or -errno */
			/* prctl(PR_GET_*) and membarrier(): the value, or
			 * -errno where the kernel refuses the question */
			int64_t thp_disable, membarrier, dumpable, memory_merge, futex_hash;
			/* the first mapping with a NUMA policy of its own
			 * (mbind): its start, 0: none, or -errno */
			int64_t vma_policy;
			int32_t child_subreaper;
			/* what a new mapping gets: mlockall(MCL_FUTURE) makes it
			 * locked (MADV_DONTNEED refused), MCL_ONFAULT leaves it
			 * unpopulated; -errno where a fresh mapping failed */
			int32_t mcl;
			int64_t brk;	/* brk(0): the program break */
		} misc;
		struct {
			uint32_t nr;
			uint32_t pad;
			struct xc_ptimer t[XC_PTIMERS_MAX];
		} timers;
		struct xc_pthread_state thr;	/* XC_PCMD_DUMP_THREAD */
		uint8_t raw[4096];
	};
};

/* Bytes of parasite stack above the args. */
#define XC_PARASITE_STACK (16u << 10)

#endif
