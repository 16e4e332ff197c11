/* Victim: thousands of small mappings with alternating protections and
 * madvise flags, and a transparent-huge-page region. Writes DIR/ready, waits
 * for SIGUSR2, checks every mapping's content and prints PASS or FAIL.
 *
 * usage: maps DIR */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ready.h"

#define NR_MAPS 4000
#define THP_SIZE (8 << 20)

static volatile sig_atomic_t stop;
static void on_usr2(int sig) { stop = 1; }

int main(int argc, char **argv)
{
	static unsigned char *p[NR_MAPS];
	unsigned char *thp;
	int bad = 0;

	if (argc != 2)
		return 2;
	close_range(3, ~0U, 0);
	signal(SIGUSR2, on_usr2);
	for (int i = 0; i < NR_MAPS; i++) {
		p[i] = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p[i] == MAP_FAILED)
			return 3;
		memset(p[i], i & 255, 8192);
		if (i % 2)
			mprotect(p[i], 8192, PROT_READ);	/* no merging with neighbours */
		if (i % 7 == 0)
			madvise(p[i], 8192, MADV_DONTDUMP);
	}
	thp = aligned_alloc(2 << 20, THP_SIZE);
	madvise(thp, THP_SIZE, MADV_HUGEPAGE);
	memset(thp, 7, THP_SIZE);
	victim_ready(argv[1]);
	while (!stop)
		pause();
	for (int i = 0; i < NR_MAPS; i++)
		for (int k = 0; k < 8192; k += 256)
			bad += p[i][k] != (i & 255);
	for (int k = 0; k < THP_SIZE; k += 4096)
		bad += thp[k] != 7;
	printf("%s %d\n", bad ? "FAIL" : "PASS", bad);
	return bad != 0;
}
