/* Process trees for the trees cases.
 *
 *   tree family DIR   a session leader (started under setsid) with a child A
 *                     leading its own group and A's child B in it, a child C
 *                     in the root's group, and a zombie Z (exit status 42).
 *                     On SIGUSR1 the root reaps Z and checks its status, then
 *                     every process checks its parent, group and session and
 *                     exits; the root prints PASS if all did.
 *   tree ring DIR N K H [hold]
 *                     a chain of N processes (each the parent of the next)
 *                     joined in a ring by N pipes, K tokens going round; each
 *                     process checks that every token it sees has moved on
 *                     by exactly N hops since it last saw it (none lost, none
 *                     doubled), and all end once every token made H hops
 *                     (with hold: and DIR/finish exists).
 *                     The root prints PASS if every process did.
 *   tree exec CMD...  CMD with no fd above 2 (nothing of the test's shell).
 *   tree vfork DIR    a parent blocked in vfork() while its child waits.
 *   tree tracer DIR   a parent that traces its child (PTRACE_SEIZE).
 *   tree shared DIR [sysv]
 *                     parent and child share an anonymous shared mapping (and
 *                     an alias of it made by mremap in the parent), a /dev/shm
 *                     file (mapped), with "sysv" a System V segment, and the
 *                     offset of one open file description; on SIGUSR1 each
 *                     writes through them and checks it sees the other's
 *                     writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void wait_go(void)
{
	while (!go)
		usleep(10000);
}

static int child_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- family ---- */

static int ids_ok(const char *who, pid_t ppid, pid_t pgid, pid_t sid)
{
	if (getppid() == ppid && getpgrp() == pgid && getsid(0) == sid)
		return 0;
	printf("FAIL: %s: ppid %d pgid %d sid %d, expected %d %d %d\n", who, getppid(), getpgrp(),
	       getsid(0), ppid, pgid, sid);
	fflush(stdout);
	return 1;
}

static int family(const char *dir)
{
	pid_t root = getpid(), a, c, z;
	int fds[2];
	char b;
	siginfo_t si;

	if (getsid(0) != root)
		return printf("FAIL: not started as a session leader\n"), 2;
	if (pipe(fds))
		return 2;
	a = fork();
	if (a == 0) {
		pid_t bb;
		setpgid(0, 0);
		bb = fork();
		if (bb == 0) {
			close(fds[0]);
			close(fds[1]);
			wait_go();
			_exit(ids_ok("B", getppid(), getppid(), root) ? 1 : 0);
		}
		close(fds[0]);
		if (write(fds[1], "a", 1) != 1)
			_exit(2);
		close(fds[1]);
		wait_go();
		kill(bb, SIGUSR1);
		_exit(ids_ok("A", root, getpid(), root) || child_status(bb) ? 1 : 0);
	}
	c = fork();
	if (c == 0) {
		close(fds[0]);
		close(fds[1]);
		wait_go();
		_exit(ids_ok("C", root, root, root));
	}
	z = fork();
	if (z == 0)
		_exit(42);
	close(fds[1]);
	if (read(fds[0], &b, 1) != 1)	/* A made its group and forked B */
		return 2;
	close(fds[0]);
	if (waitid(P_PID, z, &si, WEXITED | WNOWAIT))
		return 2;
	victim_ready(dir);
	wait_go();
	{
		int zs = child_status(z), fail = 0;
		if (zs != 42) {
			printf("FAIL: zombie %d status %d, expected 42\n", z, zs);
			fail = 1;
		}
		kill(a, SIGUSR1);
		kill(c, SIGUSR1);
		fail |= child_status(a) != 0;
		fail |= child_status(c) != 0;
		fail |= ids_ok("root", getppid(), root, root);
		printf(fail ? "FAIL: family\n" : "PASS\n");
		return fail;
	}
}

/* ---- ring ---- */

struct token {
	uint32_t id, pad;
	uint64_t hop;
};

/* With hold, the tokens go on round past H until DIR/finish exists: a test
 * that needs the ring alive (its original beside its restored copy, or
 * inspected after a slow restore) says when it may end. */
static int ring_member(int i, int n, int k, uint64_t h, int in, int out, const char *dir,
		       bool hold)
{
	uint64_t last[64] = { 0 };
	bool counted[64] = { false };
	char finish[PATH_MAX];
	int done = 0;

	snprintf(finish, sizeof(finish), "%s/finish", dir);
	(void)i;
	while (done < k) {
		struct token t;
		ssize_t r = read(in, &t, sizeof(t));
		struct timespec ts = { 0, 1000000 };

		if (r < 0 && errno == EINTR)
			continue;
		if (r != sizeof(t) || t.id >= (uint32_t)k) {
			printf("FAIL: %d: read %zd\n", getpid(), r);
			return 3;
		}
		if (last[t.id] && t.hop != last[t.id] + (uint64_t)n) {
			printf("FAIL: %d: token %u at hop %llu, last seen at %llu\n", getpid(), t.id,
			       (unsigned long long)t.hop, (unsigned long long)last[t.id]);
			return 3;
		}
		last[t.id] = t.hop;
		if (t.hop >= h && !counted[t.id] && (!hold || !access(finish, F_OK))) {
			counted[t.id] = true;
			done++;
		}
		if (i == 0 && t.id == 0 && t.hop >= (uint64_t)n && t.hop < 2 * (uint64_t)n)
			victim_ready(dir);
		nanosleep(&ts, NULL);
		t.hop++;
		if (write(out, &t, sizeof(t)) != sizeof(t) && errno != EPIPE) {
			printf("FAIL: %d: write: %s\n", getpid(), strerror(errno));
			return 3;
		}
	}
	return 0;
}

static int ring(const char *dir, int n, int k, uint64_t h, bool hold)
{
	int (*p)[2] = calloc(n, sizeof(*p)), me = 0, ret;
	pid_t child = 0;

	if (!p || k < 1 || k > 64 || n < 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++)
		if (pipe(p[i]))
			return 2;
	for (int t = 0; t < k; t++) {
		struct token tok = { .id = (uint32_t)t, .hop = 1 };
		if (write(p[t * n / k][1], &tok, sizeof(tok)) != sizeof(tok))
			return 2;
	}
	/* Process i forks process i + 1: a chain of parents and children. */
	while (me < n - 1) {
		child = fork();
		if (child < 0)
			return 2;
		if (child)
			break;
		me++;
		child = 0;
	}
	for (int i = 0; i < n; i++) {
		if (i != me)
			close(p[i][0]);
		if (i != (me + 1) % n)
			close(p[i][1]);
	}
	ret = ring_member(me, n, k, h, p[me][0], p[(me + 1) % n][1], dir, hold);
	if (child && child_status(child) != 0)
		ret = ret ? ret : 1;
	if (me == 0) {
		printf(ret ? "FAIL: ring\n" : "PASS\n");
		fflush(stdout);
	}
	return ret;
}

/* ---- shared ---- */

static int shared(const char *dir, bool with_sysv)
{
	static uint32_t private_sysv[2];
	char path[256];
	volatile uint32_t *anon, *alias, *sysv = private_sysv, *posix;
	int shmid, fd, ffd, fail = 0;
	pid_t child;

	anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		return 2;
	/* A second mapping of the same object, at offset 4096. */
	alias = mremap((void *)anon, 0, 4096, MREMAP_MAYMOVE);
	if (alias == MAP_FAILED)
		return 2;
	alias = mremap((void *)((char *)anon + 4096), 0, 4096, MREMAP_MAYMOVE);
	if (alias == MAP_FAILED)
		return 2;
	if (with_sysv) {
		shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (shmid < 0)
			return 2;
		sysv = shmat(shmid, NULL, 0);
		shmctl(shmid, IPC_RMID, NULL);
	} else {
		sysv[0] = 1;	/* no segment: these two stand for it */
	}
	snprintf(path, sizeof(path), "/dev/shm/xckpt-tree-%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (sysv == (void *)-1 || fd < 0 || ftruncate(fd, 4096))
		return 2;
	posix = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/offset.txt", dir);
	ffd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (posix == MAP_FAILED || ffd < 0)
		return 2;
	child = fork();
	if (child == 0) {
		wait_go();
		/* The parent writes first; then the child answers. */
		while (anon[0] != 1 || sysv[0] != 1 || posix[0] != 1)
			usleep(1000);
		anon[1] = posix[1] = 2;
		sysv[1] = 2;
		alias[0] = 3;	/* anon[1024] in the parent */
		_exit(write(ffd, "child\n", 6) == 6 ? 0 : 1);
	}
	victim_ready(dir);
	wait_go();
	if (write(ffd, "parent\n", 7) != 7)
		fail = 1;
	anon[0] = sysv[0] = posix[0] = 1;
	kill(child, SIGUSR1);
	fail |= child_status(child) != 0;
	if (anon[1] != 2 || (with_sysv && sysv[1] != 2) || posix[1] != 2 || anon[1024] != 3) {
		printf("FAIL: child's writes not seen: anon %u alias %u sysv %u posix %u\n", anon[1],
		       anon[1024], sysv[1], posix[1]);
		fail = 1;
	}
	/* One description, one offset: the child wrote after the parent. */
	if (lseek(ffd, 0, SEEK_CUR) != 13) {
		printf("FAIL: file offset %lld, expected 13 (shared)\n",
		       (long long)lseek(ffd, 0, SEEK_CUR));
		fail = 1;
	}
	snprintf(path, sizeof(path), "/dev/shm/xckpt-tree-%d", getpid());
	unlink(path);
	printf(fail ? "FAIL: shared\n" : "PASS\n");
	return fail;
}

/* The child shares the parent's memory until it exits: only system calls
 * here, no stdio. */
static int vforked(const char *dir)
{
	char path[4096], buf[16];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/ready", dir);
	pid = vfork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (fd < 0 || write(fd, buf, (size_t)n) != n)
			_exit(2);
		close(fd);
		for (;;)
			pause();
	}
	return pid < 0 ? 2 : child_status(pid);
}

static int tracer(const char *dir)
{
	pid_t child = fork();

	if (child == 0) {
		for (;;)
			pause();
	}
	if (child < 0 || ptrace(PTRACE_SEIZE, child, 0, 0))
		return 2;
	victim_ready(dir);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	close_range(3, ~0U, 0);	/* nothing inherited from the test's shell */
	sigaction(SIGUSR1, &sa, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "family"))
		return family(argv[2]);
	if ((argc == 6 || (argc == 7 && !strcmp(argv[6], "hold"))) && !strcmp(argv[1], "ring"))
		return ring(argv[2], atoi(argv[3]), atoi(argv[4]), strtoull(argv[5], NULL, 10),
			    argc == 7);
	if (argc >= 3 && !strcmp(argv[1], "exec")) {
		signal(SIGUSR1, SIG_DFL);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (argc == 3 && !strcmp(argv[1], "vfork"))
		return vforked(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "tracer"))
		return tracer(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "shared"))
		return shared(argv[2], argc == 4 && !strcmp(argv[3], "sysv"));
	fprintf(stderr, "usage: tree family|ring|shared DIR ...\n");
	return 2;
}
