/* Victim that holds a device file open on fd 3 (the path given), then
 * waits. On SIGUSR1 it prints whether fd 3 is still open and exits.
 *
 * usage: devfd DIR PATH */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t flag;
static void on_usr1(int sig) { flag = 1; }

int main(int argc, char **argv)
{
	int fd;

	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	fd = open(argv[2], O_RDWR);
	if (fd != 3)
		return 3;
	signal(SIGUSR1, on_usr1);
	victim_ready(argv[1]);
	while (!flag)
		pause();
	printf("FD3 %s\n", fcntl(3, F_GETFD) < 0 && errno == EBADF ? "CLOSED" : "OPEN");
	return 0;
}
