/* Victim: N threads, each with its own TLS value, signal mask, name, CPU
 * affinity, nice value, I/O priority, machine-check policy, parent-death
 * signal and keep-caps, each blocked in a system call when dumped:
 * kind 0 waits for a mutex the main thread holds across the checkpoint,
 * kind 1 sleeps in nanosleep() with a remainder pointer, kind 2 reads one
 * byte from stdin (a FIFO), kind 3 sleeps in poll() without descriptors.
 * The main thread waits for SIGUSR1 (sigwaitinfo), then lets the mutex go,
 * joins every thread (which needs each thread's clear_child_tid back) and
 * checks what each thread found after its call returned.
 *
 * A sleep interrupted twice (say by a tool that stopped the thread before
 * the dump) is in restart_syscall, whose restart block a new task cannot
 * have: the restore issues its original call again, told from its code
 * (nanosleep with its remainder, poll with its whole timeout). Without
 * "strict", an EINTR is still let through and the sleep goes on with what
 * is left; with "strict", EINTR is a failure.
 *
 * usage: threads DIR N [strict] */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

#define SLEEP_S 8	/* kind 1 sleeps this long; ready comes READY_S later */
#define READY_S 3

struct thr {
	pthread_t th;
	int idx, kind, cpu, nice;
	char name[16];
	sigset_t mask;
	long ret, err;
	double woke;
	char bad[160];
};

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static atomic_int started, got_mutex;
static __thread long tls_val;
static int ncpu, strict;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-thread attributes of the kernel's that differ between threads: best
 * effort I/O at the thread's level, early or late machine-check kill, a
 * parent-death signal that does no harm (SIGWINCH is ignored by default)
 * and keep-caps on every other thread. */
#define IOPRIO(t) ((2 << 13) | (t)->idx % 8)
#define PDEATHSIG(t) ((t)->idx % 2 ? SIGWINCH : 0)

/* What the thread set up before it blocked, checked after it woke. */
static void check_self(struct thr *t)
{
	char name[16];
	sigset_t mask;
	cpu_set_t cpus;
	int nice, same = 1;

	sigemptyset(&mask);
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	for (int sig = 1; sig < 65; sig++)
		same &= sigismember(&mask, sig) == sigismember(&t->mask, sig);
	pthread_getname_np(pthread_self(), name, sizeof(name));
	sched_getaffinity(0, sizeof(cpus), &cpus);
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (tls_val != 1000 + t->idx)
		snprintf(t->bad, sizeof(t->bad), "TLS %ld", tls_val);
	else if (!same)
		snprintf(t->bad, sizeof(t->bad), "signal mask changed");
	else if (strcmp(name, t->name))
		snprintf(t->bad, sizeof(t->bad), "name %s", name);
	else if (CPU_COUNT(&cpus) != 1 || !CPU_ISSET(t->cpu, &cpus))
		snprintf(t->bad, sizeof(t->bad), "affinity: %d cpus", CPU_COUNT(&cpus));
	else if (nice != t->nice)
		snprintf(t->bad, sizeof(t->bad), "nice %d", nice);
	else if (syscall(SYS_ioprio_get, 1, 0) != IOPRIO(t))
		snprintf(t->bad, sizeof(t->bad), "ioprio %#lx", syscall(SYS_ioprio_get, 1, 0));
	else if (prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) != t->idx % 2)
		snprintf(t->bad, sizeof(t->bad), "MCE_KILL %d", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0));
	else if (prctl(PR_GET_PDEATHSIG, &nice) || nice != PDEATHSIG(t))
		snprintf(t->bad, sizeof(t->bad), "PDEATHSIG %d", nice);
	else if (prctl(PR_GET_KEEPCAPS) != t->idx % 2)
		snprintf(t->bad, sizeof(t->bad), "KEEPCAPS %d", prctl(PR_GET_KEEPCAPS));
}

static void *run(void *arg)
{
	struct thr *t = arg;
	cpu_set_t cpus;
	char c;

	tls_val = 1000 + t->idx;
	snprintf(t->name, sizeof(t->name), "worker-%02d", t->idx);
	pthread_setname_np(pthread_self(), t->name);
	CPU_ZERO(&cpus);
	CPU_SET(t->cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	setpriority(PRIO_PROCESS, 0, t->nice);
	syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, IOPRIO(t));
	prctl(PR_MCE_KILL, PR_MCE_KILL_SET, t->idx % 2, 0, 0);
	prctl(PR_SET_PDEATHSIG, PDEATHSIG(t));
	prctl(PR_SET_KEEPCAPS, t->idx % 2);
	pthread_sigmask(SIG_BLOCK, NULL, &t->mask);
	sigaddset(&t->mask, SIGRTMIN + t->idx % 8);
	if (t->idx % 3 == 0)
		sigaddset(&t->mask, SIGHUP);
	pthread_sigmask(SIG_SETMASK, &t->mask, NULL);
	started++;
	switch (t->kind) {
	case 0:
		t->ret = pthread_mutex_lock(&held);
		got_mutex++;
		pthread_mutex_unlock(&held);
		break;
	case 1: {
		struct timespec req = { SLEEP_S, 0 }, rem = { 0, 0 };
		while ((t->ret = nanosleep(&req, &rem)) && errno == EINTR && !strict)
			req = rem;
		break;
	}
	case 2:
		t->ret = read(0, &c, 1) == 1 ? 0 : -1;
		break;
	default: {
		double end = now() + 6;
		while ((t->ret = poll(NULL, 0, (int)((end - now()) * 1000) + 1)) < 0 &&
		       errno == EINTR && !strict)
			;
	}
	}
	t->err = t->ret < 0 ? errno : 0;
	t->woke = now();
	check_self(t);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc >= 3 ? atoi(argv[2]) : 0, fails = 0, readers = 0;
	struct thr *thr = calloc(n > 0 ? n : 1, sizeof(*thr));
	sigset_t usr1;
	double t_go;

	strict = argc == 4 && !strcmp(argv[3], "strict");
	if (argc < 3 || n < 1 || !thr)
		return 2;
	close_range(3, ~0U, 0);
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_mutex_lock(&held);
	for (int i = 0; i < n; i++) {
		thr[i] = (struct thr){ .idx = i, .kind = i % 4, .cpu = i % ncpu, .nice = i % 4 };
		readers += thr[i].kind == 2;
		if (pthread_create(&thr[i].th, NULL, run, &thr[i]))
			return 3;
	}
	while (started < n)
		usleep(1000);
	sleep(READY_S);
	victim_ready(argv[1]);
	while (sigwaitinfo(&usr1, NULL) < 0 && errno == EINTR)
		;
	t_go = now();
	pthread_mutex_unlock(&held);
	for (int i = 0; i < n; i++)
		pthread_join(thr[i].th, NULL);
	for (int i = 0; i < n; i++) {
		struct thr *t = &thr[i];

		if (t->ret) {
			printf("FAIL thread %d (kind %d): returned %ld (%s)\n", i, t->kind, t->ret,
			       strerror((int)t->err));
			fails++;
		} else if (t->bad[0]) {
			printf("FAIL thread %d: %s\n", i, t->bad);
			fails++;
		} else if (t->kind == 1 && t->woke - t_go > SLEEP_S - READY_S + 1.5) {
			/* The rest of the sleep, not all of it again. */
			printf("FAIL thread %d: woke %.2f s after the restore\n", i, t->woke - t_go);
			fails++;
		}
	}
	if (got_mutex != (n + 3) / 4) {
		printf("FAIL mutex taken %d times\n", (int)got_mutex);
		fails++;
	}
	printf("%s %d threads, %d readers\n", fails ? "FAIL" : "PASS", n, readers);
	fflush(stdout);
	return fails ? 1 : 0;
}
