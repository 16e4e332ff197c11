/* Victim: sleeps in nanosleep() (restarted through restart_syscall) until
 * SIGUSR2, then in pause() (restarted by the kernel's -ERESTARTNOHAND)
 * until SIGUSR1, and prints how each returned. Something that stopped it
 * meanwhile and gave it back carelessly would show: a sleep ended early or
 * late, an odd errno, a lost wake-up.
 *
 * usage: quiet DIR */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

int main(int argc, char **argv)
{
	struct timespec req = { 1000, 0 }, rem = { 0, 0 };
	struct sigaction sa = { .sa_handler = on_sig };
	int r, e;

	if (argc != 2)
		return 2;
	/* Descriptors inherited from the test runner are not the victim's
	 * own: their offsets move with other tests' output. */
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	victim_ready(argv[1]);
	r = nanosleep(&req, &rem);
	e = errno;
	printf("nanosleep %d %s sig %d left %ld\n", r, strerror(e), got, (long)rem.tv_sec);
	got = 0;
	r = pause();
	e = errno;
	printf("pause %d %s sig %d\n", r, strerror(e), got);
	return 0;
}
