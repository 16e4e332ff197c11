/* Victim of the lazy restore tests (cases/lazy.sh): memory that a lazy
 * restore brings in while the process runs, touched in every way that
 * could make a page read wrong.
 *
 * Each process (the root, and with CHILDREN that many children forked
 * before the dump, each with memory of its own) holds:
 *   R  MIB MiB: random pages, one in seven never touched, one in eleven
 *      written with zeros; hashed per thread slice before the dump;
 *   W  MIB/8 MiB of random pages, overwritten after the restore;
 *   D  MIB/16 MiB of random pages, half dropped (MADV_DONTNEED) after the
 *      restore before being read: zeros there, the data in the rest;
 *   M  MIB/16 MiB of random pages, moved by mremap after the restore
 *      before being read;
 *   F  MIB/16 MiB of random pages, read by a child forked after the
 *      restore, before the parent reads them.
 * THREADS threads wait in read() on a pipe. On SIGUSR1 (sent at once after
 * the restore) each process starts every thread hashing its slice of R
 * at the same time, then checks W, D, M and F; the root sends SIGUSR1 on
 * to the children and waits for their verdicts. The root prints "PASS"
 * or "FAIL: what" and stays until SIGTERM, then exits 0.
 *
 * usage: lazymem DIR MIB THREADS CHILDREN */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memhash.h"
#include "ready.h"

#define PG 4096UL

static volatile sig_atomic_t go, term;
static void on_usr1(int sig) { go = 1; }
static void on_term(int sig) { term = 1; }

struct region {
	uint8_t *p;
	size_t len;
	uint64_t hash;
};

static struct region R, W, D, M, F;
static uint8_t *Mdst;		/* reserved (PROT_NONE) for M to move into */
static int nthreads, gopipe[2];
static uint64_t *slice_hash;
static int *slice_ok;
static unsigned seed;

static void fill(uint8_t *p, size_t i, unsigned salt)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)salt << 32) ^ seed;

	for (size_t k = 0; k < PG; k += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + k, &x, 8);
	}
}

static void make(struct region *r, size_t len, unsigned salt, int holes)
{
	r->len = len;
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->p == MAP_FAILED)
		exit(3);
	for (size_t i = 0; i < len / PG; i++) {
		if (holes && i % 7 == 3)
			continue;
		if (holes && i % 11 == 5)
			memset(r->p + i * PG, 0, PG);
		else
			fill(r->p + i * PG, i, salt);
	}
	r->hash = victim_memhash(r->p, len);
}

static void *slice(void *arg)
{
	size_t t = (size_t)arg, n = R.len / nthreads;
	char c;

	if (read(gopipe[0], &c, 1) != 1)
		return NULL;
	slice_ok[t] = victim_memhash(R.p + t * n, n) == slice_hash[t];
	return NULL;
}

/* After the restore: 0, or a description of the first thing wrong. */
static const char *check(pthread_t *th)
{
	size_t half = D.len / 2;
	uint8_t *m2, *want;
	pid_t child;
	int status;

	/* Dropped, moved and forked before anything read them, while
	 * little is in. */
	madvise(D.p, half, MADV_DONTNEED);
	m2 = mremap(M.p, M.len, M.len, MREMAP_MAYMOVE | MREMAP_FIXED, Mdst);
	if (m2 == MAP_FAILED)
		return "mremap";
	child = fork();
	if (!child)
		_exit(victim_memhash(F.p, F.len) == F.hash ? 0 : 1);
	/* The threads all at once. */
	for (int t = 0; t < nthreads; t++)
		if (write(gopipe[1], "g", 1) != 1)
			return "wake threads";
	/* Written before anything read them. */
	for (size_t i = 0; i < W.len / PG; i++)
		fill(W.p + i * PG, i, 99);
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nthreads; t++)
		if (!slice_ok[t])
			return "R: a thread's slice differs";
	if (victim_memhash(R.p, R.len) != R.hash)
		return "R differs";
	want = malloc(PG);
	for (size_t i = 0; i < W.len / PG; i++) {
		fill(want, i, 99);
		if (memcmp(W.p + i * PG, want, PG))
			return "W: a page written after the restore differs";
	}
	for (size_t i = 0; i < half; i++)
		if (D.p[i])
			return "D: a dropped page is not zero";
	for (size_t i = half / PG; i < D.len / PG; i++) {
		fill(want, i, 3);
		if (memcmp(D.p + i * PG, want, PG))
			return "D: a page next to the dropped ones differs";
	}
	free(want);
	if (victim_memhash(m2, M.len) != M.hash)
		return "M: moved pages differ";
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return "F: the forked child read other pages";
	if (victim_memhash(F.p, F.len) != F.hash)
		return "F differs in the parent";
	return NULL;
}

int main(int argc, char **argv)
{
	size_t mib, nchildren;
	pthread_t th[64];
	pid_t kids[64];
	unsigned proc = 0;
	const char *bad;
	int ready[2];
	char rc;

	if (argc != 5)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mib = strtoul(argv[2], NULL, 10);
	nthreads = atoi(argv[3]);
	nchildren = strtoul(argv[4], NULL, 10);
	if (nthreads < 1 || nthreads > 64 || nchildren > 64 || !mib)
		return 2;
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	if (pipe(ready))
		return 3;
	for (size_t c = 0; c < nchildren; c++) {
		kids[c] = fork();
		if (!kids[c]) {
			proc = (unsigned)c + 1;
			nchildren = 0;
			break;
		}
	}
	seed = proc * 7919;
	/* Mapped first, so that they lie above R: the background fill goes
	 * up from the lowest address and reaches them last. */
	make(&F, (mib << 20) / 16, 5, 0);
	make(&M, (mib << 20) / 16, 4, 0);
	Mdst = mmap(NULL, M.len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (Mdst == MAP_FAILED)
		return 3;
	make(&D, (mib << 20) / 16, 3, 0);
	make(&W, (mib << 20) / 8, 2, 0);
	make(&R, mib << 20, 1, 1);
	slice_hash = calloc(nthreads, sizeof(*slice_hash));
	slice_ok = calloc(nthreads, sizeof(*slice_ok));
	for (int t = 0; t < nthreads; t++)
		slice_hash[t] = victim_memhash(R.p + t * (R.len / nthreads), R.len / nthreads);
	if (pipe(gopipe))
		return 3;
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, slice, (void *)(size_t)t))
			return 3;
	/* Ready once every child is. */
	if (proc) {
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
	} else {
		for (size_t c = 0; c < nchildren; c++)
			if (read(ready[0], &rc, 1) != 1)
				return 3;
		victim_ready(argv[1]);
	}
	close(ready[0]);
	close(ready[1]);
	while (!go && !term)
		pause();
	if (term)
		return 0;
	for (size_t c = 0; c < nchildren; c++)
		kill(kids[c], SIGUSR1);
	bad = check(th);
	if (proc)
		_exit(bad ? 10 + (int)(bad[0] - 'A') : 0);
	for (size_t c = 0; c < nchildren && !bad; c++) {
		int status;
		if (waitpid(kids[c], &status, 0) != kids[c] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad = "a child's memory differs";
	}
	if (bad)
		printf("FAIL: %s\n", bad);
	else
		printf("PASS\n");
	while (!term)
		pause();
	return 0;
}
