/* Victim: holds open files of one kind (MODE), signals readiness, waits
 * for SIGUSR1, then checks that what it held still is and still works,
 * and prints PASS or FAIL.
 *
 * usage: files MODE DIR     (DIR: scratch directory, writes DIR/ready)
 * modes:
 *   dup    one description on several fds (dup, dup2, F_DUPFD, dup3 with
 *          O_CLOEXEC) next to a second open of the same file: offset and
 *          status flags shared, close-on-exec per fd, the second apart */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ready.h"

static int fails;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL: " __VA_ARGS__);                                              \
			printf("\n");                                                              \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

static char dir[4096];

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static int same_file(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b) == 0;
}

static off_t pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* ---- dup ---------------------------------------------------------------- */
static struct {
	int a, b, c, d, e, out_dup;
} dp;

static void dup_setup(void)
{
	char p[4200], buf[16];

	path_in(p, sizeof(p), "data.txt");
	dp.a = open(p, O_RDWR);
	dp.b = dup(dp.a);
	dp.c = fcntl(dp.a, F_DUPFD, 100);
	dp.d = dup3(dp.a, 50, O_CLOEXEC);
	dp.e = open(p, O_RDONLY);	/* the same file, its own description */
	dp.out_dup = dup2(1, 60);	/* a dup of stdout */
	if (dp.a < 0 || dp.b < 0 || dp.c != 100 || dp.d != 50 || dp.e < 0 || dp.out_dup != 60 ||
	    read(dp.a, buf, 3) != 3 || read(dp.e, buf, 7) != 7)
		exit(3);
}

static void dup_check(void)
{
	char buf[16];
	int fds[] = { dp.a, dp.b, dp.c, dp.d };

	for (int i = 1; i < 4; i++)
		CHECK(same_file(dp.a, fds[i]), "fd %d and fd %d no longer share their file", dp.a,
		      fds[i]);
	CHECK(!same_file(dp.a, dp.e), "separate opens came back shared");
	CHECK(same_file(1, dp.out_dup), "stdout and its dup no longer share their file");
	CHECK(pos(dp.b) == 3, "offset of the dup %ld", (long)pos(dp.b));
	CHECK(read(dp.b, buf, 2) == 2 && !memcmp(buf, "34", 2), "read on the dup");
	CHECK(pos(dp.a) == 5 && pos(dp.c) == 5 && pos(dp.d) == 5, "offset not shared: %ld %ld %ld",
	      (long)pos(dp.a), (long)pos(dp.c), (long)pos(dp.d));
	CHECK(pos(dp.e) == 7, "offset of the separate open %ld", (long)pos(dp.e));
	CHECK(fcntl(dp.a, F_SETFL, O_APPEND) == 0 && (fcntl(dp.c, F_GETFL) & O_APPEND),
	      "status flags not shared");
	CHECK(!(fcntl(dp.e, F_GETFL) & O_APPEND), "status flags leaked to the separate open");
	CHECK((fcntl(dp.a, F_GETFL) & O_ACCMODE) == O_RDWR &&
		      (fcntl(dp.e, F_GETFL) & O_ACCMODE) == O_RDONLY,
	      "access modes");
	CHECK(fcntl(dp.d, F_GETFD) == FD_CLOEXEC, "close-on-exec of the dup3(O_CLOEXEC) fd");
	CHECK(fcntl(dp.a, F_GETFD) == 0 && fcntl(dp.b, F_GETFD) == 0 && fcntl(dp.c, F_GETFD) == 0,
	      "close-on-exec set on fds that had none");
}

/* ------------------------------------------------------------------------ */
static const struct {
	const char *name;
	void (*setup)(void);
	void (*check)(void);
} modes[] = {
	{ "dup", dup_setup, dup_check },
};

static volatile sig_atomic_t go;
static void on_usr1(int sig) { go = 1; }

int main(int argc, char **argv)
{
	sigset_t mask, old;
	size_t m;

	if (argc != 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		if (!strcmp(modes[m].name, argv[1]))
			break;
	if (m == sizeof(modes) / sizeof(modes[0]))
		return 2;
	/* Only what this victim opens: not what the test runner leaked. */
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &old);
	modes[m].setup();
	victim_ready(dir);
	while (!go)
		sigsuspend(&old);
	modes[m].check();
	printf("%s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}
