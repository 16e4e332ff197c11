/* Victim: a system call interrupted by the dump must end after the restore
 * as the kernel would have ended it without the dump.
 *
 *   restart DIR MODE
 *
 * With a SIGUSR1 handler, blocked in one call; after SIGUSR1 the call must
 * end as Linux ends it for a handled signal:
 *   pause        pause() fails with EINTR (ERESTARTNOHAND)
 *   read_restart read() from stdin, handler with SA_RESTART: the read goes
 *                on and returns the byte written after the signal
 *                (ERESTARTSYS)
 *   read_intr    the same without SA_RESTART: EINTR
 *   nanosleep    a 60 s nanosleep() fails with EINTR and the time left
 *                (ERESTART_RESTARTBLOCK)
 * With SIGUSR1 and SIGUSR2 blocked, waiting with a temporary mask that lets
 * SIGUSR1 through; SIGUSR1 must end the wait, and then the thread's own mask
 * (both blocked) must be in force again:
 *   sigsuspend ppoll pselect epoll_pwait
 * (epoll_pwait fails with EINTR whenever the thread is stopped, the dump's
 * stop included: it is called again until the handler ran.)
 *
 *   rawsleep     one nanosleep of S seconds made through syscall(3), whose
 *                call number a thread in restart_syscall does not show: it
 *                must sleep its whole time and return 0.
 *   sleeps       threads sleeping S seconds (the argument after MODE) in
 *                nanosleep, clock_nanosleep (relative, and absolute with
 *                TIMER_ABSTIME), select and poll: each must sleep its whole
 *                time and return what a sleep that nothing interrupted
 *                returns, however many dumps stopped it on the way.
 *
 * Prints PASS, or FAIL with what differed; exit status 0 or 1. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

static int failf(const char *what, int ret, int err)
{
	printf("FAIL: %s returned %d (%s), handler %s\n", what, ret, ret < 0 ? strerror(err) : "-",
	       got ? "ran" : "did not run");
	return 1;
}

static int pass(void)
{
	printf("PASS\n");
	return 0;
}

static void handler(bool restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };

	sigaction(SIGUSR1, &sa, NULL);
}

/* The calls that end for a handled signal. */
static int one_call(const char *dir, const char *mode)
{
	struct timespec req = { 60, 0 }, rem = { 0, 0 };
	char c;
	int ret;

	handler(!strcmp(mode, "read_restart"));
	victim_ready(dir);
	if (!strcmp(mode, "pause")) {
		ret = pause();
		return ret == -1 && errno == EINTR && got ? pass() : failf("pause", ret, errno);
	}
	if (!strcmp(mode, "read_restart")) {
		ret = (int)read(0, &c, 1);
		return ret == 1 && got ? pass() : failf("read with SA_RESTART", ret, errno);
	}
	if (!strcmp(mode, "read_intr")) {
		ret = (int)read(0, &c, 1);
		return ret == -1 && errno == EINTR && got ? pass() : failf("read", ret, errno);
	}
	ret = nanosleep(&req, &rem);
	if (ret != -1 || errno != EINTR || !got)
		return failf("nanosleep", ret, errno);
	if (rem.tv_sec <= 0 || rem.tv_sec >= 60) {
		printf("FAIL: nanosleep left %lld s of 60\n", (long long)rem.tv_sec);
		return 1;
	}
	return pass();
}

/* The waits with a temporary mask. */
static int masked_wait(const char *dir, const char *mode)
{
	sigset_t own, temp, now;
	struct epoll_event ev;
	int ret, ep = epoll_create1(EPOLL_CLOEXEC);

	handler(false);
	sigemptyset(&own);
	sigaddset(&own, SIGUSR1);
	sigaddset(&own, SIGUSR2);
	sigprocmask(SIG_SETMASK, &own, NULL);
	sigemptyset(&temp);
	sigaddset(&temp, SIGUSR2);
	victim_ready(dir);
	do {
		if (!strcmp(mode, "sigsuspend"))
			ret = sigsuspend(&temp);
		else if (!strcmp(mode, "ppoll"))
			ret = ppoll(NULL, 0, NULL, &temp);
		else if (!strcmp(mode, "pselect"))
			ret = pselect(0, NULL, NULL, NULL, NULL, &temp);
		else
			ret = epoll_pwait(ep, &ev, 1, -1, &temp);
	} while (!strcmp(mode, "epoll_pwait") && ret == -1 && errno == EINTR && !got);
	if (ret != -1 || errno != EINTR || !got)
		return failf(mode, ret, errno);
	sigprocmask(SIG_SETMASK, NULL, &now);
	if (sigismember(&now, SIGUSR1) != 1 || sigismember(&now, SIGUSR2) != 1) {
		printf("FAIL: after %s: SIGUSR1 %s, SIGUSR2 %s (both were blocked)\n", mode,
		       sigismember(&now, SIGUSR1) == 1 ? "blocked" : "not blocked",
		       sigismember(&now, SIGUSR2) == 1 ? "blocked" : "not blocked");
		return 1;
	}
	return pass();
}

enum sleep_kind { NANOSLEEP, CLOCK_REL, CLOCK_ABS, SELECT, POLL, NR_KINDS };
static const char *const sleep_names[NR_KINDS] = {
	"nanosleep", "clock_nanosleep relative", "clock_nanosleep TIMER_ABSTIME", "select", "poll",
};

struct sleeper {
	pthread_t th;
	enum sleep_kind kind;
	int secs, ret, err;
	double took;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *sleeper(void *arg)
{
	struct sleeper *s = arg;
	struct timespec rel = { s->secs, 0 }, rem, abs;
	struct timeval tv = { s->secs, 0 };
	double t0 = now_s();

	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += s->secs;
	switch (s->kind) {
	case NANOSLEEP:
		s->ret = nanosleep(&rel, &rem);
		s->err = errno;
		break;
	case CLOCK_REL:
		/* Returns the error number itself. */
		s->ret = clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, &rem);
		s->err = s->ret;
		break;
	case CLOCK_ABS:
		s->ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
		s->err = s->ret;
		break;
	case SELECT:
		s->ret = select(0, NULL, NULL, NULL, &tv);
		s->err = errno;
		break;
	default:
		s->ret = poll(NULL, 0, s->secs * 1000);
		s->err = errno;
		break;
	}
	s->took = now_s() - t0;
	return NULL;
}

static int sleeps(const char *dir, int secs)
{
	struct sleeper s[NR_KINDS];
	int bad = 0;

	for (int k = 0; k < NR_KINDS; k++) {
		s[k] = (struct sleeper){ .kind = (enum sleep_kind)k, .secs = secs };
		if (pthread_create(&s[k].th, NULL, sleeper, &s[k]))
			return 2;
	}
	usleep(200000);		/* every thread in its sleep */
	victim_ready(dir);
	for (int k = 0; k < NR_KINDS; k++) {
		pthread_join(s[k].th, NULL);
		if (s[k].ret != 0) {
			printf("FAIL: %s returned %d (%s) after %.2f s of %d\n", sleep_names[k],
			       s[k].ret, strerror(s[k].err), s[k].took, secs);
			bad = 1;
		} else if (s[k].took < secs) {
			printf("FAIL: %s slept %.2f s of %d\n", sleep_names[k], s[k].took, secs);
			bad = 1;
		}
	}
	return bad ? 1 : pass();
}

static int rawsleep(const char *dir, int secs)
{
	struct timespec req = { secs, 0 }, rem;
	double t0 = now_s(), took;
	long ret;

	victim_ready(dir);
	ret = syscall(SYS_nanosleep, &req, &rem);
	took = now_s() - t0;
	if (ret) {
		printf("FAIL: nanosleep through syscall() returned %ld (%s)\n", ret, strerror(errno));
		return 1;
	}
	if (took < secs) {
		printf("FAIL: nanosleep through syscall() slept %.2f s of %d\n", took, secs);
		return 1;
	}
	return pass();
}

int main(int argc, char **argv)
{
	const char *m = argc >= 3 ? argv[2] : "";
	int ret;

	if (argc < 3)
		return 2;
	close_range(3, ~0U, 0);		/* nothing of the test's shell */
	if (!strcmp(m, "sleeps"))
		ret = argc == 4 ? sleeps(argv[1], atoi(argv[3])) : 2;
	else if (!strcmp(m, "rawsleep"))
		ret = argc == 4 ? rawsleep(argv[1], atoi(argv[3])) : 2;
	else if (!strcmp(m, "pause") || !strcmp(m, "read_restart") || !strcmp(m, "read_intr") ||
		 !strcmp(m, "nanosleep"))
		ret = one_call(argv[1], m);
	else if (!strcmp(m, "sigsuspend") || !strcmp(m, "ppoll") || !strcmp(m, "pselect") ||
		 !strcmp(m, "epoll_pwait"))
		ret = masked_wait(argv[1], m);
	else
		ret = 2;
	fflush(stdout);
	return ret;
}
