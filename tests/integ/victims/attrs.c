/* Victim: sets per-process attributes a program may set (timer slack, THP
 * disabled, child subreaper, oom_score_adj, loginuid, membarrier, mapping
 * flags, a SIGTRAP handler, a periodic interval timer, parent-death signal,
 * I/O priority, TSC and machine-check policies, coredump_filter, dumpable,
 * keep-caps, SCHED_RESET_ON_FORK, a private futex hash, a NUMA memory
 * policy, mlockall(MCL_FUTURE)),
 * signals readiness, waits for SIGUSR2,
 * then checks that each attribute still has its value and still works, and
 * prints PASS or FAIL. The harness compares everything else (lib.sh
 * snap_check).
 *
 * usage: attrs DIR MODE...   (MODE: one of the names in modes[], or "all") */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "ready.h"

static volatile sig_atomic_t stop_flag, trap_count, alrm_count;

static void on_usr2(int sig) { stop_flag = 1; }
static void on_trap(int sig) { trap_count++; }
static void on_alrm(int sig) { alrm_count++; }

static int sys_membarrier(int cmd) { return (int)syscall(SYS_membarrier, cmd, 0, 0); }

static int proc_write(const char *name, const char *v)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	r = write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : -1;
	close(fd);
	return r;
}

static long proc_read(const char *name, int base)
{
	char path[64], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return -99999;
	close(fd);
	return strtol(buf, NULL, base);
}

/* The VmFlags of the mapping at addr, from our own smaps. */
static void vmflags(void *addr, char *out, size_t len)
{
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
		else if (in && !strncmp(line, "VmFlags:", 8))
			snprintf(out, len, "%s", line + 8);
	}
	if (f)
		fclose(f);
}

static bool has_flag(void *addr, const char *fl)
{
	char f[256], pat[8];

	vmflags(addr, f, sizeof(f));
	snprintf(pat, sizeof(pat), " %s", fl);
	return strstr(f, pat) != NULL;
}

/* One mapping per flag that user space can set, and one whose flag lives
 * in the mapping itself (MAP_NORESERVE). */
static struct { const char *flag; int adv; int mflags; char *p; } vmf[] = {
	{ "nr", 0, MAP_NORESERVE, NULL },
	{ "dc", MADV_DONTFORK, 0, NULL },
	{ "dd", MADV_DONTDUMP, 0, NULL },
	{ "wf", MADV_WIPEONFORK, 0, NULL },
	{ "hg", MADV_HUGEPAGE, 0, NULL },
	{ "nh", MADV_NOHUGEPAGE, 0, NULL },
	{ "sr", MADV_SEQUENTIAL, 0, NULL },
	{ "rr", MADV_RANDOM, 0, NULL },
	{ "lo", -1, 0, NULL },		/* mlock */
	{ "lf", -2, 0, NULL },		/* mlock2(MLOCK_ONFAULT) */
	{ "mg", MADV_MERGEABLE, 0, NULL },	/* KSM (CONFIG_KSM) */
};
#define NVMF (sizeof(vmf) / sizeof(*vmf))

static void set_vmflags(void)
{
	for (size_t i = 0; i < NVMF; i++) {
		/* A page apart from each other, so that none merges. */
		char *p = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		vmf[i].p = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE,
				MAP_FIXED | MAP_PRIVATE | vmf[i].mflags | MAP_ANONYMOUS, -1, 0);
		if (vmf[i].p == MAP_FAILED) {
			printf("SETUP: mmap for %s: %s\n", vmf[i].flag, strerror(errno));
			continue;
		}
		vmf[i].p[0] = (char)i + 1;
		if (vmf[i].adv > 0 && madvise(vmf[i].p, 4096, vmf[i].adv)) {
			if (vmf[i].adv == MADV_MERGEABLE && errno == EINVAL) {
				vmf[i].p = MAP_FAILED;	/* a kernel without KSM */
				continue;
			}
			printf("SETUP: madvise %s: %s\n", vmf[i].flag, strerror(errno));
		}
		if (vmf[i].adv == -1 && mlock(vmf[i].p, 4096))
			printf("SETUP: mlock: %s\n", strerror(errno));
		if (vmf[i].adv == -2 && syscall(SYS_mlock2, vmf[i].p, 4096, 1 /* MLOCK_ONFAULT */))
			printf("SETUP: mlock2: %s\n", strerror(errno));
		if (!has_flag(vmf[i].p, vmf[i].flag))
			printf("SETUP: %s not set\n", vmf[i].flag);
	}
}
static void check_vmflags(void)
{
	for (size_t i = 0; i < NVMF; i++) {
		char f[256];
		if (vmf[i].p == MAP_FAILED)
			continue;
		vmflags(vmf[i].p, f, sizeof(f));
		CHECK(has_flag(vmf[i].p, vmf[i].flag), "VmFlag %s lost: %s", vmf[i].flag, f);
		CHECK(vmf[i].p[0] == (char)i + 1, "content of %s mapping", vmf[i].flag);
	}
}

static void set_thp(void) { prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0); }
static void check_thp(void)
{
	CHECK(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1, "THP_DISABLE %d",
	      prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
}

static void set_subreaper(void) { prctl(PR_SET_CHILD_SUBREAPER, 1); }
static void check_subreaper(void)
{
	int v = -1;
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	CHECK(v == 1, "CHILD_SUBREAPER %d", v);
}

static void set_oom(void)
{
	if (proc_write("oom_score_adj", "400"))
		printf("SETUP: oom_score_adj: %s\n", strerror(errno));
}
static void check_oom(void)
{
	CHECK(proc_read("oom_score_adj", 10) == 400, "oom_score_adj %ld", proc_read("oom_score_adj", 10));
}

static void set_loginuid(void)
{
	if (proc_write("loginuid", "4242"))
		printf("SETUP: loginuid: %s\n", strerror(errno));
}
static void check_loginuid(void)
{
	CHECK(proc_read("loginuid", 10) == 4242, "loginuid %ld", proc_read("loginuid", 10));
}

static void set_membarrier(void)
{
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
		printf("SETUP: membarrier register: %s\n", strerror(errno));
}
static void check_membarrier(void)
{
	CHECK(!sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), "membarrier: %s", strerror(errno));
}

static void set_timerslack(void) { prctl(PR_SET_TIMERSLACK, 50000 + 123); }
static void check_timerslack(void)
{
	CHECK(prctl(PR_GET_TIMERSLACK) == 50123, "timerslack %d", prctl(PR_GET_TIMERSLACK));
}

static void set_sigtrap(void)
{
	struct sigaction sa = { .sa_handler = on_trap };
	sigaction(SIGTRAP, &sa, NULL);
}
static void check_sigtrap(void)
{
	kill(getpid(), SIGTRAP);
	CHECK(trap_count == 1, "SIGTRAP handler ran %d times", trap_count);
}

/* A 20 ms periodic timer: it fires many times during a dump. */
static void set_itimer(void)
{
	struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}
static void check_itimer(void)
{
	struct itimerval it;
	int before = alrm_count;
	getitimer(ITIMER_REAL, &it);
	CHECK(it.it_interval.tv_usec == 20000 && it.it_interval.tv_sec == 0, "itimer interval %ld.%06ld",
	      (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	for (int i = 0; i < 100 && alrm_count < before + 3; i++)
		usleep(10000);
	CHECK(alrm_count >= before + 3, "itimer stopped firing (%d ticks in 1 s)", alrm_count - before);
}

/* Its parent's death sends SIGUSR2, the signal to check: a test kills the
 * restored process's parent (xckpt restore) instead of sending it. */
static void set_pdeathsig(void) { prctl(PR_SET_PDEATHSIG, SIGUSR2); }
static void check_pdeathsig(void)
{
	int v = -1;
	prctl(PR_GET_PDEATHSIG, &v);
	CHECK(v == SIGUSR2, "PDEATHSIG %d", v);
}

#define IOPRIO_BE_5 ((2 << 13) | 5)	/* best effort, level 5 */
static void set_ioprio(void)
{
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, IOPRIO_BE_5))
		printf("SETUP: ioprio_set: %s\n", strerror(errno));
}
static void check_ioprio(void)
{
	long v = syscall(SYS_ioprio_get, 1, 0);
	CHECK(v == IOPRIO_BE_5, "ioprio %#lx", v);
}

/* rdtsc faults from here on: nothing below may read the clock through
 * the vDSO (nanosleep and getitimer are system calls). */
static void set_tsc(void)
{
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV))
		printf("SETUP: PR_SET_TSC: %s\n", strerror(errno));
}
static void check_tsc(void)
{
	int v = -1;
	prctl(PR_GET_TSC, &v);
	CHECK(v == PR_TSC_SIGSEGV, "TSC %d", v);
}

static void set_mce(void)
{
	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		printf("SETUP: PR_MCE_KILL: %s\n", strerror(errno));
}
static void check_mce(void)
{
	int v = prctl(PR_MCE_KILL_GET, 0, 0, 0, 0);
	CHECK(v == PR_MCE_KILL_EARLY, "MCE_KILL %d", v);
}

static void set_coredump(void)
{
	if (proc_write("coredump_filter", "0x5b"))
		printf("SETUP: coredump_filter: %s\n", strerror(errno));
}
static void check_coredump(void)
{
	CHECK(proc_read("coredump_filter", 16) == 0x5b, "coredump_filter %#lx",
	      proc_read("coredump_filter", 16));
}

static void set_dumpable(void) { prctl(PR_SET_DUMPABLE, 0); }
static void check_dumpable(void)
{
	CHECK(prctl(PR_GET_DUMPABLE) == 0, "DUMPABLE %d", prctl(PR_GET_DUMPABLE));
}

static void set_keepcaps(void) { prctl(PR_SET_KEEPCAPS, 1); }
static void check_keepcaps(void)
{
	CHECK(prctl(PR_GET_KEEPCAPS) == 1, "KEEPCAPS %d", prctl(PR_GET_KEEPCAPS));
}

/* SCHED_BATCH, not inherited by children (SCHED_RESET_ON_FORK). */
static void set_sched(void)
{
	struct sched_param sp = { 0 };

	if (sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp))
		printf("SETUP: sched_setscheduler: %s\n", strerror(errno));
}
static void check_sched(void)
{
	int v = sched_getscheduler(0);
	CHECK(v == (SCHED_BATCH | SCHED_RESET_ON_FORK), "policy %#x", v);
}

/* A private futex hash of the process's own size (the kernel would size
 * one by itself at the first thread). */
#define PR_FUTEX_HASH_ 78
static void set_futexhash(void)
{
	if (prctl(PR_FUTEX_HASH_, 1 /* SET_SLOTS */, 64, 0, 0))
		printf("SETUP: PR_FUTEX_HASH: %s\n", strerror(errno));
}
static void check_futexhash(void)
{
	int v = prctl(PR_FUTEX_HASH_, 2 /* GET_SLOTS */, 0, 0, 0);
	CHECK(v == 64, "futex hash slots %d", v);
}

/* Memory of this thread from node 0 only, whatever nodes appear later. */
#define MPOL_BIND_STATIC ((1 << 15) | 2)	/* MPOL_F_STATIC_NODES | MPOL_BIND */
static void set_mempolicy_(void)
{
	unsigned long nodes = 1;

	if (syscall(SYS_set_mempolicy, MPOL_BIND_STATIC, &nodes, 65))
		printf("SETUP: set_mempolicy: %s\n", strerror(errno));
}
static void check_mempolicy(void)
{
	unsigned long nodes = 0;
	int mode = -1;

	syscall(SYS_get_mempolicy, &mode, &nodes, 64, 0, 0);
	CHECK(mode == MPOL_BIND_STATIC && nodes == 1, "mempolicy %#x nodes %#lx", mode, nodes);
}

/* A mapping made now: locked, on fault (MCL_ONFAULT: not populated) or at
 * once (populated). */
static void check_new_mapping(bool onfault)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char f[256];
	unsigned char vec = 2;

	if (p == MAP_FAILED) {
		CHECK(0, "mmap: %s", strerror(errno));
		return;
	}
	vmflags(p, f, sizeof(f));
	CHECK(has_flag(p, "lo") && has_flag(p, "lf") == onfault, "a new mapping: %s", f);
	CHECK(!mincore(p, 4096, &vec) && (vec & 1) == !onfault, "a new mapping's page: resident %d", vec);
	munmap(p, 4096);
}

/* Last of "all": every mapping made after it is locked. */
static void set_mlockall(void)
{
	if (mlockall(MCL_FUTURE | MCL_ONFAULT))
		printf("SETUP: mlockall: %s\n", strerror(errno));
}
static void check_mlockall(void) { check_new_mapping(true); }

/* MCL_FUTURE alone: a new mapping is locked and populated at once. */
static void set_mlockall_now(void)
{
	if (mlockall(MCL_FUTURE))
		printf("SETUP: mlockall: %s\n", strerror(errno));
}
static void check_mlockall_now(void) { check_new_mapping(false); }

/* A mapping with a NUMA policy of its own: refused at dump. */
static void set_mbind(void)
{
	unsigned long nodes = 1;
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || syscall(SYS_mbind, p, 4096, 2 /* MPOL_BIND */, &nodes, 65, 0))
		printf("SETUP: mbind: %s\n", strerror(errno));
}
static void check_mbind(void) {}

static const struct {
	const char *name;
	void (*set)(void), (*check)(void);
} modes[] = {
	{ "timerslack", set_timerslack, check_timerslack },
	{ "thp", set_thp, check_thp },
	{ "subreaper", set_subreaper, check_subreaper },
	{ "oom", set_oom, check_oom },
	{ "loginuid", set_loginuid, check_loginuid },
	{ "membarrier", set_membarrier, check_membarrier },
	{ "vmflags", set_vmflags, check_vmflags },
	{ "sigtrap", set_sigtrap, check_sigtrap },
	{ "itimer", set_itimer, check_itimer },
	{ "pdeathsig", set_pdeathsig, check_pdeathsig },
	{ "ioprio", set_ioprio, check_ioprio },
	{ "tsc", set_tsc, check_tsc },
	{ "mce", set_mce, check_mce },
	{ "coredump", set_coredump, check_coredump },
	{ "dumpable", set_dumpable, check_dumpable },
	{ "keepcaps", set_keepcaps, check_keepcaps },
	{ "sched", set_sched, check_sched },
	{ "futexhash", set_futexhash, check_futexhash },
	{ "mempolicy", set_mempolicy_, check_mempolicy },
	{ "mlockall", set_mlockall, check_mlockall },
	{ "mlockall_now", set_mlockall_now, check_mlockall_now },
	{ "mbind", set_mbind, check_mbind },
};
#define NALL 20	/* the modes "all" takes: the first ones */
#define NMODES (sizeof(modes) / sizeof(*modes))

int main(int argc, char **argv)
{
	bool on[NMODES] = { false };
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigset_t usr2, old;

	if (argc < 3)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 2; a < argc; a++) {
		size_t i;
		for (i = 0; i < NMODES; i++)
			if (!strcmp(argv[a], modes[i].name) || (!strcmp(argv[a], "all") && i < NALL))
				on[i] = true;
		for (i = 0; i < NMODES && strcmp(argv[a], modes[i].name); i++)
			;
		if (i == NMODES && strcmp(argv[a], "all"))
			return 2;
	}
	sigaction(SIGUSR2, &sa, NULL);
	for (size_t i = 0; i < NMODES; i++)
		if (on[i])
			modes[i].set();
	/* Wait for SIGUSR2 without a window where it could be missed. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	victim_ready(argv[1]);
	while (!stop_flag)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; i < NMODES; i++)
		if (on[i])
			modes[i].check();
	printf(fails ? "FAIL\n" : "PASS\n");
	return fails ? 1 : 0;
}
