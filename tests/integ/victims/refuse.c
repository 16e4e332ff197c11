/* Victim: holds one thing the core cannot dump yet, chosen by MODE, writes
 * DIR/ready and sleeps until killed. The dump must refuse it, naming it,
 * and leave the process as it was.
 *
 * usage: refuse MODE DIR   MODE: socket (netlink) | lease | timer | mdwe */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	if (!strcmp(argv[1], "socket")) {
		if (socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) != 3)
			return 3;
	} else if (!strcmp(argv[1], "lease")) {
		snprintf(path, sizeof(path), "%s/leasefile", argv[2]);
		close(open(path, O_RDWR | O_CREAT, 0600));
		if (open(path, O_RDONLY) != 3 || fcntl(3, F_SETLEASE, F_RDLCK))
			return 3;
	} else if (!strcmp(argv[1], "timer")) {
		/* On the CPU clock of another process (the parent's). */
		struct sigevent ev = { .sigev_notify = SIGEV_NONE };
		struct itimerspec its = { { 1, 0 }, { 1000, 0 } };
		clockid_t clock;
		timer_t t;
		if (clock_getcpuclockid(getppid(), &clock) || timer_create(clock, &ev, &t) ||
		    timer_settime(t, 0, &its, NULL))
			return 3;
	} else if (!strcmp(argv[1], "mdwe")) {
		if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0))
			return 3;
	} else {
		return 2;
	}
	victim_ready(argv[2]);
	for (;;)
		pause();
}
