/* The victims' side of the harness protocol: DIR/ready holds the pid, and
 * its appearance says the victim has set up all its state. Written last. */
#ifndef VICTIM_READY_H
#define VICTIM_READY_H
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void victim_ready(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		exit(4);
}

/* Ready, then wait until the SIGUSR2 handler sets *flag, with no window
 * where the signal could come before the wait and be missed. */
static inline void victim_ready_wait_usr2(const char *dir, volatile sig_atomic_t *flag)
{
	sigset_t usr2, old;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	victim_ready(dir);
	while (!*flag)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* SIGUSR1 from the test says "go on": victim_go_init() before the fork
 * that children share it, victim_wait_go() where the victim waits. */
#include <signal.h>
static volatile sig_atomic_t victim_go;

static inline void victim_on_usr1(int sig)
{
	(void)sig;
	victim_go = 1;
}

static inline void victim_go_init(void)
{
	signal(SIGUSR1, victim_on_usr1);
}

static inline void victim_wait_go(void)
{
	while (!victim_go)
		usleep(10000);
}
#endif
