/* Victim: holds event objects of one kind (MODE), writes DIR/ready, waits
 * for DIR/go, then checks that each object still holds its state and still
 * works, and prints PASS or FAIL: what.
 *
 * Before ready it keeps the fdinfo of each object, less the lines that may
 * change across a restore (mnt_id, ino, eventfd-id, it_value, and the
 * pos/ino/sdev of epoll watches); after go it compares them first.
 *
 * posix_timer: timers 0, 2, 3 and 4 (1 deleted: ids stay as they were), one
 * notifying a thread, one silent, one firing every 100 ms into a handler,
 * one whose last signal stood for 5 expirations (timer_getoverrun).
 * seccomp: two filters; after its checks the victim calls uname(), which
 * the second filter answers by killing the process (SIGSYS), and prints
 * CHECKED instead of PASS. The second filter also kills mprotect (the dump's
 * remote calls make one) and rt_sigreturn (the restore makes one after
 * installing it): xckpt must keep them away from both.
 *
 * usage: events MODE DIR
 * inotify: watches 1 (a directory) and 3 (a file; 2 was removed), one
 * of them one-shot; each still reports its change after restore.
 *
 * pty (run as a session leader): a pty pair it opened, its controlling
 * terminal with the victim's group in the foreground, odd termios and
 * window size; after restore the same /dev/pts/N, settings and controlling
 * terminal, and a line written to the master is echoed and read on the slave.
 *
 * ttyuser (stdin a terminal it did not open, the user's): no echo, no
 * canonical mode, ^G as interrupt; after restore on another terminal, the
 * same termios there.
 *
 * shared: an eventfd, a timerfd, a signalfd, an epoll watching the
 * eventfd, an inotify and a pty pair, all inherited by a child; after
 * restore each fd of the child is the parent's very open file (kcmp), and
 * each still works across the two: the child adds to the eventfd, sees it
 * ready through the epoll, reads the inotify event of a file the parent
 * makes and writes a line to the master that the parent reads on the slave.
 *
 * Refused (the dump must name them): inotify_queued, an inotify with an
 * event not read yet; pty_session, a session leader whose pty is the
 * terminal of a child in its session too (which restore would make before
 * the terminal); pty_child, a pty whose slave is the terminal of a child's
 * session (the child is named); inotify_deleted, an inotify watching a file deleted
 * since (still open); epoll_stale, an epoll watching a file the process
 * holds only under another fd than the watched one.
 *
 *   MODE: eventfd | timerfd | signalfd | epoll | posix_timer | seccomp | inotify
 *         | ttyuser | pty | shared | inotify_queued | inotify_deleted | epoll_stale
 *         | pty_session | pty_child */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

static char saved[8][2048];
static int saved_fd[8], nr_saved;

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			printf("FAIL: " __VA_ARGS__);      \
			printf(" (errno %d)\n", errno);    \
			exit(1);                           \
		}                                          \
	} while (0)

static bool unstable(const char *l)
{
	return !strncmp(l, "mnt_id:", 7) || !strncmp(l, "ino:", 4) ||
	       !strncmp(l, "eventfd-id:", 11) || !strncmp(l, "it_value:", 9);
}

static int by_text(const void *x, const void *y)
{
	return strcmp(x, y);
}

/* Sorted: epoll lists its watches in the order of its tree, which is that
 * of kernel addresses. */
static void fdinfo(int fd, char *out, size_t sz)
{
	char path[64], line[256], lines[32][256];
	FILE *f;
	size_t n = 0, nr = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	CHECK(f, "open %s", path);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *cut = strstr(line, "  pos:");
		if (unstable(line))
			continue;
		if (cut)
			strcpy(cut, "\n");
		CHECK(nr < 32, "fdinfo of fd %d too long", fd);
		strcpy(lines[nr++], line);
	}
	fclose(f);
	qsort(lines, nr, sizeof(lines[0]), by_text);
	for (size_t i = 0; i < nr; i++)
		n += snprintf(out + n, sz - n, "%s", lines[i]);
}

static void keep(int fd)
{
	saved_fd[nr_saved] = fd;
	fdinfo(fd, saved[nr_saved++], sizeof(saved[0]));
}

static void compare(void)
{
	char now[2048];

	for (int i = 0; i < nr_saved; i++) {
		fdinfo(saved_fd[i], now, sizeof(now));
		CHECK(!strcmp(now, saved[i]), "fd %d fdinfo was\n%s  is now\n%s", saved_fd[i],
		      saved[i], now);
	}
}

static double left(int fd, double *interval)
{
	struct itimerspec its;

	CHECK(!timerfd_gettime(fd, &its), "timerfd_gettime %d", fd);
	if (interval)
		*interval = its.it_interval.tv_sec + its.it_interval.tv_nsec / 1e9;
	return its.it_value.tv_sec + its.it_value.tv_nsec / 1e9;
}

static volatile sig_atomic_t fired, bad_info;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != SI_TIMER || si->si_value.sival_int != 99 || si->si_timerid != 3)
		bad_info = 1;
	fired++;
}

static int ktimer(int clock, int notify, int sig, int val)
{
	struct sigevent ev = { .sigev_notify = notify, .sigev_signo = sig,
			       .sigev_value.sival_int = val };
	int id = -1;

	if (notify & SIGEV_THREAD_ID)
		ev._sigev_un._tid = gettid();
	CHECK(!syscall(SYS_timer_create, clock, &ev, &id), "timer_create");
	return id;
}

static double ktimer_left(int id, double *interval)
{
	struct itimerspec its;

	CHECK(!syscall(SYS_timer_gettime, id, &its), "timer_gettime %d", id);
	*interval = its.it_interval.tv_sec + its.it_interval.tv_nsec / 1e9;
	return its.it_value.tv_sec + its.it_value.tv_nsec / 1e9;
}

/* Timer 4, periodic every 60 s, armed 5.5 intervals in the past: taking
 * its signal moves it past now by 6 intervals, and the 5 it skipped are the
 * overrun of that signal; its next expiry is in 30 s. Its signal stays
 * blocked. */
static void overrun_setup(void)
{
	struct itimerspec its = { .it_interval = { 60, 0 } };
	struct timespec now, wait = { 2, 0 };
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 2);
	CHECK(!sigprocmask(SIG_BLOCK, &m, NULL), "block");
	CHECK(ktimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 2, 5) == 4, "timer 4");
	clock_gettime(CLOCK_MONOTONIC, &now);
	its.it_value.tv_sec = now.tv_sec - 5 * 60 - 30;
	its.it_value.tv_nsec = now.tv_nsec;
	CHECK(its.it_value.tv_sec > 0, "uptime too short");
	CHECK(!syscall(SYS_timer_settime, 4, TIMER_ABSTIME, &its, NULL), "timer 4 settime");
	CHECK(sigtimedwait(&m, NULL, &wait) == SIGRTMIN + 2, "timer 4 signal");
	CHECK(syscall(SYS_timer_getoverrun, 4) == 5, "timer 4 overrun %ld",
	      syscall(SYS_timer_getoverrun, 4));
}

static void read_file(const char *path, char *out, size_t sz)
{
	FILE *f = fopen(path, "re");
	size_t n;

	CHECK(f, "open %s", path);
	n = fread(out, 1, sz - 1, f);
	out[n] = 0;
	fclose(f);
}

/* Errno 77 for getpriority, death for uname, mprotect and rt_sigreturn. */
static void install_filters(void)
{
#define NR(n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1)
	struct sock_filter f1[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		NR(__NR_getppid),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter f2[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		NR(__NR_getpriority),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),
		NR(__NR_uname),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		NR(__NR_mprotect),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		NR(__NR_rt_sigreturn),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p1 = { sizeof(f1) / sizeof(f1[0]), f1 }, p2 = { sizeof(f2) / sizeof(f2[0]), f2 };

	CHECK(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
	CHECK(!syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &p1), "filter 1");
	CHECK(!syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p2), "filter 2");
}

/* A pty master past the lowest free indexes, which tests running alongside
 * take while the victim is down (its index must be free at restore), on
 * the lowest free fd. */
static int high_pty(void)
{
	int fds[32], fd;

	for (int i = 0; i < 32; i++)
		CHECK((fds[i] = posix_openpt(O_RDWR | O_NOCTTY)) >= 0, "posix_openpt %d", i);
	for (int i = 0; i < 31; i++)
		close(fds[i]);
	fd = fcntl(fds[31], F_DUPFD, 0);
	CHECK(fd >= 0 && !close(fds[31]), "move the pty");
	return fd;
}

/* ---- shared: fds 3-9 in both processes ------------------------------- */
enum { SH_EFD = 3, SH_TFD, SH_SFD, SH_EP, SH_INO, SH_PTM, SH_PTS, SH_END };
static pid_t sh_child;

static void wait_go(const char *dir)
{
	char go[4096];

	snprintf(go, sizeof(go), "%s/go", dir);
	while (access(go, F_OK))
		usleep(10000);
}

/* The child, after the restore: works each object from its side. */
static void shared_child(const char *dir)
{
	struct epoll_event got;
	char ev[4096];
	struct inotify_event *ie = (struct inotify_event *)ev;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	wait_go(dir);
	CHECK(!eventfd_write(SH_EFD, 5), "child: eventfd write");
	CHECK(epoll_wait(SH_EP, &got, 1, 5000) == 1 && got.data.u64 == 77, "child: epoll");
	CHECK(read(SH_INO, ev, sizeof(ev)) > 0 && ie->wd == 1 && (ie->mask & IN_CREATE) &&
	      !strcmp(ie->name, "made-after"), "child: inotify event");
	CHECK(write(SH_PTM, "hi\n", 3) == 3, "child: write the master");
	exit(0);
}

static void shared_setup(const char *dir)
{
	struct itimerspec slow = { { 0, 0 }, { 40, 0 } };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
	char path[4096];
	sigset_t m;
	int pts;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	CHECK(!sigprocmask(SIG_BLOCK, &m, NULL), "sigprocmask");
	CHECK(eventfd(1, 0) == SH_EFD, "eventfd");
	CHECK(timerfd_create(CLOCK_MONOTONIC, 0) == SH_TFD && !timerfd_settime(SH_TFD, 0, &slow, NULL),
	      "timerfd");
	CHECK(signalfd(-1, &m, SFD_NONBLOCK) == SH_SFD, "signalfd");
	CHECK(epoll_create1(0) == SH_EP && !epoll_ctl(SH_EP, EPOLL_CTL_ADD, SH_EFD, &ev), "epoll");
	snprintf(path, sizeof(path), "%s/w", dir);	/* not the ready file's directory */
	CHECK(!mkdir(path, 0700), "mkdir");
	CHECK(inotify_init1(0) == SH_INO && inotify_add_watch(SH_INO, path, IN_CREATE) == 1, "inotify");
	CHECK(high_pty() == SH_PTM && !grantpt(SH_PTM) && !unlockpt(SH_PTM), "pty");
	pts = open(ptsname(SH_PTM), O_RDWR | O_NOCTTY | O_NONBLOCK);
	CHECK(pts == SH_PTS, "open the slave");
	keep(SH_SFD);
	keep(SH_EP);
	sh_child = fork();
	CHECK(sh_child >= 0, "fork");
	if (!sh_child)
		shared_child(dir);
}

static void shared_check(const char *dir)
{
	char path[4096], buf[16];
	double iv, l;
	ssize_t n = -1;
	uint64_t v;
	int st;

	for (int fd = SH_EFD; fd < SH_END; fd++)
		CHECK(syscall(SYS_kcmp, getpid(), sh_child, KCMP_FILE, fd, fd) == 0,
		      "fd %d: not the same open file in parent and child", fd);
	l = left(SH_TFD, &iv);
	CHECK(l > 25 && l <= 40 && iv == 0, "timerfd: %.3f s left, interval %.3f", l, iv);
	snprintf(path, sizeof(path), "%s/w/made-after", dir);
	CHECK(!mkdir(path, 0700), "mkdir");
	CHECK(waitpid(sh_child, &st, 0) == sh_child && WIFEXITED(st) && !WEXITSTATUS(st),
	      "child status %#x", st);
	CHECK(eventfd_read(SH_EFD, &v) == 0 && v == 6, "eventfd count %llu", (unsigned long long)v);
	for (int i = 0; i < 200 && n <= 0; i++) {
		n = read(SH_PTS, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			usleep(10000);
	}
	CHECK(n == 3 && !memcmp(buf, "hi\n", 3), "slave read %zd", n);
}

int main(int argc, char **argv)
{
	const char *mode = argv[1], *dir = argv[2];
	char go[4096], timers[2][4096];
	uint64_t v;
	int a = -1, b = -1, c = -1, e = -1, cancel = -1;

	if (argc != 3)
		return 2;
	close_range(3, ~0U, 0);
	if (!strcmp(mode, "eventfd")) {
		a = eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK);	/* counts down by one */
		b = eventfd(0, EFD_CLOEXEC);
		CHECK(a >= 0 && b >= 0, "eventfd");
		CHECK(eventfd_write(b, 0x123456789ull) == 0, "eventfd_write");	/* beyond 32 bits */
		c = fcntl(a, F_DUPFD, 20);	/* one eventfd, two fds */
		CHECK(c == 20, "dup");
		keep(a);
		keep(b);
	} else if (!strcmp(mode, "timerfd")) {
		struct itimerspec slow = { { 7, 0 }, { 30, 0 } }, fast = { { 0, 100000000 }, { 0, 300000000 } };
		struct itimerspec once = { { 0, 0 }, { 0, 1000000 } }, abs = { { 0, 0 } };
		struct timespec now;

		a = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);	/* 30 s, then every 7 s */
		b = timerfd_create(CLOCK_BOOTTIME, 0);			/* fires soon, every 100 ms */
		c = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);	/* fired once, not read */
		e = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);	/* absolute, in 60 s */
		/* absolute in 50 s, cancelled if the clock is set */
		cancel = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
		CHECK(a >= 0 && b >= 0 && c >= 0 && e >= 0 && cancel >= 0, "timerfd_create");
		clock_gettime(CLOCK_REALTIME, &now);
		abs.it_value.tv_sec = now.tv_sec + 60;
		CHECK(!timerfd_settime(a, 0, &slow, NULL) && !timerfd_settime(b, 0, &fast, NULL) &&
		      !timerfd_settime(c, 0, &once, NULL) &&
		      !timerfd_settime(e, TFD_TIMER_ABSTIME, &abs, NULL), "timerfd_settime");
		abs.it_value.tv_sec = now.tv_sec + 50;
		CHECK(!timerfd_settime(cancel, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &abs, NULL),
		      "timerfd_settime cancel-on-set");
		usleep(20000);
		keep(a);
		keep(c);
		keep(e);
		keep(cancel);	/* its "settime flags: 03" */
		fdinfo(b, saved[7], sizeof(saved[7]));
	} else if (!strcmp(mode, "signalfd")) {
		union sigval val = { .sival_int = 77 };
		sigset_t m;

		sigemptyset(&m);
		sigaddset(&m, SIGUSR2);
		sigaddset(&m, SIGRTMIN + 3);
		CHECK(!sigprocmask(SIG_BLOCK, &m, NULL), "sigprocmask");
		a = signalfd(-1, &m, SFD_NONBLOCK);
		CHECK(a >= 0, "signalfd");
		CHECK(!sigqueue(getpid(), SIGRTMIN + 3, val), "sigqueue");	/* waits, pending */
		keep(a);
	} else if (!strcmp(mode, "epoll")) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xfeedface12345678ull };

		a = epoll_create1(EPOLL_CLOEXEC);
		b = eventfd(1, EFD_NONBLOCK);	/* ready */
		c = eventfd(0, EFD_NONBLOCK);	/* not yet */
		CHECK(a >= 0 && b >= 0 && c >= 0, "create");
		CHECK(!epoll_ctl(a, EPOLL_CTL_ADD, b, &ev), "add b");
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u64 = 42;
		CHECK(!epoll_ctl(a, EPOLL_CTL_ADD, c, &ev), "add c");
		keep(a);
	} else if (!strcmp(mode, "posix_timer")) {
		struct itimerspec slow = { { 5, 0 }, { 30, 0 } }, none = { { 0, 0 }, { 100, 0 } };
		struct itimerspec fast = { { 0, 100000000 }, { 0, 100000000 } };
		struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO | SA_RESTART };

		CHECK(!sigaction(SIGUSR2, &sa, NULL), "sigaction");
		a = ktimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 1, 1234);	/* 0 */
		b = ktimer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);			/* 1 */
		c = ktimer(CLOCK_REALTIME, SIGEV_NONE, 0, 0);			/* 2 */
		e = ktimer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGUSR2, 99);	/* 3 */
		CHECK(a == 0 && b == 1 && c == 2 && e == 3, "ids %d %d %d %d", a, b, c, e);
		CHECK(!syscall(SYS_timer_delete, b), "timer_delete");
		CHECK(!syscall(SYS_timer_settime, a, 0, &slow, NULL) &&
		      !syscall(SYS_timer_settime, c, 0, &none, NULL) &&
		      !syscall(SYS_timer_settime, e, 0, &fast, NULL), "timer_settime");
		while (fired < 2)
			usleep(10000);
		overrun_setup();
		read_file("/proc/self/timers", timers[0], sizeof(timers[0]));
	} else if (!strcmp(mode, "inotify")) {
		char path[4096];
		int fd;

		a = inotify_init1(IN_NONBLOCK);
		CHECK(a >= 0, "inotify_init1");
		snprintf(path, sizeof(path), "%s/watched", dir);
		CHECK(!mkdir(path, 0700), "mkdir");
		CHECK(inotify_add_watch(a, path, IN_CREATE | IN_DELETE) == 1, "watch 1");
		CHECK(inotify_add_watch(a, dir, IN_ATTRIB) == 2, "watch 2");
		CHECK(!inotify_rm_watch(a, 2), "rm watch 2");
		while (read(a, go, sizeof(go)) > 0)	/* IN_IGNORED of watch 2 */
			;
		snprintf(path, sizeof(path), "%s/file", dir);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0 && !close(fd), "create file");
		CHECK(inotify_add_watch(a, path, IN_MODIFY | IN_ONESHOT) == 3, "watch 3");
		keep(a);
	} else if (!strcmp(mode, "pty")) {
		struct winsize ws = { 33, 111, 5, 7 };
		struct termios t;

		a = high_pty();
		CHECK(a >= 0 && !grantpt(a) && !unlockpt(a), "posix_openpt");
		b = open(ptsname(a), O_RDWR);	/* a session leader: it becomes the terminal */
		CHECK(b >= 0 && tcgetpgrp(b) == getpid(), "open the slave as controlling terminal");
		CHECK(!tcgetattr(b, &t), "tcgetattr");
		t.c_cc[VINTR] = 7;
		t.c_cc[VERASE] = 8;
		t.c_iflag |= IUTF8;
		t.c_oflag |= ONLCR;
		t.c_lflag |= ECHO | ICANON;
		CHECK(!tcsetattr(b, TCSANOW, &t) && !ioctl(a, TIOCSWINSZ, &ws), "settings");
		snprintf(timers[0], sizeof(timers[0]), "%s", ptsname(a));
	} else if (!strcmp(mode, "ttyuser")) {
		struct termios t;

		CHECK(isatty(0) && !tcgetattr(0, &t), "stdin is no terminal");
		t.c_lflag &= ~(ECHO | ICANON);
		t.c_cc[VINTR] = 7;
		t.c_cc[VMIN] = 1;
		CHECK(!tcsetattr(0, TCSANOW, &t) && !tcgetattr(0, (struct termios *)timers[0]),
		      "tcsetattr");
	} else if (!strcmp(mode, "inotify_queued")) {
		char path[4096];

		a = inotify_init1(0);
		CHECK(a == 3 && inotify_add_watch(a, dir, IN_CREATE) == 1, "inotify");
		snprintf(path, sizeof(path), "%s/made", dir);
		CHECK(!mkdir(path, 0700), "mkdir");
	} else if (!strcmp(mode, "shared")) {
		shared_setup(dir);
	} else if (!strcmp(mode, "pty_session")) {
		CHECK(setsid() == getpid(), "setsid");
		a = high_pty();
		CHECK(a == 3 && !grantpt(a) && !unlockpt(a), "posix_openpt");
		b = open(ptsname(a), O_RDWR);	/* the session's terminal */
		CHECK(b == 4 && tcgetsid(b) == getpid(), "controlling terminal");
		if (!fork()) {	/* in the session, without the pty's fds */
			close_range(3, ~0U, 0);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	} else if (!strcmp(mode, "pty_child")) {
		a = high_pty();
		CHECK(a == 3 && !grantpt(a) && !unlockpt(a), "posix_openpt");
		if (!fork()) {	/* a session on the slave, as script(1) makes */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			CHECK(setsid() == getpid(), "setsid");
			b = open(ptsname(a), O_RDWR);
			CHECK(b >= 0 && dup2(b, 0) == 0 && dup2(b, 1) == 1 && dup2(b, 2) == 2, "slave");
			close_range(3, ~0U, 0);
			for (;;)
				pause();
		}
		usleep(100000);
	} else if (!strcmp(mode, "inotify_deleted")) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/gone", dir);
		a = inotify_init1(IN_NONBLOCK);
		b = open(path, O_CREAT | O_RDWR, 0600);	/* held: the inode lives on */
		CHECK(a == 3 && b == 4 && inotify_add_watch(a, path, IN_MODIFY) == 1, "inotify");
		CHECK(!unlink(path), "unlink");
		while (read(a, go, sizeof(go)) > 0)	/* IN_ATTRIB of the unlink */
			;
	} else if (!strcmp(mode, "epoll_stale")) {
		struct epoll_event ev = { .events = EPOLLIN };

		a = epoll_create1(0);
		b = eventfd(0, 0);
		CHECK(a == 3 && b == 4 && !epoll_ctl(a, EPOLL_CTL_ADD, b, &ev), "epoll");
		CHECK(dup2(b, 5) == 5 && !close(b), "move the eventfd");
	} else if (!strcmp(mode, "seccomp")) {
		printf("seccomp\n");	/* stdio's buffer before the filters */
		fflush(stdout);
		install_filters();
	} else {
		return 2;
	}
	victim_ready(dir);
	snprintf(go, sizeof(go), "%s/go", dir);
	while (access(go, F_OK))
		usleep(10000);
	compare();

	if (!strcmp(mode, "eventfd")) {
		CHECK(eventfd_read(a, &v) == 0 && v == 1, "semaphore read %llu", (unsigned long long)v);
		CHECK(eventfd_read(b, &v) == 0 && v == 0x123456789ull, "count %#llx", (unsigned long long)v);
		for (int i = 0; i < 4; i++)
			CHECK(eventfd_read(c, &v) == 0 && v == 1, "semaphore read through the dup %d", i);
		CHECK(eventfd_read(a, &v) < 0 && errno == EAGAIN, "semaphore not empty");
		CHECK(fcntl(b, F_GETFD) == FD_CLOEXEC && fcntl(a, F_GETFD) == 0, "close-on-exec");
	} else if (!strcmp(mode, "timerfd")) {
		double iv, l = left(a, &iv);
		char now[2048];

		CHECK(l > 20 && l <= 30 && iv == 7, "slow timer: %.3f s left, interval %.3f", l, iv);
		l = left(e, &iv);
		CHECK(l > 30 && l <= 60 && iv == 0, "absolute timer: %.3f s left", l);
		l = left(cancel, &iv);
		CHECK(l > 20 && l <= 50 && iv == 0, "cancel-on-set timer: %.3f s left", l);
		CHECK(read(cancel, &v, 8) < 0 && errno == EAGAIN, "cancel-on-set timer fired or cancelled");
		CHECK(read(c, &v, 8) == 8 && v == 1, "one-shot: %llu expirations", (unsigned long long)v);
		CHECK(read(c, &v, 8) < 0 && errno == EAGAIN, "one-shot fired again");
		/* The fast one still fires: a blocking read returns. */
		CHECK(read(b, &v, 8) == 8 && v >= 1, "fast timer read");
		l = left(b, &iv);
		CHECK(iv > 0.099 && iv < 0.101 && l <= 0.1, "fast timer: %.3f s left, interval %.3f", l, iv);
		fdinfo(b, now, sizeof(now));
		CHECK(strstr(now, "clockid: 7\n") && strstr(saved[7], "clockid: 7\n"), "fast timer clock");
	} else if (!strcmp(mode, "signalfd")) {
		struct signalfd_siginfo si;

		CHECK(read(a, &si, sizeof(si)) == sizeof(si), "read pending");
		CHECK(si.ssi_signo == (uint32_t)SIGRTMIN + 3 && si.ssi_int == 77, "pending signal %u/%d",
		      si.ssi_signo, si.ssi_int);
		CHECK(read(a, &si, sizeof(si)) < 0 && errno == EAGAIN, "more pending");
		CHECK(!kill(getpid(), SIGUSR2), "kill");
		CHECK(read(a, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR2, "read new signal");
	} else if (!strcmp(mode, "posix_timer")) {
		double iv, l;
		int before = fired;

		read_file("/proc/self/timers", timers[1], sizeof(timers[1]));
		CHECK(!strcmp(timers[0], timers[1]), "/proc/self/timers was\n%s  is now\n%s", timers[0],
		      timers[1]);
		l = ktimer_left(a, &iv);
		CHECK(l > 20 && l <= 30 && iv == 5, "timer 0: %.3f s left, interval %.3f", l, iv);
		l = ktimer_left(c, &iv);
		CHECK(l > 90 && l <= 100 && iv == 0, "timer 2: %.3f s left, interval %.3f", l, iv);
		CHECK(syscall(SYS_timer_gettime, b, &(struct itimerspec){ 0 }) < 0 && errno == EINVAL,
		      "deleted timer 1 is back");
		for (int i = 0; i < 200 && fired < before + 3; i++)
			usleep(10000);
		CHECK(fired >= before + 3, "timer 3 fired %d times in 2 s", fired - before);
		CHECK(!bad_info, "timer 3 signal info");
		l = ktimer_left(e, &iv);
		CHECK(iv > 0.099 && iv < 0.101 && l <= 0.1, "timer 3: %.3f s left, interval %.3f", l, iv);
		CHECK(syscall(SYS_timer_getoverrun, 4) == 5, "timer 4: overrun %ld",
		      syscall(SYS_timer_getoverrun, 4));
		l = ktimer_left(4, &iv);
		CHECK(l > 10 && l <= 30 && iv == 60, "timer 4: %.3f s left, interval %.3f", l, iv);
	} else if (!strcmp(mode, "ttyuser")) {
		struct termios t;

		CHECK(isatty(0) && !tcgetattr(0, &t), "stdin is no terminal after restore");
		CHECK(!memcmp(&t, timers[0], sizeof(t)), "termios of the terminal differ");
	} else if (!strcmp(mode, "pty")) {
		struct termios t, want;
		struct winsize ws;
		char buf[64];
		ssize_t n = 0;

		CHECK(!strcmp(ptsname(a), timers[0]) && !strcmp(ttyname(b), timers[0]),
		      "pty %s, slave %s, was %s", ptsname(a), ttyname(b), timers[0]);
		CHECK(!tcgetattr(b, &t), "tcgetattr");
		CHECK(t.c_cc[VINTR] == 7 && t.c_cc[VERASE] == 8 && (t.c_iflag & IUTF8) &&
		      (t.c_lflag & ECHO) && (t.c_lflag & ICANON), "termios");
		want = t;
		CHECK(!ioctl(b, TIOCGWINSZ, &ws) && ws.ws_row == 33 && ws.ws_col == 111 &&
		      ws.ws_xpixel == 5 && ws.ws_ypixel == 7, "window size");
		CHECK(tcgetsid(b) == getpid() && tcgetpgrp(b) == getpid(), "controlling terminal");
		CHECK(write(a, "abc\n", 4) == 4, "write to the master");
		for (int i = 0; i < 200 && n <= 0; i++) {
			n = read(b, buf, sizeof(buf));
			if (n < 0 && errno == EAGAIN)
				usleep(10000);
		}
		CHECK(n == 4 && !memcmp(buf, "abc\n", 4), "slave read %zd", n);
		n = read(a, buf, sizeof(buf));
		CHECK(n == 5 && !memcmp(buf, "abc\r\n", 5), "echo %zd", n);
		CHECK(!tcgetattr(b, &t) && !memcmp(&t, &want, sizeof(t)), "termios changed");
	} else if (!strcmp(mode, "inotify")) {
		char path[4096], ev[4096];
		struct inotify_event *ie = (struct inotify_event *)ev;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/watched/new", dir);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0 && !close(fd), "create in watched");
		n = read(a, ev, sizeof(ev));
		CHECK(n > 0 && ie->wd == 1 && (ie->mask & IN_CREATE) && !strcmp(ie->name, "new"),
		      "no IN_CREATE on watch 1 (%zd)", n);
		snprintf(path, sizeof(path), "%s/file", dir);
		fd = open(path, O_WRONLY);
		CHECK(fd >= 0 && write(fd, "x", 1) == 1 && !close(fd), "write file");
		n = read(a, ev, sizeof(ev));
		CHECK(n > 0 && ie->wd == 3 && (ie->mask & IN_MODIFY), "no IN_MODIFY on watch 3 (%zd)", n);
		/* One-shot: gone once fired (IN_IGNORED follows). */
		fd = open(path, O_WRONLY);
		CHECK(fd >= 0 && write(fd, "y", 1) == 1 && !close(fd), "write file again");
		while ((n = read(a, ev, sizeof(ev))) > 0)
			CHECK(!(ie->mask & IN_MODIFY), "one-shot watch 3 fired twice");
	} else if (!strcmp(mode, "shared")) {
		shared_check(dir);
	} else if (!strcmp(mode, "seccomp")) {
		struct utsname u;
		char st[4096];

		read_file("/proc/self/status", st, sizeof(st));
		CHECK(strstr(st, "\nSeccomp:\t2\n") && strstr(st, "\nSeccomp_filters:\t2\n") &&
		      strstr(st, "\nNoNewPrivs:\t1\n"), "status:\n%s", st);
		errno = 0;
		CHECK(syscall(SYS_getppid) == -1 && errno == EPERM, "getppid not refused by filter 1");
		CHECK(syscall(SYS_getpriority, 0, 0) == -1 && errno == 77, "getpriority not refused");
		printf("CHECKED\n");
		fflush(stdout);
		uname(&u);
		printf("FAIL: uname was allowed\n");
		return 1;
	} else {
		struct epoll_event got[4];
		int n = epoll_wait(a, got, 4, 1000);

		CHECK(n == 1 && got[0].data.u64 == 0xfeedface12345678ull && got[0].events == EPOLLIN,
		      "ready set: %d", n);
		CHECK(!eventfd_write(c, 3), "write c");
		n = epoll_wait(a, got, 4, 1000);
		CHECK(n == 2, "after write: %d ready", n);
		n = epoll_wait(a, got, 4, 0);	/* c is edge-triggered */
		CHECK(n == 1 && got[0].data.u64 == 0xfeedface12345678ull, "edge-triggered: %d", n);
	}
	printf("PASS\n");
	return 0;
}
