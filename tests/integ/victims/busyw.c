/* Victim of the live pre-dump test (cases/perf.sh): keeps rewriting its
 * memory while it is copied. MIB MiB of pages, rewritten one after the
 * other, round and round; each write puts one stamp (how many writes came
 * before it) in every word of the page, so that a page copied half-written
 * is not self-consistent, and a page from an older round has a stamp that
 * the count of writes no longer leads to.
 *
 * SIGUSR1: stop writing, write the count to DIR/stopped. SIGUSR2: check
 * every page against the count (each page holds the stamp of its last
 * write, every word of it), print "PASS writes N" or FAIL, exit.
 *
 * usage: busyw DIR MIB */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ready.h"

#define PG 4096
#define WORDS (PG / 8)

static volatile sig_atomic_t stop, check;
static void on_usr1(int sig) { stop = 1; }
static void on_usr2(int sig) { check = 1; }

static int report(const char *dir, uint64_t writes)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stopped", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%llu\n", (unsigned long long)writes) < 0 || fclose(f))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t *m, writes = 0;
	size_t pages;

	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pages = (strtoul(argv[2], NULL, 10) << 20) / PG;
	m = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 3;
	/* Round 0: page p holds stamp p. */
	for (; writes < pages; writes++)
		for (size_t k = 0; k < WORDS; k++)
			m[writes * WORDS + k] = writes;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	victim_ready(argv[1]);
	while (!stop) {
		uint64_t *p = m + (writes % pages) * WORDS;

		for (size_t k = 0; k < WORDS; k++)
			p[k] = writes;
		writes++;
	}
	if (report(argv[1], writes))
		return 4;
	while (!check)
		usleep(1000);
	/* The last write to page p was the largest stamp below writes that
	 * is p modulo pages. */
	for (size_t p = 0; p < pages; p++) {
		uint64_t want = writes - 1 - ((writes - 1 - p) % pages);

		for (size_t k = 0; k < WORDS; k++)
			if (m[p * WORDS + k] != want) {
				printf("FAIL page %zu word %zu: stamp %llu, want %llu\n", p, k,
				       (unsigned long long)m[p * WORDS + k], (unsigned long long)want);
				return 1;
			}
	}
	printf("PASS writes %llu\n", (unsigned long long)writes);
	return 0;
}
