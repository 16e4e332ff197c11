/* Private memory a parent and its child still share after fork, for
 * cases/shm.sh.
 *
 *   cow DIR MIB       the parent fills MIB MiB of private anonymous memory
 *                     with incompressible bytes and forks; the child writes
 *                     its own byte into page 1 and the parent into page 2
 *                     (those two pages are copied), everything else stays
 *                     shared. DIR/ready holds the parent's pid, DIR/child
 *                     the child's. On SIGUSR1 each checks the whole region
 *                     (its own writes, the other's not seen), then the child
 *                     writes into every page and exits, and the parent
 *                     checks that none of those writes reached it and prints
 *                     PASS.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ready.h"

static size_t page;

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fill(uint64_t *p, size_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < n / 8; i++)
		p[i] = next(&x);
}

/* The region as this process should see it: the pattern, with mine at
 * the start of page `own`. */
static size_t check(const uint64_t *p, size_t n, size_t own, uint64_t mark)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t bad = 0;

	for (size_t i = 0; i < n / 8; i++) {
		uint64_t want = next(&x);

		if (i == own * page / 8)
			want = mark;
		bad += p[i] != want;
	}
	return bad;
}

int main(int argc, char **argv)
{
	size_t n, bad;
	uint64_t *p;
	int status;
	pid_t child;
	char path[4096];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: cow DIR MIB\n");
		return 2;
	}
	close_range(3, ~0u, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = (size_t)sysconf(_SC_PAGESIZE);
	n = (size_t)atoi(argv[2]) << 20;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	fill(p, n);
	victim_go_init();
	child = fork();
	if (child == 0) {
		p[page / 8] = 0xc41d;
		snprintf(path, sizeof(path), "%s/child", argv[1]);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			_exit(2);
		victim_wait_go();
		bad = check(p, n, 1, 0xc41d);
		CHECK(!bad, "child: %zu words differ", bad);
		/* Private: the parent must not see these. */
		for (size_t i = 0; i < n / 8; i += page / 8)
			p[i] = 0xdead;
		_exit(fails ? 1 : 0);
	}
	p[2 * page / 8] = 0x9a7e;
	snprintf(path, sizeof(path), "%s/child", argv[1]);
	for (int i = 0; i < 1000 && access(path, F_OK); i++)
		usleep(10000);
	victim_ready(argv[1]);
	victim_wait_go();
	bad = check(p, n, 2, 0x9a7e);
	CHECK(!bad, "parent: %zu words differ", bad);
	kill(child, SIGUSR1);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed (status %#x)", status);
	bad = check(p, n, 2, 0x9a7e);
	CHECK(!bad, "parent: %zu words differ after the child wrote its copy", bad);
	printf(fails ? "FAIL: cow\n" : "PASS\n");
	return fails ? 1 : 0;
}
