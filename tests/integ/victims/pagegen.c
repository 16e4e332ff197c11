/* Victim of the page-pipeline tests (cases/perf.sh): MIB MiB of memory,
 * half random, half arrays of doubles, changed in generations so that an
 * incremental chain has pages in every image of it.
 *
 * SIGUSR1: next generation: rewrites one page in five (a different fifth
 * each time), drops one page in thirteen (MADV_DONTNEED: zero again) in
 * generation 1 only, then records the hash of the whole region and writes
 * DIR/genN. SIGUSR2: checks the region against the recorded hash, prints
 * "PASS gen N" or "FAIL ...", exits. SIGTERM: prints the hash and exits.
 *
 * usage: pagegen DIR MIB */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memhash.h"
#include "ready.h"

static volatile sig_atomic_t next, check, term;
static void on_usr1(int sig) { next = 1; }
static void on_usr2(int sig) { check = 1; }
static void on_term(int sig) { term = 1; }

/* Page i of generation g: random words, or doubles of a smooth field. */
static void fill_page(uint8_t *p, size_t i, unsigned g, size_t pages)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ g;

	for (size_t k = 0; k < 4096; k += 8) {
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i < pages / 2) {
			v = x;
		} else {
			double d = 100.0 * sin((double)(i * 512 + k / 8) * 1e-4 + g) + (x % 256) / 1e3;
			memcpy(&v, &d, 8);
		}
		memcpy(p + k, &v, 8);
	}
}

int main(int argc, char **argv)
{
	size_t len, pages;
	unsigned gen = 0;
	uint64_t want;
	uint8_t *m;
	char path[4096];
	FILE *f;

	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	len = strtoul(argv[2], NULL, 10) << 20;
	pages = len / 4096;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 3;
	for (size_t i = 0; i < pages; i++)
		fill_page(m + i * 4096, i, 0, pages);
	want = victim_memhash(m, len);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGTERM, on_term);
	victim_ready(argv[1]);
	for (;;) {
		if (next) {
			next = 0;
			gen++;
			for (size_t i = gen % 5; i < pages; i += 5)
				fill_page(m + i * 4096, i, gen, pages);
			if (gen == 1)
				for (size_t i = 0; i < pages; i += 13)
					madvise(m + i * 4096, 4096, MADV_DONTNEED);
			want = victim_memhash(m, len);
			snprintf(path, sizeof(path), "%s/gen%u", argv[1], gen);
			f = fopen(path, "w");
			if (!f || fprintf(f, "%u\n", gen) < 0 || fclose(f))
				return 4;
		}
		if (check) {
			uint64_t h = victim_memhash(m, len);

			if (h == want)
				printf("PASS gen %u\n", gen);
			else
				printf("FAIL gen %u: hash %016llx, want %016llx\n", gen,
				       (unsigned long long)h, (unsigned long long)want);
			return h == want ? 0 : 1;
		}
		if (term) {
			printf("HASH %016llx\n", (unsigned long long)victim_memhash(m, len));
			return 0;
		}
		usleep(2000);
	}
}
