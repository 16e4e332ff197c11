/* The speed reference of scripts/bench --table (not a test): the simplest
 * correct memory dump. Stops PID, copies every readable mapping but the
 * kernel's with process_vm_readv in 4 MiB pieces into FILE, uncompressed,
 * fsyncs, lets PID go on. One thread, no page skipped.
 *
 * usage: naive_dump PID FILE */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PIECE (4u << 20)

int main(int argc, char **argv)
{
	static char buf[PIECE];
	char path[64], line[4096], perm[8];
	unsigned long lo, hi;
	pid_t pid;
	FILE *maps;
	int out;

	if (argc != 3)
		return 2;
	pid = (pid_t)atoi(argv[1]);
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (kill(pid, SIGSTOP))
		return 1;
	maps = fopen(path, "re");
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!maps || out < 0)
		return 1;
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3 || perm[0] != 'r' ||
		    strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		for (unsigned long a = lo; a < hi; a += PIECE) {
			size_t len = hi - a < PIECE ? hi - a : PIECE;
			struct iovec l = { buf, len }, r = { (void *)a, len };
			ssize_t got = process_vm_readv(pid, &l, 1, &r, 1, 0);

			if (got <= 0)
				break;
			if (write(out, buf, (size_t)got) != got)
				return 1;
		}
	}
	if (fsync(out) || close(out))
		return 1;
	kill(pid, SIGCONT);
	return 0;
}
