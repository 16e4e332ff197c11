/* Victim of the example plugin: sets its timer slack (prctl
 * PR_SET_TIMERSLACK, a value the core does not carry), then waits. On
 * SIGUSR1 it prints its timer slack as it finds it and exits; the test
 * compares that with what it set.
 *
 * usage: slack DIR NS */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t flag;
static void on_usr1(int sig) { flag = 1; }

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	if (prctl(PR_SET_TIMERSLACK, strtoul(argv[2], NULL, 10), 0, 0, 0))
		return 3;
	signal(SIGUSR1, on_usr1);
	victim_ready(argv[1]);
	while (!flag)
		pause();
	printf("SLACK %d\n", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	return 0;
}
