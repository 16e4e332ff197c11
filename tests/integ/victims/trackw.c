/* Victim of the write-tracking tests (cases/perf.sh): memory of every kind a
 * tracked dump must watch, changed between generations by one page each:
 *   anon    a private anonymous mapping (1 MiB)
 *   file    a private mapping of DIR/pf (16 pages): half of it copied on
 *           write at start, half still the file's pages
 *   heap    a malloc'd block from the brk heap (256 KiB)
 *   stack   an array on the main thread's stack (64 KiB)
 *   thread  an array on a second thread's stack (64 KiB)
 * Generation g writes page g*5 mod n of each with g's bytes (the thread
 * writes its own). Generation 2 also moves the anonymous mapping elsewhere
 * (mremap) and maps new memory at its old address, with g's bytes
 * everywhere ("anon2"). Generation 3 first forks a child that scribbles
 * over its copy of every page of the anonymous mapping and exits, so that
 * the parent's own write comes on a page shared copy-on-write.
 *
 * SIGUSR1: next generation, then DIR/genN. SIGUSR2: every page of every
 * region checked against what generation N must have left there (computed
 * from N alone, not from anything in memory); prints "PASS gen N" or FAILs,
 * exits. The test knows N: a restore of a stale page cannot pass. The
 * thread only writes; the main thread checks its stack while it sleeps.
 *
 * usage: trackw DIR */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
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

#define PG 4096
enum { ANON, FILEP, HEAP, STACK, THREAD, ANON2, NREG };
static const char *const names[NREG] = { "anon", "file", "heap", "stack", "thread", "anon2" };
static const size_t npages[NREG] = { 256, 16, 64, 16, 16, 256 };

static volatile sig_atomic_t next, check;
static void on_usr1(int sig) { next = 1; }
static void on_usr2(int sig) { check = 1; }

static uint8_t *reg[NREG];
static volatile unsigned thr_want, thr_done;

static uint8_t byte(int r, size_t p, unsigned g, size_t k)
{
	return (uint8_t)(r * 31 + p * 7 + g * 101 + k);
}

static void fill(int r, size_t p, unsigned g)
{
	for (size_t k = 0; k < PG; k++)
		reg[r][p * PG + k] = byte(r, p, g, k);
}

/* The generation whose bytes page p of region r holds after generation n. */
static unsigned last_gen(int r, size_t p, unsigned n)
{
	unsigned last = 0;

	if (r == ANON2)
		return 2;
	for (unsigned g = 1; g <= n; g++)
		if ((g * 5) % npages[r] == p)
			last = g;
	return last;
}

static int verify(int r, unsigned n)
{
	int bad = 0;

	for (size_t p = 0; p < npages[r]; p++) {
		unsigned g = last_gen(r, p, n);

		for (size_t k = 0; k < PG; k++)
			if (reg[r][p * PG + k] != byte(r, p, g, k)) {
				printf("FAIL: %s page %zu: byte %zu is %u, generation %u has %u\n",
				       names[r], p, k, reg[r][p * PG + k], g, byte(r, p, g, k));
				bad++;
				break;
			}
	}
	return bad;
}

static void *thread_main(void *arg)
{
	volatile uint8_t stk[16 * PG];
	unsigned seen = 0;

	reg[THREAD] = (uint8_t *)stk;
	for (size_t p = 0; p < npages[THREAD]; p++)
		fill(THREAD, p, 0);
	thr_done = 0;
	for (;;) {
		if (thr_want > seen) {
			seen = thr_want;
			fill(THREAD, (seen * 5) % npages[THREAD], seen);
			thr_done = seen;
		}
		usleep(1000);
	}
	return arg;
}

int main(int argc, char **argv)
{
	volatile uint8_t stk[16 * PG];
	char path[4096];
	unsigned gen = 0;
	pthread_t th;
	uint8_t *buf;
	FILE *f;
	int fd;

	if (argc != 2)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);	/* the block comes from brk */
	reg[ANON] = mmap(NULL, npages[ANON] * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg[HEAP] = malloc(npages[HEAP] * PG + PG);
	reg[STACK] = (uint8_t *)stk;
	if (reg[ANON] == MAP_FAILED || !reg[HEAP])
		return 3;
	reg[HEAP] = (uint8_t *)(((uintptr_t)reg[HEAP] + PG - 1) & ~(uintptr_t)(PG - 1));
	/* The file holds generation 0's bytes; the first half is written
	 * (copied on write) in the mapping, the second half is the file's. */
	reg[FILEP] = buf = malloc(npages[FILEP] * PG);
	for (size_t p = 0; p < npages[FILEP]; p++)
		fill(FILEP, p, 0);
	snprintf(path, sizeof(path), "%s/pf", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, npages[FILEP] * PG) != (ssize_t)(npages[FILEP] * PG))
		return 3;
	reg[FILEP] = mmap(NULL, npages[FILEP] * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	free(buf);
	if (reg[FILEP] == MAP_FAILED)
		return 3;
	for (size_t p = 0; p < npages[FILEP] / 2; p++)
		fill(FILEP, p, 0);
	for (int r = ANON; r <= STACK; r++)
		if (r != FILEP)
			for (size_t p = 0; p < npages[r]; p++)
				fill(r, p, 0);
	if (pthread_create(&th, NULL, thread_main, NULL))
		return 3;
	while (!reg[THREAD])
		usleep(1000);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	victim_ready(argv[1]);
	for (;;) {
		if (next) {
			next = 0;
			gen++;
			if (gen == 3) {
				pid_t c = fork();

				if (c == 0) {
					memset(reg[ANON], 0xee, npages[ANON] * PG);
					_exit(0);
				}
				if (c < 0 || waitpid(c, NULL, 0) != c)
					return 5;
			}
			for (int r = ANON; r <= STACK; r++)
				fill(r, (gen * 5) % npages[r], gen);
			thr_want = gen;
			while (thr_done != gen)
				usleep(1000);
			if (gen == 2) {
				/* Moved: the registration does not follow; mapped
				 * over: a new mapping at the old address. */
				void *to = mmap(NULL, npages[ANON] * PG, PROT_NONE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				reg[ANON2] = reg[ANON];
				reg[ANON] = mremap(reg[ANON], npages[ANON] * PG, npages[ANON] * PG,
						   MREMAP_MAYMOVE | MREMAP_FIXED, to);
				if (reg[ANON] == MAP_FAILED ||
				    mmap(reg[ANON2], npages[ANON2] * PG, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != reg[ANON2])
					return 5;
				for (size_t p = 0; p < npages[ANON2]; p++)
					fill(ANON2, p, 2);
			}
			snprintf(path, sizeof(path), "%s/gen%u", argv[1], gen);
			f = fopen(path, "w");
			if (!f || fprintf(f, "%u\n", gen) < 0 || fclose(f))
				return 4;
		}
		if (check) {
			/* The thread sleeps: its stack holds still. */
			for (int r = ANON; r < NREG; r++)
				if (r != ANON2 || gen >= 2)
					fails += verify(r, gen);
			if (!fails)
				printf("PASS gen %u\n", gen);
			return fails ? 1 : 0;
		}
		usleep(2000);
	}
}
