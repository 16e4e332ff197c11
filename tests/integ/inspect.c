/* inspect PID: print the observable state of a live process, one
 * "key<TAB>value" line per field, for the harness to compare before a dump
 * and after the restore (tests/integ/lib.sh: snap, snap_compare).
 *
 * It shares no code with xckpt, so a bug in xckpt's readers cannot hide
 * itself. Two sources:
 *  - /proc/PID (and /proc/TID for each thread): status, stat, limits, smaps,
 *    numa_maps, fdinfo, fd links, sched, timerslack_ns, oom_score_adj,
 *    loginuid, ns/... , plus what can be asked about another task from
 *    outside: sched_getattr, sched_getaffinity, ioprio_get, get_robust_list,
 *    kcmp (which fds share one open file description), PTRACE_GET_RSEQ_
 *    CONFIGURATION; and the VmFlags of the scratch page below, made after
 *    anything the task did: mlockall(MCL_FUTURE) shows only there.
 *  - What only the task can ask about itself (prctl(PR_GET_*), sigactions
 *    with their handler addresses, itimers, sigaltstack, membarrier
 *    registrations, arch_prctl): run in the task as remote system calls.
 *    Every thread is seized and interrupted; each call borrows the thread's
 *    registers (all signals blocked meanwhile) and a scratch page that is
 *    mapped away from every other mapping and removed afterwards. The last
 *    resume goes through an interrupt stop with the original registers,
 *    so a system call the task was sleeping in is restarted (or fails with
 *    EINTR for a signal that came meanwhile) exactly as the kernel would
 *    have done without us; a signal that was being delivered when we
 *    stopped the task is delivered as it would have been; an rseq critical
 *    section the kernel disarmed because we moved the instruction pointer
 *    is armed again.
 *
 * Fields that must differ after a restore are not printed; each is listed
 * where it is skipped, with the reason. x86_64 only, as xckpt is today. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sched-attr.h"

#define MAX_THREADS 512

#define PTRACE_GET_RSEQ_CONFIGURATION_ 0x420f
struct ptrace_rseq_configuration_ {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size, signature, flags, pad;
};

struct thr {
	pid_t tid;
	struct user_regs_struct regs;
	uint64_t mask;
	bool seized, ran;
	int pending_sig;	/* being delivered when we stopped it */
};

struct tgt {
	pid_t pid;
	struct thr t[MAX_THREADS];
	int nr;
	uint64_t insn;		/* a syscall instruction */
	uint64_t page;		/* scratch page, 0: none */
	int memfd;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "inspect: %s: %s\n", what, strerror(err));
	exit(1);
}

static void out(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s\t", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b) {
		free(b);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			b = realloc(b, cap *= 2);
		r = read(fd, b + n, cap - n - 1);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	b[n] = 0;
	if (len)
		*len = n;
	return b;
}

static char *slurp_at(const char *dir, const char *name)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp(path, NULL);
}

static DIR *opendir_at(const char *dir, const char *name)
{
	char path[300];
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = opendir(path);
	if (!d)
		die(path, errno);
	return d;
}

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* A one-line file, printed as is ("-" when missing or unreadable). */
static void one(const char *key, const char *path)
{
	char *b = slurp(path, NULL);
	char *nl;

	if (!b) {
		out(key, "- (%s)", strerror(errno));
		return;
	}
	while ((nl = strchr(b, '\n')))
		*nl = nl[1] ? ';' : 0;
	out(key, "%s", b);
	free(b);
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* /proc/TID/status. */
static void status(const char *pfx, const char *dir)
{
	/* Must change, and why:
	 *  VmPeak VmHWM: peaks, which the restoring xckpt raised
	 *  VmRSS RssAnon RssFile RssShmem VmPTE VmSwap: residency; all-zero
	 *    and clean file pages are not brought back, page tables are new
	 *  HugetlbPages: residency too, of hugetlb pages: the restore maps
	 *    those it writes, through every mapping of a shared object
	 *  voluntary/nonvoluntary_ctxt_switches: counters
	 *  PPid: the restored process is a child of xckpt restore
	 *  FDSize: capacity of the fd table, grown by the restorer's own
	 *    service descriptors; no program sees it
	 *  State: compared as the job-control state only (see below) */
	static const char *const skip[] = {
		"VmPeak", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmPTE", "VmSwap",
		"HugetlbPages", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches", "PPid", "FDSize", "State",
		NULL,
	};
	char path[300], key[192], *b, *p;

	snprintf(path, sizeof(path), "%s/status", dir);
	b = slurp(path, NULL);
	if (!b)
		die(path, errno);
	for (p = b; *p;) {
		char *nl = strchr(p, '\n'), *colon, *v;
		if (nl)
			*nl = 0;
		colon = strchr(p, ':');
		if (colon) {
			*colon = 0;
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			if (!strcmp(p, "State")) {
				/* Running or sleeping is a matter of the moment;
				 * stopped, traced or dead is not. */
				snprintf(key, sizeof(key), "%sstatus.State", pfx);
				out(key, "%s", strchr("TtZX", v[0]) ? (char[2]){ v[0], 0 } : "active");
			} else if (!strcmp(p, "SigQ")) {
				/* queued/limit: the count is of every signal
				 * queued to the user, in any process */
				snprintf(key, sizeof(key), "%sstatus.SigQ.limit", pfx);
				out(key, "%s", strchr(v, '/') ? strchr(v, '/') + 1 : v);
			} else if (!in_list(p, skip)) {
				snprintf(key, sizeof(key), "%sstatus.%s", pfx, p);
				out(key, "%s", v);
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(b);
}

/* /proc/TID/stat, by proc(5)'s 1-based field numbers. */
static void stat_fields(const char *pfx, const char *dir)
{
	/* Kept: what a program set or can see as its own. Left out, and why:
	 * 4 ppid (see status PPid), 10-17 fault counts and cpu times, 20
	 * itrealvalue (always 0), 22 starttime, 24 rss, 29-30 kstkesp/eip,
	 * 31-34 obsolete signal masks (status has them), 35 wchan, 36-37 nswap,
	 * 39 processor, 42-44 delay and guest times, 52 exit_code; 3 state is
	 * in status. 9 flags is kept without PF_FORKNOEXEC (0x40: the restored
	 * task was forked by xckpt and never exec'd; no program sees it) and
	 * PF_SUPERPRIV (0x100: the restorer used root privileges). */
	static const struct { int nr; const char *name; } keep[] = {
		{ 5, "pgrp" }, { 6, "session" }, { 7, "tty_nr" }, { 8, "tpgid" }, { 9, "flags" },
		{ 18, "priority" }, { 19, "nice" }, { 20, "num_threads" }, { 23, "vsize" },
		{ 25, "rsslim" }, { 26, "startcode" }, { 27, "endcode" }, { 28, "startstack" },
		{ 38, "exit_signal" }, { 40, "rt_priority" }, { 41, "policy" }, { 45, "start_data" },
		{ 46, "end_data" }, { 47, "start_brk" }, { 48, "arg_start" }, { 49, "arg_end" },
		{ 50, "env_start" }, { 51, "env_end" },
	};
	char path[300], key[192], *b, *p, *f[64];
	int n = 0;

	snprintf(path, sizeof(path), "%s/stat", dir);
	b = slurp(path, NULL);
	if (!b)
		die(path, errno);
	p = strrchr(b, ')');
	if (!p)
		die("stat: no comm", EINVAL);
	for (p = strtok(p + 2, " \n"); p && n < 64; p = strtok(NULL, " \n"))
		f[n++] = p;	/* f[i] is field i + 3 */
	for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
		int idx = keep[i].nr - 3;
		snprintf(key, sizeof(key), "%sstat.%s", pfx, keep[i].name);
		if (idx >= n)
			continue;
		if (keep[i].nr == 9)
			out(key, "%#lx", strtoul(f[idx], NULL, 10) & ~0x140ul);
		else
			out(key, "%s", f[idx]);
	}
	free(b);
}

/* /proc/TID/sched: policy and prio only; the rest is run-time statistics. */
static void sched_file(const char *pfx, const char *dir)
{
	char key[256], *b, *p;

	b = slurp_at(dir, "sched");
	if (!b)
		return;
	for (p = strtok(b, "\n"); p; p = strtok(NULL, "\n")) {
		char name[64];
		long long v;
		if (sscanf(p, "%63s : %lld", name, &v) == 2 &&
		    (!strcmp(name, "policy") || !strcmp(name, "prio"))) {
			snprintf(key, sizeof(key), "%ssched.%s", pfx, name);
			out(key, "%lld", v);
		}
	}
	free(b);
}


/* What can be asked about a thread from outside. */
static void thread_outside(const char *pfx, pid_t tid)
{
	struct xc_sched_attr sa = { 0 };
	cpu_set_t cpus;
	char key[192], path[64];
	void *head;
	size_t len;
	long r;

	snprintf(key, sizeof(key), "%ssched_attr", pfx);
	if (syscall(SYS_sched_getattr, tid, &sa, sizeof(sa), 0))
		out(key, "error %d", errno);
	else
		out(key, "policy %u flags %#llx nice %d prio %u rt %llu dl %llu per %llu util %u-%u",
		    sa.policy, (unsigned long long)sa.flags, sa.nice, sa.priority,
		    (unsigned long long)sa.runtime, (unsigned long long)sa.deadline,
		    (unsigned long long)sa.period, sa.util_min, sa.util_max);
	snprintf(key, sizeof(key), "%saffinity", pfx);
	if (sched_getaffinity(tid, sizeof(cpus), &cpus))
		out(key, "error %d", errno);
	else {
		char buf[256] = "";
		for (int c = 0; c < CPU_SETSIZE && strlen(buf) < 240; c++)
			if (CPU_ISSET(c, &cpus))
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%d,", c);
		out(key, "%s", buf);
	}
	snprintf(key, sizeof(key), "%sioprio", pfx);
	r = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, tid);
	out(key, "%ld", r < 0 ? -errno : r);
	snprintf(key, sizeof(key), "%srobust_list", pfx);
	if (syscall(SYS_get_robust_list, tid, &head, &len))
		out(key, "error %d", errno);
	else
		out(key, "%p %zu", head, len);
	snprintf(key, sizeof(key), "%stimerslack_ns", pfx);
	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", tid);
	one(key, path);
}

/* /proc/PID/limits: "Max cpu time  unlimited  unlimited  seconds". */
static void limits(const char *dir)
{
	char path[300], key[192], *b, *p;

	snprintf(path, sizeof(path), "%s/limits", dir);
	b = slurp(path, NULL);
	if (!b)
		die(path, errno);
	p = strtok(b, "\n");	/* header */
	for (p = strtok(NULL, "\n"); p; p = strtok(NULL, "\n")) {
		char name[32];
		size_t l = 0;
		/* The name runs up to the first double space. */
		while (p[l] && !(p[l] == ' ' && p[l + 1] == ' ') && l < sizeof(name) - 1) {
			name[l] = p[l] == ' ' ? '_' : p[l];
			l++;
		}
		name[l] = 0;
		snprintf(key, sizeof(key), "limits.%s", name);
		while (p[l] == ' ')
			l++;
		out(key, "%s", p + l);
	}
	free(b);
}

/* /proc/PID/smaps: per mapping, what defines it. Rss, Pss, Shared_*,
 * Private_*, Referenced, Anonymous, LazyFree, Swap, SwapPss, Locked and
 * the huge page and PMD-mapped counts are residency, which a restore does
 * not reproduce page for page (see status). The inode of shared anonymous
 * memory is that of a new shmem object holding the same data; so is that of
 * hugetlb memory (MAP_HUGETLB), private or shared, a new hugetlbfs file.
 *
 * Neighbours that differ in nothing but the boundary between them are
 * printed as one mapping: whether the kernel merged them depends on its
 * anon_vma bookkeeping (two anonymous areas faulted in before they became
 * adjacent stay apart), which a restore cannot reproduce and no program
 * reads, except that mremap() of a range across the boundary fails before
 * and works after.
 *
 * VmFlags "uw" (registered with a userfaultfd in write-protect mode) is left
 * out: between an incremental parent and its next dump that is xckpt's own
 * write tracking, which a restore never brings back; a process's own
 * userfaultfd registration is refused at dump, so none can be lost. */
struct smap {
	unsigned long long s, e, off, ino;
	char perms[8], dev[16], name[4096];
	char attrs[512];	/* the kept "Key value" lines but Size, joined */
	bool shanon;
};

static void smap_print(const struct smap *m)
{
	char key[128], *a, *p;

	snprintf(key, sizeof(key), "vma.%llx-%llx.map", m->s, m->e);
	out(key, "%s %llx %s %s", m->perms, m->off, m->shanon ? "-" : m->dev, m->name);
	if (!m->shanon) {
		snprintf(key, sizeof(key), "vma.%llx-%llx.ino", m->s, m->e);
		out(key, "%llu", m->ino);
	}
	a = strdup(m->attrs);
	for (p = strtok(a, ";"); p; p = strtok(NULL, ";")) {
		char *sp = strchr(p, ' ');
		if (!sp)
			continue;
		*sp = 0;
		snprintf(key, sizeof(key), "vma.%llx-%llx.%s", m->s, m->e, p);
		out(key, "%s", sp + 1);
	}
	free(a);
}

static bool smap_joins(const struct smap *a, const struct smap *b)
{
	return a->e == b->s && !strcmp(a->perms, b->perms) && !strcmp(a->dev, b->dev) &&
	       a->ino == b->ino && !strcmp(a->name, b->name) && !strcmp(a->attrs, b->attrs) &&
	       a->shanon == b->shanon &&
	       (a->ino ? a->off + (a->e - a->s) == b->off : a->off == b->off) &&
	       strcmp(a->name, "[stack]") && strcmp(a->name, "[heap]");
}

static void smaps(const char *dir)
{
	static const char *const keep[] = {
		"KernelPageSize", "MMUPageSize", "THPeligible", "ProtectionKey", "VmFlags", NULL,
	};
	static struct smap prev, cur, cur_done;
	char path[300], *b, *p;
	bool have = false, in = false;

	snprintf(path, sizeof(path), "%s/smaps", dir);
	b = slurp(path, NULL);
	if (!b)
		die(path, errno);
	for (p = strtok(b, "\n");; p = strtok(NULL, "\n")) {
		int n = 0;

		if (!p || (sscanf(p, "%llx-%llx %7s %llx %15s %llu %n", &cur.s, &cur.e, cur.perms,
				  &cur.off, cur.dev, &cur.ino, &n) >= 6 &&
			   strchr(p, '-') < strchr(p, ' '))) {
			/* A header: the mapping before it is complete. */
			if (in) {
				if (have && smap_joins(&prev, &cur_done)) {
					prev.e = cur_done.e;
				} else {
					if (have)
						smap_print(&prev);
					prev = cur_done;
					have = true;
				}
			}
			if (!p)
				break;
			snprintf(cur.name, sizeof(cur.name), "%s", n ? p + n : "");
			cur.shanon = !strcmp(cur.name, "/dev/zero (deleted)") ||
				     !strncmp(cur.name, "[anon_shmem:", 12) ||
				     !strncmp(cur.name, "/SYSV", 5) ||
				     !strcmp(cur.name, "/anon_hugepage (deleted)");
			cur.attrs[0] = 0;
			cur_done = cur;
			in = true;
			continue;
		}
		char *colon = strchr(p, ':');
		if (!colon || !in)
			continue;
		*colon = 0;
		if (!in_list(p, keep))
			continue;
		for (colon++; *colon == ' '; colon++)
			;
		if (!strcmp(p, "VmFlags")) {
			char *uw = strstr(colon, "uw ");

			if (uw && (uw == colon || uw[-1] == ' '))
				memmove(uw, uw + 3, strlen(uw + 3) + 1);
		}
		snprintf(cur_done.attrs + strlen(cur_done.attrs),
			 sizeof(cur_done.attrs) - strlen(cur_done.attrs), "%s %s;", p, colon);
	}
	if (have)
		smap_print(&prev);
	free(b);
}

/* /proc/PID/numa_maps: the memory policy of each mapping. */
static void numa_maps(const char *dir)
{
	char key[192], *b, *p;

	b = slurp_at(dir, "numa_maps");
	if (!b)
		return;
	for (p = strtok(b, "\n"); p; p = strtok(NULL, "\n")) {
		unsigned long long s;
		char pol[64];
		/* Keyed by start: only the policies a program set, since the
		 * boundaries of merged neighbours may move (see smaps). */
		if (sscanf(p, "%llx %63s", &s, pol) == 2 && strcmp(pol, "default")) {
			snprintf(key, sizeof(key), "numa.%llx", s);
			out(key, "%s", pol);
		}
	}
	free(b);
}

/* A socket's options that a restore could get wrong without failing: who
 * SO_PEERCRED names, which buffer sizes the program locked (SO_BUF_LOCK),
 * and those sizes (an unlocked one is the kernel's to tune). Read on a copy
 * of the target's fd. */
static void sock_opts(int pidfd, int fd)
{
	int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0), locks = 0, v, type;
	socklen_t sl = sizeof(locks);
	struct ucred cr;
	char key[64];

	if (copy < 0)
		return;
	if (!getsockopt(copy, SOL_SOCKET, SO_BUF_LOCK, &locks, &sl)) {
		snprintf(key, sizeof(key), "fd.%d.so_buf_lock", fd);
		out(key, "%d", locks);
	}
	sl = sizeof(v);
	if ((locks & 1) && !getsockopt(copy, SOL_SOCKET, SO_SNDBUF, &v, &sl)) {
		snprintf(key, sizeof(key), "fd.%d.so_sndbuf", fd);
		out(key, "%d", v);
	}
	sl = sizeof(v);
	if ((locks & 2) && !getsockopt(copy, SOL_SOCKET, SO_RCVBUF, &v, &sl)) {
		snprintf(key, sizeof(key), "fd.%d.so_rcvbuf", fd);
		out(key, "%d", v);
	}
	/* Settings a program may change (not TCP_MAXSEG, which on a
	 * connection is its current segment size). */
	static const int settings[][3] = {
		{ SOL_SOCKET, SO_PRIORITY, 4 }, { SOL_SOCKET, SO_MARK, 4 },
		{ SOL_SOCKET, SO_RCVLOWAT, 4 }, { SOL_SOCKET, SO_OOBINLINE, 4 },
		{ SOL_SOCKET, SO_DONTROUTE, 4 }, { SOL_SOCKET, SO_LINGER, 8 },
		{ SOL_SOCKET, SO_KEEPALIVE, 4 }, { SOL_SOCKET, SO_REUSEADDR, 4 },
		{ SOL_SOCKET, SO_REUSEPORT, 4 }, { SOL_SOCKET, SO_BROADCAST, 4 },
		{ 0 /* IP */, 1 /* IP_TOS */, 4 }, { 0, 2 /* IP_TTL */, 4 },
		{ 0, 10 /* IP_MTU_DISCOVER */, 4 }, { 0, 33 /* IP_MULTICAST_TTL */, 4 },
		{ 0, 34 /* IP_MULTICAST_LOOP */, 4 }, { 41 /* IPV6 */, 16 /* UNICAST_HOPS */, 4 },
		{ 41, 18 /* IPV6_MULTICAST_HOPS */, 4 },
		{ 41, 67 /* IPV6_TCLASS */, 4 }, { 41, 23 /* IPV6_MTU_DISCOVER */, 4 },
		{ 41, 26 /* IPV6_V6ONLY */, 4 }, { 6 /* TCP */, 1 /* TCP_NODELAY */, 4 },
		{ 6, 7 /* TCP_SYNCNT */, 4 }, { 6, 8 /* TCP_LINGER2 */, 4 },
		{ 6, 9 /* TCP_DEFER_ACCEPT */, 4 }, { 6, 10 /* TCP_WINDOW_CLAMP */, 4 },
		{ 6, 13 /* TCP_CONGESTION */, 16 }, { 6, 18 /* TCP_USER_TIMEOUT */, 4 },
		{ 6, 23 /* TCP_FASTOPEN */, 4 }, { 6, 25 /* TCP_NOTSENT_LOWAT */, 4 },
		{ 6, 4 /* TCP_KEEPIDLE */, 4 }, { 6, 5 /* TCP_KEEPINTVL */, 4 },
		{ 6, 6 /* TCP_KEEPCNT */, 4 },
	};
	sl = sizeof(type);
	if (getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &sl))
		type = 0;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		unsigned char val[16] = { 0 };
		char hex[40];
		socklen_t vl = (socklen_t)settings[i][2];

		/* The multicast TTL of a TCP connection made by accept() is
		 * its SYN's TTL; no call sets it on TCP. */
		if (type == SOCK_STREAM && ((settings[i][0] == 0 && settings[i][1] == 33) ||
					    (settings[i][0] == 41 && settings[i][1] == 18)))
			continue;
		if (getsockopt(copy, settings[i][0], settings[i][1], val, &vl))
			continue;	/* not one of this socket's */
		for (socklen_t b = 0; b < vl; b++)
			snprintf(hex + 2 * b, 3, "%02x", val[b]);
		hex[2 * vl] = 0;
		snprintf(key, sizeof(key), "fd.%d.sockopt.%d.%d", fd, settings[i][0], settings[i][1]);
		out(key, "%s", hex);
	}
	sl = sizeof(v);
	if (!getsockopt(copy, SOL_SOCKET, SO_PEEK_OFF, &v, &sl)) {
		snprintf(key, sizeof(key), "fd.%d.so_peek_off", fd);
		out(key, "%d", v);
	}
	sl = sizeof(cr);
	if (!getsockopt(copy, SOL_SOCKET, SO_PEERCRED, &cr, &sl)) {
		snprintf(key, sizeof(key), "fd.%d.so_peercred", fd);
		out(key, "pid %d uid %u gid %u", cr.pid, cr.uid, cr.gid);
	}
	close(copy);
}

/* Descriptors: what they are, their fdinfo, and which of them share one
 * open file description (kcmp). Standard streams that are pipes, sockets
 * or terminals are taken from the restoring xckpt by design: only their
 * kind is compared. A socket is a new kernel object after restore: its
 * inode number is not compared (its state is the socket tests' to check). */
static void fds(pid_t pid, const char *dir)
{
	char path[300], key[192], link[4096];
	int fdl[4096], n = 0, pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct dirent *de;
	DIR *d;

	d = opendir_at(dir, "fd");
	while ((de = readdir(d)) && n < 4096)
		if (de->d_name[0] != '.')
			fdl[n++] = atoi(de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fdl[j] < fdl[i]) {
				int t = fdl[i];
				fdl[i] = fdl[j];
				fdl[j] = t;
			}
	for (int i = 0; i < n; i++) {
		int fd = fdl[i], share = fd;
		bool inherited, sock;
		ssize_t l;
		char *b, *p;

		snprintf(path, sizeof(path), "%s/fd/%d", dir, fd);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = 0;
		inherited = fd <= 2 && (!strncmp(link, "pipe:", 5) || !strncmp(link, "socket:", 7) ||
					!strncmp(link, "/dev/pts/", 9) || !strncmp(link, "/dev/tty", 8));
		sock = !strncmp(link, "socket:", 7);
		snprintf(key, sizeof(key), "fd.%d.link", fd);
		if (inherited || sock)	/* the kind: "pipe", "socket", "/dev/pts/" */
			link[strcspn(link, ":[0123456789")] = 0;
		out(key, "%s", link);
		for (int j = 0; j < i; j++)
			if (!syscall(SYS_kcmp, pid, pid, KCMP_FILE, fdl[j], fd)) {
				share = fdl[j];
				break;
			}
		snprintf(key, sizeof(key), "fd.%d.shares", fd);
		out(key, "%d", share);
		if (inherited)
			continue;
		if (sock && pidfd >= 0)
			sock_opts(pidfd, fd);
		snprintf(path, sizeof(path), "%s/fdinfo/%d", dir, fd);
		b = slurp(path, NULL);
		if (!b)
			continue;
		for (p = strtok(b, "\n"); p; p = strtok(NULL, "\n")) {
			char *colon = strchr(p, ':');
			if (!colon)
				continue;
			*colon = 0;
			for (colon++; *colon == ' ' || *colon == '\t'; colon++)
				;
			if (sock && !strcmp(p, "ino"))
				continue;
			/* An epoll lists its watches in the order of the
			 * watched files' addresses, which a restore does not
			 * keep: key each by its watched fd. */
			if (!strcmp(p, "tfd"))
				snprintf(key, sizeof(key), "fd.%d.tfd.%d", fd, atoi(colon));
			else
				snprintf(key, sizeof(key), "fd.%d.%s", fd, p);
			out(key, "%s", colon);
		}
		free(b);
	}
	if (pidfd >= 0)
		close(pidfd);
}

static void process_files(pid_t pid, const char *dir)
{
	static const char *const single[] = {
		"personality", "oom_score_adj", "oom_adj", "loginuid", "coredump_filter", "comm",
		"cpuset", "cgroup", "attr/current", "make-it-fail", NULL,
	};
	static const char *const links[] = {
		"exe", "cwd", "root", "ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid",
		"ns/time", "ns/user", "ns/uts", NULL,
	};
	static const char *const hashed[] = { "cmdline", "environ", "auxv", NULL };
	char path[300], key[192], link[4096], *b;
	size_t len;

	for (const char *const *f = single; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		if (access(path, F_OK))
			continue;
		snprintf(key, sizeof(key), "proc.%s", *f);
		one(key, path);
	}
	for (const char *const *f = links; *f; f++) {
		ssize_t l;
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = 0;
		snprintf(key, sizeof(key), "proc.%s", *f);
		out(key, "%s", link);
	}
	for (const char *const *f = hashed; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		b = slurp(path, &len);
		snprintf(key, sizeof(key), "proc.%s", *f);
		out(key, "%zu %016llx", b ? len : 0, b ? (unsigned long long)fnv(b, len) : 0ULL);
		free(b);
	}
	/* The kernel gives a new audit session id whenever loginuid is
	 * written, so only whether there is one can be kept. */
	snprintf(path, sizeof(path), "%s/sessionid", dir);
	b = slurp(path, NULL);
	out("proc.sessionid", "%s", b && strtoul(b, NULL, 10) != 4294967295ul ? "set" : "unset");
	free(b);
	/* autogroup: its name is an id; its nice value is the setting. An
	 * empty file is the boot-time group, whose nice is 0 and fixed. */
	snprintf(path, sizeof(path), "%s/autogroup", dir);
	b = slurp(path, NULL);
	out("proc.autogroup.nice", "%ld",
	    !b ? -99 : strstr(b, "nice ") ? strtol(strstr(b, "nice ") + 5, NULL, 10) : 0);
	free(b);
	snprintf(path, sizeof(path), "%s/ksm_stat", dir);
	b = slurp(path, NULL);
	if (b) {
		char *m = strstr(b, "ksm_merge_any: ");
		out("proc.ksm_merge_any", "%.3s", m ? m + 15 : "-");
		free(b);
	}
	(void)pid;
}

/* What mm->def_flags gives a new mapping (mlockall(MCL_FUTURE), with
 * MCL_ONFAULT), which nothing reports but the VmFlags of a mapping made
 * after it: the scratch page's. */
static void new_mapping(const char *dir, uint64_t page)
{
	char path[300], *b, *p, *e;
	char hdr[32];
	const char *fl = "";

	snprintf(path, sizeof(path), "%s/smaps", dir);
	b = slurp(path, NULL);
	if (!b)
		die(path, errno);
	snprintf(hdr, sizeof(hdr), "%llx-", (unsigned long long)page);
	for (p = b; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, hdr, strlen(hdr)))
			break;
	p = p && *p ? strstr(p, "\nVmFlags:") : NULL;
	if (p) {
		e = strchr(p + 1, '\n');
		if (e)
			*e = 0;
		fl = strstr(p, " lf") ? "locked on fault" : strstr(p, " lo") ? "locked" : "not locked";
	}
	out("mm.new_mapping", "%s", fl);
	free(b);
}

/* ---- remote calls ---- */

static int wait_stop(pid_t tid, int *status)
{
	while (waitpid(tid, status, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFSTOPPED(*status) ? 0 : -ESRCH;
}

/* Stop one thread at an interrupt stop. A signal being delivered first is
 * let through: it is as if it came just before we looked. */
static int seize(struct thr *t)
{
	int st;

	if (ptrace(PTRACE_SEIZE, t->tid, 0, PTRACE_O_TRACESYSGOOD))
		return -errno;
	t->seized = true;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0))
		return -errno;
	for (;;) {
		int err = wait_stop(t->tid, &st);
		if (err)
			return err;
		if (st >> 16 == PTRACE_EVENT_STOP)
			break;
		if (ptrace(PTRACE_CONT, t->tid, 0, (st >> 16) ? 0 : WSTOPSIG(st)))
			return -errno;
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &t->regs) ||
	    ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(t->mask), &t->mask))
		return -errno;
	return 0;
}

static long rcall(struct tgt *g, struct thr *t, long nr, long a1, long a2, long a3, long a4,
		  long a5)
{
	struct user_regs_struct r = t->regs;
	uint64_t all = ~0ULL;
	int st;

	if (!t->ran && ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(all), &all))
		die("setsigmask", errno);
	t->ran = true;
	r.rip = g->insn;
	r.rax = nr;
	r.orig_rax = -1;
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.r10 = a4;
	r.r8 = a5;
	r.r9 = 0;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r))
		die("setregs", errno);
	for (int i = 0, traps = 0; i < 2; i++) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) || wait_stop(t->tid, &st))
			die("remote syscall", errno);
		/* A trap still pending from the seize of a stopped task
		 * comes before the call: go on from it. */
		if (st >> 16 == PTRACE_EVENT_STOP && !i && ++traps < 8) {
			i--;
			continue;
		}
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			fprintf(stderr, "inspect: remote syscall %ld: unexpected stop %#x\n", nr, st);
			exit(1);
		}
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r))
		die("getregs", errno);
	return (long)r.rax;
}

/* Give a thread back as it was: original registers and mask, then through
 * an interrupt stop, so that the kernel's own syscall-restart and signal
 * logic runs on the original registers when we detach. */
static void release(struct thr *t)
{
	int st;

	if (!t->seized)
		return;
	if (t->ran) {
		if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->regs) ||
		    ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(t->mask), &t->mask) ||
		    ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) || ptrace(PTRACE_CONT, t->tid, 0, 0))
			die("release", errno);
		for (;;) {
			if (wait_stop(t->tid, &st))
				die("release: wait", errno);
			if (st >> 16 == PTRACE_EVENT_STOP)
				break;
			/* A signal stop before the interrupt stop: the
			 * mask is the original already, so let it be
			 * delivered. */
			if (ptrace(PTRACE_CONT, t->tid, 0, (st >> 16) ? 0 : WSTOPSIG(st)))
				die("release: cont", errno);
		}
	}
	ptrace(PTRACE_DETACH, t->tid, 0, 0);
	t->seized = false;
}

static int find_insn(struct tgt *g, const char *dir)
{
	char path[300], line[512];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "%s/maps", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3 || perms[0] != 'r' ||
		    perms[2] != 'x' || e - s > (64u << 20))
			continue;
		unsigned char *b = malloc(e - s);
		ssize_t n = pread(g->memfd, b, e - s, s);
		for (ssize_t i = 0; i + 1 < n; i++)
			if (b[i] == 0x0f && b[i + 1] == 0x05) {
				g->insn = s + i;
				err = 0;
				break;
			}
		free(b);
	}
	fclose(f);
	return err;
}

/* A page-sized hole at least one page away from any mapping, so that the
 * scratch mapping never merges with one of the target's. */
static uint64_t find_hole(const char *dir)
{
	char path[300], line[512];
	unsigned long long prev = 1ULL << 32, s, e;
	uint64_t hole = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/maps", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!hole && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		if (s > prev && s - prev >= 4 * 4096)
			hole = prev + 4096;
		if (e > prev)
			prev = e;
	}
	fclose(f);
	return hole;
}

static void rget(struct tgt *g, void *buf, size_t len)
{
	if (pread(g->memfd, buf, len, g->page) != (ssize_t)len)
		die("read scratch page", errno);
}

static void rzero(struct tgt *g)
{
	static char z[4096];
	if (pwrite(g->memfd, z, sizeof(z), g->page) != sizeof(z))
		die("clear scratch page", errno);
}

/* Per thread: prctl values, NUMA policy, sigaltstack, fs/gs bases. */
static void remote_thread(struct tgt *g, struct thr *t, const char *pfx)
{
	static const struct { int opt; const char *name; bool ptr; long arg; } pr[] = {
		{ PR_GET_PDEATHSIG, "PDEATHSIG", true, 0 },
		{ PR_GET_DUMPABLE, "DUMPABLE", false, 0 },
		{ PR_GET_KEEPCAPS, "KEEPCAPS", false, 0 },
		{ PR_GET_TIMING, "TIMING", false, 0 },
		{ PR_GET_TSC, "TSC", true, 0 },
		{ PR_GET_SECUREBITS, "SECUREBITS", false, 0 },
		{ PR_GET_TIMERSLACK, "TIMERSLACK", false, 0 },
		{ PR_MCE_KILL_GET, "MCE_KILL", false, 0 },
		{ PR_GET_CHILD_SUBREAPER, "CHILD_SUBREAPER", true, 0 },
		{ PR_GET_NO_NEW_PRIVS, "NO_NEW_PRIVS", false, 0 },
		{ PR_GET_THP_DISABLE, "THP_DISABLE", false, 0 },
		{ PR_GET_SPECULATION_CTRL, "SPEC_STORE_BYPASS", false, 0 },
		{ PR_GET_SPECULATION_CTRL, "SPEC_INDIRECT_BRANCH", false, 1 },
		{ PR_GET_SPECULATION_CTRL, "SPEC_L1D_FLUSH", false, 2 },
		{ 58 /* PR_GET_IO_FLUSHER */, "IO_FLUSHER", false, 0 },
		{ 68 /* PR_GET_MEMORY_MERGE */, "MEMORY_MERGE", false, 0 },
		{ 66 /* PR_GET_MDWE */, "MDWE", false, 0 },
		{ 40 /* PR_GET_TID_ADDRESS */, "TID_ADDRESS", true, 0 },
		{ 16 /* PR_GET_NAME */, "NAME", true, 0 },
	};
	char key[192], buf[64];

	for (size_t i = 0; i < sizeof(pr) / sizeof(*pr); i++) {
		long r;
		rzero(g);
		r = rcall(g, t, SYS_prctl, pr[i].opt, pr[i].ptr ? (long)g->page : pr[i].arg, 0, 0, 0);
		snprintf(key, sizeof(key), "%sprctl.%s", pfx, pr[i].name);
		if (r < 0) {
			out(key, "error %ld", -r);
		} else if (pr[i].ptr) {
			rget(g, buf, sizeof(buf));
			if (pr[i].opt == 16)
				out(key, "%.16s", buf);
			else if (pr[i].opt == 40)
				out(key, "%#llx", (unsigned long long)*(uint64_t *)buf);
			else
				out(key, "%d", *(int *)buf);
		} else {
			out(key, "%ld", r);
		}
	}
	{
		/* NUMA policy: mode at the page, nodes (64) after it */
		uint64_t mp[2];
		rzero(g);
		long r = rcall(g, t, SYS_get_mempolicy, (long)g->page, (long)g->page + 8, 64, 0, 0);
		rget(g, mp, sizeof(mp));
		snprintf(key, sizeof(key), "%smempolicy", pfx);
		if (r)
			out(key, "error %ld", -r);
		else
			out(key, "%#x nodes %#llx", (unsigned)mp[0], (unsigned long long)mp[1]);
	}
	{
		stack_t ss;
		rzero(g);
		long r = rcall(g, t, SYS_sigaltstack, 0, (long)g->page, 0, 0, 0);
		rget(g, &ss, sizeof(ss));
		snprintf(key, sizeof(key), "%ssigaltstack", pfx);
		if (r)
			out(key, "error %ld", -r);
		else
			out(key, "%p %zu %#x", ss.ss_sp, ss.ss_size, ss.ss_flags);
	}
	snprintf(key, sizeof(key), "%sfs_base", pfx);
	out(key, "%#llx", (unsigned long long)t->regs.fs_base);
	snprintf(key, sizeof(key), "%sgs_base", pfx);
	out(key, "%#llx", (unsigned long long)t->regs.gs_base);
	/* The kernel disarms an rseq critical section it finds the
	 * instruction pointer outside of: we moved it, so the thread's
	 * rseq_cs is checked and put back after the calls (main()). */
}

/* Per process: sigactions, itimers, membarrier, the private futex hash,
 * arch_prctl. */
static void remote_process(struct tgt *g, struct thr *t)
{
	char key[128];

	for (int sig = 1; sig <= 64; sig++) {
		uint64_t sa[4];
		long r;
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		rzero(g);
		r = rcall(g, t, SYS_rt_sigaction, sig, 0, (long)g->page, 8, 0);
		rget(g, sa, sizeof(sa));
		snprintf(key, sizeof(key), "sigaction.%d", sig);
		if (r)
			out(key, "error %ld", -r);
		else
			out(key, "handler %#llx flags %#llx restorer %#llx mask %#llx",
			    (unsigned long long)sa[0], (unsigned long long)sa[1],
			    (unsigned long long)sa[2], (unsigned long long)sa[3]);
	}
	/* The remaining time runs on; whether it is armed and its period are
	 * the settings. A periodic timer that expired reads 0 until its
	 * SIGALRM is dequeued, when the kernel re-arms it: armed too. */
	for (int w = 0; w < 3; w++) {
		struct { long isec, iusec, vsec, vusec; } it;
		rzero(g);
		long r = rcall(g, t, SYS_getitimer, w, (long)g->page, 0, 0, 0);
		rget(g, &it, sizeof(it));
		snprintf(key, sizeof(key), "itimer.%d", w);
		if (r)
			out(key, "error %ld", -r);
		else
			out(key, "interval %ld.%06ld %s", it.isec, it.iusec,
			    it.vsec || it.vusec || it.isec || it.iusec ? "armed" : "disarmed");
	}
	out("membarrier.registrations", "%ld",
	    rcall(g, t, SYS_membarrier, 1 << 9 /* MEMBARRIER_CMD_GET_REGISTRATIONS */, 0, 0, 0, 0));
	out("futex_hash.slots", "%ld", rcall(g, t, SYS_prctl, 78 /* PR_FUTEX_HASH */, 2 /* GET_SLOTS */,
					       0, 0, 0));
	out("arch_prctl.CPUID", "%ld", rcall(g, t, SYS_arch_prctl, 0x1011 /* ARCH_GET_CPUID */, 0,
					       0, 0, 0));
	{
		uint64_t v = 0;
		long r;
		rzero(g);
		r = rcall(g, t, SYS_arch_prctl, 0x1022 /* ARCH_GET_XCOMP_PERM */, (long)g->page, 0, 0, 0);
		rget(g, &v, sizeof(v));
		out("arch_prctl.XCOMP_PERM", r ? "error %ld" : "%#lx", r ? -r : (long)v);
		rzero(g);
		r = rcall(g, t, SYS_arch_prctl, 0x5005 /* ARCH_SHSTK_STATUS */, (long)g->page, 0, 0, 0);
		rget(g, &v, sizeof(v));
		out("arch_prctl.SHSTK_STATUS", r ? "error %ld" : "%#lx", r ? -r : (long)v);
	}
}

static void threads(struct tgt *g, const char *dir)
{
	struct dirent *de;
	DIR *d;
	bool more = true;

	/* Until no new thread shows up: a thread may clone while we seize. */
	while (more) {
		more = false;
		d = opendir_at(dir, "task");
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			int i;
			if (tid <= 0)
				continue;
			for (i = 0; i < g->nr && g->t[i].tid != tid; i++)
				;
			if (i < g->nr)
				continue;
			if (g->nr == MAX_THREADS)
				die("threads", E2BIG);
			g->t[g->nr].tid = tid;
			if (seize(&g->t[g->nr]))
				die("seize", errno);
			g->nr++;
			more = true;
		}
		closedir(d);
	}
	/* The leader first: the process-wide calls run in it. */
	for (int i = 1; i < g->nr; i++)
		if (g->t[i].tid == g->pid) {
			struct thr tmp = g->t[0];
			g->t[0] = g->t[i];
			g->t[i] = tmp;
		}
}

/* rseq_cs pointers of every thread with rseq, read before the calls. */
struct rseq_cs_save {
	uint64_t addr, val;
};

static void rseq_save(struct tgt *g, struct rseq_cs_save *s)
{
	for (int i = 0; i < g->nr; i++) {
		struct ptrace_rseq_configuration_ rc;
		s[i].addr = 0;
		if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION_, g->t[i].tid, sizeof(rc), &rc) != sizeof(rc) ||
		    !rc.rseq_abi_pointer)
			continue;
		s[i].addr = rc.rseq_abi_pointer + 8;	/* struct rseq: rseq_cs at 8 */
		if (pread(g->memfd, &s[i].val, 8, s[i].addr) != 8)
			s[i].addr = 0;
	}
}

static void rseq_print(struct tgt *g)
{
	for (int i = 0; i < g->nr; i++) {
		struct ptrace_rseq_configuration_ rc = { 0 };
		char key[64];
		snprintf(key, sizeof(key), "t%d.rseq", g->t[i].tid);
		if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION_, g->t[i].tid, sizeof(rc), &rc) != sizeof(rc))
			out(key, "error %d", errno);
		else
			out(key, "%#llx %u %#x %#x", (unsigned long long)rc.rseq_abi_pointer,
			    rc.rseq_abi_size, rc.signature, rc.flags);
	}
}

int main(int argc, char **argv)
{
	static struct tgt g;
	struct rseq_cs_save *rs;
	char dir[64], pfx[128];
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: inspect PID\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	g.pid = atoi(argv[1]);
	snprintf(dir, sizeof(dir), "/proc/%d", g.pid);
	/* /proc first, while nothing of ours touches the target. */
	process_files(g.pid, dir);
	limits(dir);
	smaps(dir);
	numa_maps(dir);
	fds(g.pid, dir);
	{
		struct dirent *de;
		DIR *d;
		d = opendir_at(dir, "task");
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			char tdir[96];
			if (tid <= 0)
				continue;
			snprintf(tdir, sizeof(tdir), "%s/task/%d", dir, tid);
			snprintf(pfx, sizeof(pfx), "t%d.", tid);
			status(pfx, tdir);
			stat_fields(pfx, tdir);
			sched_file(pfx, tdir);
			thread_outside(pfx, tid);
		}
		closedir(d);
	}
	snprintf(pfx, sizeof(pfx), "%s/mem", dir);
	g.memfd = open(pfx, O_RDWR | O_CLOEXEC);
	if (g.memfd < 0)
		die(pfx, errno);
	err = find_insn(&g, dir);
	if (err)
		die("find a syscall instruction", -err);
	threads(&g, dir);
	rs = calloc(g.nr, sizeof(*rs));
	rseq_save(&g, rs);
	rseq_print(&g);
	{
		uint64_t hole = find_hole(dir);
		long r;
		if (!hole)
			die("find a hole for the scratch page", ENOMEM);
		r = rcall(&g, &g.t[0], SYS_mmap, hole, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | 0x100000 /* MAP_FIXED_NOREPLACE */, -1);
		if (r != (long)hole)
			die("remote mmap", r < 0 ? -r : EEXIST);
		g.page = hole;
	}
	new_mapping(dir, g.page);
	remote_process(&g, &g.t[0]);
	for (int i = 0; i < g.nr; i++) {
		snprintf(pfx, sizeof(pfx), "t%d.", g.t[i].tid);
		remote_thread(&g, &g.t[i], pfx);
	}
	if (rcall(&g, &g.t[0], SYS_munmap, g.page, 4096, 0, 0, 0))
		die("remote munmap", EIO);
	for (int i = 0; i < g.nr; i++) {
		uint64_t now;
		if (rs[i].addr && pread(g.memfd, &now, 8, rs[i].addr) == 8 && now != rs[i].val &&
		    pwrite(g.memfd, &rs[i].val, 8, rs[i].addr) != 8)
			die("put rseq_cs back", errno);
	}
	for (int i = 0; i < g.nr; i++)
		release(&g.t[i]);
	fflush(stdout);
	return 0;
}
