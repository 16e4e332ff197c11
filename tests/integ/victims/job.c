/* Victim for `xckpt run`: a job of N steps that logs each step to LOG
 * (O_APPEND) and keeps its running sum in memory. "fresh" is logged once per
 * real start, so a resumed job shows none. With REQ > 0 it asks for a
 * checkpoint through $XCKPT_CONTROL at step REQ (write, then stop itself)
 * and logs "continued REQ" once it is let go, in each life. At the end it
 * prints "DONE steps=N sum=S" and exits 0 if the sum is right, 1 if not.
 * MIB > 0 holds that much memory of random letters, which compresses but
 * slowly at high levels (for dumps slow enough to interrupt).
 *
 * usage: job LOG N STEP_MS [REQ [MIB]] */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void logf_line(int fd, const char *fmt, long v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), fmt, v);

	if (write(fd, buf, n) != n)
		exit(3);
}

int main(int argc, char **argv)
{
	long n, ms, req = 0, mib = 0;
	uint64_t sum = 0, x = 88172645463325252ULL;
	unsigned char *mem = NULL;
	int fd;

	if (argc < 4)
		return 2;
	n = atol(argv[2]);
	ms = atol(argv[3]);
	if (argc > 4)
		req = atol(argv[4]);
	if (argc > 5)
		mib = atol(argv[5]);
	close_range(3, ~0U, 0);	/* whatever the test's shell left open */
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	if (mib) {
		mem = malloc(mib << 20);
		for (size_t i = 0; mem && i < (size_t)(mib << 20); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			mem[i] = (unsigned char)('a' + (x & 15));
		}
	}
	logf_line(fd, "fresh %ld\n", (long)getpid());
	for (long i = 1; i <= n; i++) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		sum += (uint64_t)i;
		logf_line(fd, "step %ld\n", i);
		if (i == req) {
			const char *ctl = getenv("XCKPT_CONTROL");
			char line[64];
			int c = ctl ? open(ctl, O_WRONLY | O_CLOEXEC) : -1;
			int len = snprintf(line, sizeof(line), "checkpoint %d\n", (int)getpid());
			if (c < 0 || write(c, line, len) != len)
				return 4;
			close(c);
			raise(SIGSTOP);
			logf_line(fd, "continued %ld\n", i);
		}
	}
	printf("DONE steps=%ld sum=%llu\n", n, (unsigned long long)sum);
	return sum == (uint64_t)n * (n + 1) / 2 ? 0 : 1;
}
