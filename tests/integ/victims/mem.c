/* Victim: memory of the kinds HPC programs map besides plain anonymous
 * memory, each with a pattern; signals readiness, waits for SIGUSR2, then
 * checks that every pattern is intact and every mapping still writable and
 * of its kind, and prints PASS or FAIL. The harness compares maps and
 * smaps (VmFlags, KernelPageSize) before and after (lib.sh snap_check).
 *
 *   hugetlb   MAP_HUGETLB memory in 2 MiB pages: private (two pages, one
 *             written all over, one left unfaulted), shared, and a second
 *             mapping of the shared object (made through map_files, as
 *             after fork), which must share it again after restore
 *   hugefork  shared MAP_HUGETLB memory, and a child that shares it (fork):
 *             after restore each sees what the other writes
 *   devzero   MAP_PRIVATE of /dev/zero (one page written, one read, the
 *             rest untouched), and a MAP_SHARED one
 *   names     named anonymous memory (PR_SET_VMA_ANON_NAME), private and
 *             shared; SETUP: ... where the kernel cannot name mappings
 *   aio       an AIO ring (io_setup), for the refusal test
 *   privshm   a private mapping of shared anonymous memory, for the
 *             refusal test
 *   hugememfd a memfd on hugetlbfs (MFD_HUGETLB), for the refusal test
 *   lowanon   an anonymous page below every other mapping, so that it is the
 *             image's first VMA (a test names it there)
 *
 * usage: mem DIR MODE... */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ready.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif

#define HUGE (2UL << 20)
#define PG 4096UL

static volatile sig_atomic_t stop_flag;
static void on_usr2(int sig) { (void)sig; stop_flag = 1; }

/* One byte per 4 KiB page, from a seed: any page lost, moved or zeroed
 * shows. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += PG)
		p[i] = (unsigned char)(seed + i / PG) | 1;
}

static bool pattern_ok(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += PG)
		if (p[i] != ((unsigned char)(seed + i / PG) | 1))
			return false;
	return true;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The line of /proc/self/smaps KEY for the mapping at p, as text. */
static bool smaps_value(const void *p, const char *key, char *out, size_t len)
{
	char line[512], hdr[32];
	bool in = false, found = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	snprintf(hdr, sizeof(hdr), "%lx-", (unsigned long)p);
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, hdr, strlen(hdr));
		else if (in && !strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
			snprintf(out, len, "%s", line + strlen(key) + 1);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* The name column of /proc/self/maps for the mapping at p. */
static bool maps_name(const void *p, char *out, size_t len)
{
	char line[512], hdr[32];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	snprintf(hdr, sizeof(hdr), "%lx-", (unsigned long)p);
	while (f && !found && fgets(line, sizeof(line), f)) {
		int n = 0;

		if (strncmp(line, hdr, strlen(hdr)))
			continue;
		sscanf(line, "%*s %*s %*s %*s %*s %n", &n);
		line[strcspn(line, "\n")] = 0;
		snprintf(out, len, "%s", line + n);
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static bool huge_kps(const void *p)
{
	char v[512] = "";

	return smaps_value(p, "KernelPageSize", v, sizeof(v)) && strtoul(v, NULL, 10) == 2048;
}

/* ---- hugetlb ------------------------------------------------------------ */

static unsigned char *hpriv, *hshared, *halias;

static void set_hugetlb(void)
{
	char path[64];
	int fd;

	hpriv = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	hshared = mmap(NULL, HUGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (hpriv == MAP_FAILED || hshared == MAP_FAILED) {
		printf("SETUP: MAP_HUGETLB: %s\n", strerror(errno));
		return;
	}
	pattern(hpriv, HUGE, 7);	/* the second huge page stays unfaulted */
	pattern(hshared, HUGE, 11);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)hshared,
		 (unsigned long)hshared + HUGE);
	fd = open(path, O_RDWR);
	halias = fd < 0 ? MAP_FAILED : mmap(NULL, HUGE, PROT_READ, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (halias == MAP_FAILED)
		printf("SETUP: second mapping of shared hugetlb memory: %s\n", strerror(errno));
}

static void check_hugetlb(void)
{
	CHECK(huge_kps(hpriv) && huge_kps(hshared) && huge_kps(halias),
	      "hugetlb mappings not in 2 MiB pages after restore");
	CHECK(pattern_ok(hpriv, HUGE, 7), "private hugetlb content");
	CHECK(all_zero(hpriv + HUGE, HUGE), "unfaulted private huge page not zero");
	CHECK(pattern_ok(hshared, HUGE, 11), "shared hugetlb content");
	CHECK(pattern_ok(halias, HUGE, 11), "second mapping of shared hugetlb content");
	/* Still writable, and the two shared mappings still one object. */
	hpriv[HUGE + 5] = 9;
	hshared[3 * PG] = 0x55;
	CHECK(hpriv[HUGE + 5] == 9, "private hugetlb not writable");
	CHECK(halias[3 * PG] == 0x55, "shared hugetlb mappings no longer share their pages");
}

/* A parent and its child share one hugetlb object. The child waits for
 * SIGUSR2 from the parent, checks the pattern and the parent's byte, writes
 * its own and exits with its verdict. */
static unsigned char *hfork;
static pid_t hchild = -1;

static void set_hugefork(void)
{
	hfork = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB,
		     -1, 0);
	if (hfork == MAP_FAILED) {
		printf("SETUP: MAP_HUGETLB: %s\n", strerror(errno));
		return;
	}
	pattern(hfork, HUGE, 13);
	hchild = fork();
	if (hchild < 0) {
		printf("SETUP: fork: %s\n", strerror(errno));
		return;
	}
	if (hchild)
		return;
	/* The child: SIGUSR2 is blocked by none yet; wait as the parent does. */
	{
		sigset_t none;

		sigemptyset(&none);
		while (!stop_flag)
			sigsuspend(&none);
		if (!pattern_ok(hfork, 7 * PG, 13) || hfork[7 * PG] != 0x77 || !huge_kps(hfork))
			_exit(1);
		hfork[8 * PG] = 0x88;
		_exit(0);
	}
}

static void check_hugefork(void)
{
	int st = -1;

	CHECK(huge_kps(hfork), "shared hugetlb memory not in 2 MiB pages after restore");
	CHECK(pattern_ok(hfork, 7 * PG, 13), "shared hugetlb content");
	hfork[7 * PG] = 0x77;
	kill(hchild, SIGUSR2);
	CHECK(waitpid(hchild, &st, 0) == hchild && WIFEXITED(st) && !WEXITSTATUS(st),
	      "child: shared hugetlb content, or the parent's write, not seen (status %#x)", st);
	CHECK(hfork[8 * PG] == 0x88, "the child's write not seen: the object is no longer shared");
}

/* ---- /dev/zero ---------------------------------------------------------- */

static unsigned char *zpriv, *zshared;

static void set_devzero(void)
{
	int fd = open("/dev/zero", O_RDWR);
	volatile unsigned char c;

	zpriv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	zshared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (zpriv == MAP_FAILED || zshared == MAP_FAILED) {
		printf("SETUP: mmap /dev/zero: %s\n", strerror(errno));
		return;
	}
	zpriv[PG] = 42;		/* written */
	c = zpriv[2 * PG];	/* read: the zero page */
	(void)c;
	zshared[3 * PG] = 43;
}

static void check_devzero(void)
{
	char name[256] = "";

	CHECK(zpriv[PG] == 42 && all_zero(zpriv, PG) && all_zero(zpriv + 2 * PG, 2 * PG),
	      "private /dev/zero content");
	CHECK(zshared[3 * PG] == 43 && all_zero(zshared, 3 * PG), "shared /dev/zero content");
	CHECK(maps_name(zpriv, name, sizeof(name)) && !strcmp(name, "/dev/zero"),
	      "private /dev/zero mapping is \"%s\"", name);
	zpriv[3 * PG] = 1;
	zshared[0] = 2;
	CHECK(zpriv[3 * PG] == 1 && zshared[0] == 2, "/dev/zero mappings not writable");
}

/* ---- named anonymous memory --------------------------------------------- */

static unsigned char *npriv, *nshared;

static void set_names(void)
{
	npriv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	nshared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (npriv == MAP_FAILED || nshared == MAP_FAILED) {
		printf("SETUP: mmap: %s\n", strerror(errno));
		return;
	}
	/* The middle two pages only: the name splits the mapping. */
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, npriv + PG, 2 * PG, "solver arena 1") ||
	    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, nshared, 4 * PG, "halo:exchange")) {
		printf("SETUP: PR_SET_VMA_ANON_NAME: %s\n", strerror(errno));
		return;
	}
	pattern(npriv, 4 * PG, 3);
	pattern(nshared, 4 * PG, 5);
}

static void check_names(void)
{
	char name[256] = "";

	CHECK(maps_name(npriv + PG, name, sizeof(name)) && !strcmp(name, "[anon:solver arena 1]"),
	      "private named mapping is \"%s\"", name);
	CHECK(maps_name(npriv, name, sizeof(name)) && !strcmp(name, ""),
	      "unnamed neighbour is \"%s\"", name);
	CHECK(maps_name(nshared, name, sizeof(name)) && !strcmp(name, "[anon_shmem:halo:exchange]"),
	      "shared named mapping is \"%s\"", name);
	CHECK(pattern_ok(npriv, 4 * PG, 3) && pattern_ok(nshared, 4 * PG, 5), "named mapping content");
	npriv[PG + 1] = 1;
	nshared[1] = 1;
	CHECK(npriv[PG + 1] == 1 && nshared[1] == 1, "named mappings not writable");
}

/* ---- for the refusal tests ---------------------------------------------- */

static void set_aio(void)
{
	unsigned long ctx = 0;

	if (syscall(SYS_io_setup, 8, &ctx))
		printf("SETUP: io_setup: %s\n", strerror(errno));
}

static void set_privshm(void)
{
	unsigned char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)s,
		 (unsigned long)s + PG);
	fd = open(path, O_RDWR);
	if (fd < 0 || mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED)
		printf("SETUP: private mapping of shared memory: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void set_hugememfd(void)
{
	int fd = memfd_create("huge", MFD_HUGETLB);
	void *p;

	if (fd < 0 || ftruncate(fd, HUGE)) {
		printf("SETUP: memfd_create(MFD_HUGETLB): %s\n", strerror(errno));
		return;
	}
	p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		printf("SETUP: mmap of a hugetlb memfd: %s\n", strerror(errno));
	else
		*(char *)p = 1;
	close(fd);
}

static void set_lowanon(void)
{
	void *p = mmap((void *)(16UL << 20), PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		printf("SETUP: mmap at 16 MiB: %s\n", strerror(errno));
	else
		*(char *)p = 1;
}

static void check_none(void) { }

static const struct {
	const char *name;
	void (*set)(void), (*check)(void);
} modes[] = {
	{ "hugetlb", set_hugetlb, check_hugetlb },
	{ "hugefork", set_hugefork, check_hugefork },
	{ "devzero", set_devzero, check_devzero },
	{ "names", set_names, check_names },
	{ "aio", set_aio, check_none },
	{ "privshm", set_privshm, check_none },
	{ "hugememfd", set_hugememfd, check_none },
	{ "lowanon", set_lowanon, check_none },
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static int mode_of(const char *name)
{
	for (size_t i = 0; i < NMODES; i++)
		if (!strcmp(name, modes[i].name))
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr2 };

	if (argc < 3)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 2; a < argc; a++)
		if (mode_of(argv[a]) < 0)
			return 2;
	sigaction(SIGUSR2, &sa, NULL);
	for (int a = 2; a < argc; a++)
		modes[mode_of(argv[a])].set();
	victim_ready_wait_usr2(argv[1], &stop_flag);
	for (int a = 2; a < argc; a++)
		modes[mode_of(argv[a])].check();
	printf(fails ? "FAIL\n" : "PASS\n");
	return fails ? 1 : 0;
}
