/* Benchmark victim for scripts/bench --table (not a test): MIB MiB of one
 * kind of memory, as the speed goals name them:
 *   random  incompressible words
 *   text    a short sentence repeated (very compressible)
 *   sim     doubles of a smooth field with noise in the low bits, as a
 *           simulation holds
 *   zero    reserved, one word written per MiB (nearly all untouched)
 * Hashes it, writes its pid to DIR/ready, then sleeps. SIGUSR2: hashes
 * again, prints PASS or FAIL, exits 0 or 1.
 *
 * usage: memkind DIR MIB KIND */
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

static volatile sig_atomic_t stop_flag;
static void on_usr2(int sig) { stop_flag = 1; }

int main(int argc, char **argv)
{
	static const char sentence[] = "a checkpoint saves the job before the queue kills it. ";
	uint64_t x = 0x2545f4914f6cdd1dULL, h;
	size_t n;
	uint8_t *m;

	if (argc != 4)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = strtoul(argv[2], NULL, 10) << 20;
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 3;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (!strcmp(argv[3], "zero")) {
			if (i % (1 << 20))
				continue;
			v = i | 1;
		} else if (!strcmp(argv[3], "text")) {
			memcpy(&v, sentence + i % 48, 8);
		} else if (!strcmp(argv[3], "sim")) {
			double d = 500.0 * cos((double)(i / 8) * 2e-5) + (double)(x % 2048) / 8192.0;
			memcpy(&v, &d, 8);
		} else if (!strcmp(argv[3], "random")) {
			v = x;
		} else {
			return 2;
		}
		memcpy(m + i, &v, 8);
	}
	h = victim_memhash(m, n);
	signal(SIGUSR2, on_usr2);
	victim_ready(argv[1]);
	while (!stop_flag)
		pause();
	if (victim_memhash(m, n) != h) {
		printf("FAIL memory changed\n");
		return 1;
	}
	printf("PASS\n");
	return 0;
}
