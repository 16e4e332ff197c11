/* Not a test: the compute-bound job of scripts/bench-jobs. It does ITERS
 * fixed rounds of arithmetic over MIB MiB of memory and measures, with the
 * monotonic clock, every pause between two slices of work: a checkpoint's
 * freeze is a pause the job did not cause. At the end it prints its wall
 * time, the longest pause, the number of pauses over 5 ms and their sum.
 *
 * usage: compute MIB ITERS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n, words;
	long iters;
	uint64_t *mem, acc = 1;
	double t0, last, longest = 0, paused = 0;
	long pauses = 0;

	if (argc != 3)
		return 2;
	n = (size_t)atol(argv[1]) << 20;
	iters = atol(argv[2]);
	words = n / 8;
	mem = malloc(n);
	if (!mem)
		return 2;
	close_range(3, ~0U, 0);
	for (size_t i = 0; i < words; i++)
		mem[i] = i * 0x9e3779b97f4a7c15ULL;
	t0 = last = now();
	for (long it = 0; it < iters; it++) {
		/* One slice: about a millisecond of work on a 64 KiB window. */
		uint64_t *w = mem + (size_t)(it * 8192) % (words - 8192);
		for (int k = 0; k < 40; k++)
			for (int j = 0; j < 8192; j++)
				acc = acc * 6364136223846793005ULL + (w[j] ^= acc >> 17);
		double t = now(), gap = t - last;
		/* A slice takes ~1 ms; what is far longer was a stop. */
		if (gap > 0.005) {
			pauses++;
			paused += gap;
		}
		if (gap > longest)
			longest = gap;
		last = t;
	}
	printf("wall %.3f longest %.4f pauses %ld paused %.3f acc %llx\n", now() - t0, longest,
	       pauses, paused, (unsigned long long)acc);
	return 0;
}
