/* Victim: sets per-process attributes a program may set (timer slack, THP
 * disabled, child subreaper, oom_score_adj, loginuid, membarrier, mapping flags, a SIGTRAP
 * handler, a periodic interval timer), signals readiness, waits
 * for SIGUSR2, then checks that each attribute still has its value and
 * still works, and prints PASS or FAIL. The
 * harness compares everything else (lib.sh snap_check).
 *
 * usage: attrs DIR MODE...   (MODE: one of the names in modes[], or "all") */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
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
		if (vmf[i].adv > 0 && madvise(vmf[i].p, 4096, vmf[i].adv))
			printf("SETUP: madvise %s: %s\n", vmf[i].flag, strerror(errno));
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
};
#define NALL 9	/* the modes "all" takes: the first ones */
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
