/* Pure parsers of /proc text: each takes a buffer and its length and never
 * opens anything, so unit tests feed them captured fixtures. All return 0 or
 * -errno (-EINVAL on malformed input, with *line set where useful). */
#ifndef XC_PROC_H
#define XC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/vma.h"

/* /proc/PID/maps or /proc/PID/smaps; *vmas is malloc'd. */
int xc_parse_maps(const char *buf, size_t len, struct xc_vma **vmas, size_t *nr,
		  unsigned *bad_line);

struct xc_proc_status {
	char name[64];
	char state;
	uint32_t umask;
	pid_t tgid, ppid, tracer_pid;
	uint32_t uid[4], gid[4];
	uint32_t groups[64];
	uint32_t nr_groups;
	uint32_t threads;
	uint64_t sig_pnd, shd_pnd, sig_blk, sig_ign, sig_cgt;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs;
	int seccomp;
	int kthread;		/* -1: the kernel has no Kthread line */
	int has_umask;
};
int xc_parse_status(const char *buf, size_t len, struct xc_proc_status *st);

/* One "lock:" line: "1: POSIX  ADVISORY  WRITE 1234 fe:00:5678 5 EOF". */
enum xc_plock_kind {
	XC_PLOCK_OTHER = 0,	/* leases, delegations, mandatory, unlock: refused */
	XC_PLOCK_FLOCK = 1,
	XC_PLOCK_POSIX = 2,
	XC_PLOCK_OFD = 3,
};
struct xc_plock {
	uint32_t kind;		/* enum xc_plock_kind */
	bool write;		/* WRITE, else READ */
	uint64_t start;
	uint64_t end;		/* inclusive; UINT64_MAX for EOF */
};
#define XC_FDINFO_LOCKS 32

struct xc_fdinfo {
	int64_t pos;
	uint32_t flags;
	uint32_t mnt_id;
	uint64_t ino;
	uint32_t nr_locks;	/* "lock:" lines: the file's locks this fd's description holds */
	struct xc_plock locks[XC_FDINFO_LOCKS];	/* the first of them */
	uint32_t scm_fds;	/* unix sockets: fds in flight in the receive queue */
};
int xc_parse_lock(const char *v, struct xc_plock *l);
int xc_parse_fdinfo(const char *buf, size_t len, struct xc_fdinfo *fi);

/* /proc/PID/stat: the fields prctl(PR_SET_MM_MAP) needs. */
struct xc_proc_stat {
	pid_t pid, ppid, pgid, sid;
	uint32_t tty_nr;	/* controlling terminal's device, 0: none */
	pid_t tpgid;		/* its foreground group, -1: none */
	char state;
	uint32_t flags;
	int exit_signal;
	int exit_code;		/* field 52: wait status of a zombie */
	uint64_t start_code, end_code, start_stack;
	uint64_t start_data, end_data, start_brk;
	uint64_t arg_start, arg_end, env_start, env_end;
};
int xc_parse_stat(const char *buf, size_t len, struct xc_proc_stat *st);

/* /proc/PID/limits: the first nr resources, in RLIMIT_* order. */
struct xc_limit {
	uint64_t cur, max;	/* ~0: unlimited */
};
int xc_parse_limits(const char *buf, size_t len, struct xc_limit *rl, unsigned nr);

#endif
