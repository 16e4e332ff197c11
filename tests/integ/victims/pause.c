/* Victim: waits in pause() until a SIGUSR1 handler sets a flag; holds some
 * random memory so that a zstd:19 dump takes long enough for a signal to
 * arrive in the middle of it. The signal must interrupt pause() (EINTR) and
 * wake the loop, as it would have without the dump.
 *
 * usage: pause DIR */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t flag;
static void on_usr1(int sig) { flag = 1; }

int main(int argc, char **argv)
{
	size_t n = 48 << 20;
	uint64_t *mem = malloc(n), x = 88172645463325252ULL;

	if (argc != 2 || !mem)
		return 2;
	close_range(3, ~0U, 0);
	for (size_t i = 0; i < n / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Six random bits a byte: compressible, so the dump compresses
		 * it (incompressible blocks are stored raw at no cost), slowly
		 * at zstd:19, slowly enough for a signal to arrive meanwhile. */
		mem[i] = x & 0x3f3f3f3f3f3f3f3fULL;
	}
	signal(SIGUSR1, on_usr1);
	victim_ready(argv[1]);
	while (!flag)
		pause();
	printf("WOKE\n");
	return 0;
}
