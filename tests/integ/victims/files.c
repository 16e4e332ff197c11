/* Victim: holds open files of one kind (MODE), signals readiness, waits
 * for SIGUSR1, then checks that what it held still is and still works,
 * and prints PASS or FAIL.
 *
 * usage: files MODE DIR     (DIR: scratch directory, writes DIR/ready)
 * modes:
 *   dup    one description on several fds (dup, dup2, F_DUPFD, dup3 with
 *          O_CLOEXEC) next to a second open of the same file: offset and
 *          status flags shared, close-on-exec per fd, the second apart
 *   flags  every open flag and access mode a file can carry, a directory
 *          half listed, the device nodes: flags, fd flags and offsets as
 *          before, and each still works
 *   locks  flock (exclusive, shared), POSIX record locks (write and read
 *          ranges, on a file that is also mapped shared) and an OFD lock:
 *          a child of the restored process still cannot take them
 *   moved  DIR/d/data.txt read up to offset 3 (fd 3), DIR/log.out appended
 *          to (fd 4): after restore the read goes on at its offset and
 *          the log takes more lines, wherever --file-map put the file
 *   ghost  files deleted while open, deleted while mapped (fd closed), open
 *          and mapped; memfds sealed, only mapped, without sealing: content,
 *          offsets, modes, seals, and fd and mapping still one file
 *   devtty /dev/tty open on fd 3 (run on a terminal): after restore it is
 *          the terminal the process is restored on, and takes output
 *   fifo   two FIFOs with unread data (100 KiB in one of capacity 256 KiB,
 *          partly read): the data, the capacity, and more data after
 *   ttylead (run as the session leader of a terminal, like a login shell)
 *          /dev/tty on fd 0 with echo turned off, and a child in a group of
 *          its own in the foreground, like a shell's job: after restore
 *          the terminal restored on is the session's controlling terminal,
 *          fd 0 still /dev/tty with the same termios, the child's group
 *          still in the foreground, and the child in the session */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "ready.h"


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

/* ---- flags -------------------------------------------------------------- */
static const struct {
	const char *name;	/* in DIR, or absolute */
	int flags;
} fl_files[] = {
	{ "append.txt", O_WRONLY | O_CREAT | O_APPEND },
	{ "direct.bin", O_RDWR | O_CREAT | O_DIRECT },
	{ "noatime.txt", O_RDONLY | O_CREAT | O_NOATIME },
	{ "nonblock.txt", O_RDWR | O_CREAT | O_NONBLOCK },
	{ "sync.txt", O_WRONLY | O_CREAT | O_SYNC },
	{ "dsync.txt", O_WRONLY | O_CREAT | O_DSYNC },
	{ "cloexec.txt", O_RDONLY | O_CREAT | O_CLOEXEC },
	{ "path.txt", O_PATH },
	{ "sub", O_RDONLY | O_DIRECTORY },
	{ "sub", O_PATH | O_DIRECTORY | O_CLOEXEC },
	{ "/dev/null", O_WRONLY },
	{ "/dev/zero", O_RDONLY },
	{ "/dev/urandom", O_RDONLY | O_NONBLOCK },
	{ "/dev/random", O_RDONLY },
};
#define NR_FL (sizeof(fl_files) / sizeof(fl_files[0]))
static struct {
	int fd, fl, fdfl;
	off_t pos;
} fl[NR_FL];
static int fl_dir;		/* index of the half-listed directory */
static char fl_rest[4096];	/* names it has not listed yet, sorted */

static void fl_names(int fd, char *out, size_t n)
{
	char buf[4096], *names[64];
	int nr = 0;
	long got;

	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			if (de->d_name[0] != '.' && nr < 64)
				names[nr++] = strdup(de->d_name);
			off += de->d_reclen;
		}
	out[0] = 0;
	for (int i = 0; i < nr; i++)	/* sorted: getdents order is the fs's */
		for (int j = i + 1; j < nr; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (int i = 0; i < nr; i++) {
		snprintf(out + strlen(out), n - strlen(out), "%s ", names[i]);
		free(names[i]);
	}
}

static void fl_setup(void)
{
	static char buf[4096] __attribute__((aligned(4096)));
	char p[4200];

	path_in(p, sizeof(p), "path.txt");
	close(open(p, O_CREAT | O_WRONLY, 0644));
	path_in(p, sizeof(p), "sub");
	mkdir(p, 0755);
	for (int i = 0; i < 40; i++) {
		path_in(p, sizeof(p), "sub/");
		snprintf(p + strlen(p), 64, "entry-with-a-long-name-%02d", i);
		close(open(p, O_CREAT | O_WRONLY, 0644));
	}
	for (size_t i = 0; i < NR_FL; i++) {
		if (fl_files[i].name[0] == '/')
			snprintf(p, sizeof(p), "%s", fl_files[i].name);
		else
			path_in(p, sizeof(p), fl_files[i].name);
		fl[i].fd = open(p, fl_files[i].flags, 0644);
		if (fl[i].fd < 0) {
			printf("open %s: %s\n", p, strerror(errno));
			exit(3);
		}
		if (!strcmp(fl_files[i].name, "sub") && !(fl_files[i].flags & O_PATH))
			fl_dir = i;
	}
	/* a file offset in each kind that has one */
	if (write(fl[0].fd, "one\n", 4) != 4 || pwrite(fl[1].fd, buf, 4096, 0) != 4096 ||
	    lseek(fl[1].fd, 4096, SEEK_SET) != 4096 || write(fl[3].fd, "0123456789", 10) != 10 ||
	    lseek(fl[3].fd, 4, SEEK_SET) != 4) {
		printf("write: %s\n", strerror(errno));
		exit(3);
	}
	/* half the directory listed: a small buffer stops getdents early */
	if (syscall(SYS_getdents64, fl[fl_dir].fd, buf, 600) <= 0) {
		printf("getdents: %s\n", strerror(errno));
		exit(3);
	}
	for (size_t i = 0; i < NR_FL; i++) {
		fl[i].fl = fcntl(fl[i].fd, F_GETFL);
		fl[i].fdfl = fcntl(fl[i].fd, F_GETFD);
		fl[i].pos = lseek(fl[i].fd, 0, SEEK_CUR);
	}
	/* what the directory has left, read through a second open */
	path_in(p, sizeof(p), "sub");
	int d2 = open(p, O_RDONLY | O_DIRECTORY);
	if (d2 < 0 || lseek(d2, fl[fl_dir].pos, SEEK_SET) != fl[fl_dir].pos)
		exit(3);
	fl_names(d2, fl_rest, sizeof(fl_rest));
	close(d2);
}

static void fl_check(void)
{
	static char buf[4096] __attribute__((aligned(4096)));
	char rest[4096];
	struct stat st;

	for (size_t i = 0; i < NR_FL; i++) {
		int f = fcntl(fl[i].fd, F_GETFL), d = fcntl(fl[i].fd, F_GETFD);
		off_t pos = lseek(fl[i].fd, 0, SEEK_CUR);

		CHECK(f == fl[i].fl, "%s: status flags %o, were %o", fl_files[i].name, f, fl[i].fl);
		CHECK(d == fl[i].fdfl, "%s: fd flags %d, were %d", fl_files[i].name, d, fl[i].fdfl);
		CHECK(pos == fl[i].pos, "%s: offset %ld, was %ld", fl_files[i].name, (long)pos,
		      (long)fl[i].pos);
	}
	CHECK(lseek(fl[0].fd, 0, SEEK_SET) == 0 && write(fl[0].fd, "two\n", 4) == 4 &&
		      !fstat(fl[0].fd, &st) && st.st_size == 8,
	      "O_APPEND write did not land at the end");
	memset(buf, 'x', sizeof(buf));
	CHECK(write(fl[1].fd, buf, 4096) == 4096, "O_DIRECT aligned write: %s", strerror(errno));
	CHECK(read(fl[3].fd, buf, 3) == 3 && !memcmp(buf, "456", 3), "read at the offset");
	CHECK(read(fl[12].fd, buf, 16) == 16, "/dev/urandom read");
	CHECK(read(fl[11].fd, buf, 16) == 16 && !buf[0] && !buf[15], "/dev/zero read");
	CHECK(write(fl[10].fd, buf, 16) == 16, "/dev/null write");
	fl_names(fl[fl_dir].fd, rest, sizeof(rest));
	CHECK(!strcmp(rest, fl_rest) && rest[0], "directory listing went on with \"%.60s\", not \"%.60s\"",
	      rest, fl_rest);
}

/* ---- locks -------------------------------------------------------------- */
static struct {
	int a, b, b2, c, d;
	char *map;
} lk;

static int lk_open(const char *name, int flags)
{
	char p[4200];
	int fd;

	path_in(p, sizeof(p), name);
	fd = open(p, flags | O_CREAT, 0644);
	if (fd < 0 || truncate(p, 4096))
		exit(3);
	return fd;
}

static int setlk(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl);
}

static void lk_setup(void)
{
	lk.a = lk_open("lock-flock", O_RDWR);
	lk.b = lk_open("lock-posix", O_RDWR);
	lk.b2 = lk_open("lock-posix", O_RDONLY);	/* another description, no lock */
	lk.c = lk_open("lock-ofd", O_RDWR);
	lk.d = lk_open("lock-shared", O_RDONLY);
	/* Mapped shared too: restore's own fd behind the mapping is closed
	 * late, which would drop a POSIX lock taken before. */
	lk.map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, lk.b, 0);
	if (flock(lk.a, LOCK_EX | LOCK_NB) || setlk(lk.b, F_SETLK, F_WRLCK, 10, 10) ||
	    setlk(lk.b, F_SETLK, F_RDLCK, 100, 0) || setlk(lk.c, F_OFD_SETLK, F_WRLCK, 0, 10) ||
	    flock(lk.d, LOCK_SH | LOCK_NB) || lk.map == MAP_FAILED)
		exit(3);
	lk.map[0] = 'm';
}

/* In another process: none of the held locks can be taken. */
static int lk_other(pid_t holder)
{
	int bad = 0, a = lk_open("lock-flock", O_RDWR), b = lk_open("lock-posix", O_RDWR),
	    c = lk_open("lock-ofd", O_RDWR), d = lk_open("lock-shared", O_RDONLY);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1 };

#define OTHER(cond, what) do { if (!(cond)) { printf("FAIL: other process: %s\n", what); bad++; } } while (0)
	OTHER(flock(a, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK, "took the flock lock");
	OTHER(!fcntl(b, F_GETLK, &fl) && fl.l_type == F_WRLCK && fl.l_pid == holder &&
		      fl.l_start == 10 && fl.l_len == 10,
	      "POSIX write lock not held by the restored process");
	OTHER(setlk(b, F_SETLK, F_WRLCK, 15, 1) && errno == EAGAIN, "took a write-locked range");
	OTHER(setlk(b, F_SETLK, F_WRLCK, 5000, 1) && errno == EAGAIN,
	      "took a byte of the read lock to EOF");
	OTHER(!setlk(b, F_SETLK, F_RDLCK, 200, 1), "could not share the read lock");
	OTHER(!setlk(b, F_SETLK, F_WRLCK, 50, 10), "an unlocked range was locked");
	OTHER(setlk(c, F_OFD_SETLK, F_WRLCK, 5, 1) && errno == EAGAIN, "took the OFD-locked range");
	OTHER(!flock(d, LOCK_SH | LOCK_NB), "could not share the shared flock");
	OTHER(flock(d, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK, "took the shared flock exclusively");
	return bad;
}

static void lk_check(void)
{
	pid_t holder = getpid(), child = fork();
	int st;

	if (child == 0)
		_exit(lk_other(holder));
	CHECK(child > 0 && waitpid(child, &st, 0) == child && WIFEXITED(st) && !WEXITSTATUS(st),
	      "another process could take a lock");
	/* The holder itself still owns them: converting is allowed. */
	CHECK(!setlk(lk.b, F_SETLK, F_WRLCK, 100, 0), "own POSIX read lock not held");
	CHECK(!flock(lk.a, LOCK_EX | LOCK_NB), "own flock lock");
	CHECK(lk.map[0] == 'm', "shared mapping of the locked file");
}

/* ---- moved ------------------------------------------------------------- */
static void mv_setup(void)
{
	char p[4200], buf[3];

	path_in(p, sizeof(p), "d/data.txt");
	if (open(p, O_RDONLY) != 3 || read(3, buf, 3) != 3)
		exit(3);
	path_in(p, sizeof(p), "log.out");
	if (open(p, O_WRONLY | O_APPEND | O_CREAT, 0644) != 4 || write(4, "one\n", 4) != 4)
		exit(3);
}

static void mv_check(void)
{
	char buf[4];

	CHECK(read(3, buf, 3) == 3 && !memcmp(buf, "345", 3), "read at the offset");
	CHECK(write(4, "two\n", 4) == 4, "log write");
}

/* ---- ghost ------------------------------------------------------------ */
static struct {
	int g1, g3, m1, m3;
	char *map2, *map3, *mm1, *mm2;
	int seals1, seals3;
} gh;

static int gh_create(const char *name, const char *content, size_t size)
{
	char p[4200];
	int fd;

	path_in(p, sizeof(p), name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || ftruncate(fd, (off_t)size) || pwrite(fd, content, strlen(content), 0) < 0 ||
	    unlink(p))
		exit(3);
	return fd;
}

static void gh_setup(void)
{
	int fd2, m2;

	/* open, then deleted, at an offset */
	gh.g1 = gh_create("ghost1", "ghost-one-content", 17);
	if (lseek(gh.g1, 6, SEEK_SET) != 6)
		exit(3);
	/* mapped, then deleted, its fd closed: only the mapping holds it */
	fd2 = gh_create("ghost2", "ghost-two", 8192);
	gh.map2 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	close(fd2);
	/* open and mapped: one inode behind both */
	gh.g3 = gh_create("ghost3", "ghost-three", 4096);
	gh.map3 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gh.g3, 0);
	/* memfd, sealed, open and mapped */
	gh.m1 = memfd_create("xc-memfd", MFD_ALLOW_SEALING);
	if (gh.m1 < 0 || ftruncate(gh.m1, 8192) || pwrite(gh.m1, "memfd-one", 9, 100) != 9)
		exit(3);
	gh.mm1 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, gh.m1, 0);
	if (fcntl(gh.m1, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		exit(3);
	/* memfd only mapped */
	m2 = memfd_create("xc-mapped-only", 0);
	if (m2 < 0 || ftruncate(m2, 4096))
		exit(3);
	gh.mm2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m2, 0);
	close(m2);
	/* memfd without sealing allowed: sealed against sealing */
	gh.m3 = memfd_create("xc-plain", MFD_CLOEXEC);
	if (gh.map2 == MAP_FAILED || gh.map3 == MAP_FAILED || gh.mm1 == MAP_FAILED ||
	    gh.mm2 == MAP_FAILED || gh.m3 < 0 || write(gh.m3, "plain", 5) != 5)
		exit(3);
	strcpy(gh.map2 + 4096, "written-through-the-mapping");
	strcpy(gh.mm2, "mapped-only-memfd");
	gh.seals1 = fcntl(gh.m1, F_GET_SEALS);
	gh.seals3 = fcntl(gh.m3, F_GET_SEALS);
}

static void gh_check(void)
{
	char buf[64] = "";
	struct stat st;

	CHECK(pread(gh.g1, buf, 11, 6) == 11 && !memcmp(buf, "one-content", 11), "deleted file content");
	CHECK(lseek(gh.g1, 0, SEEK_CUR) == 6, "deleted file offset");
	CHECK(!fstat(gh.g1, &st) && st.st_nlink == 0 && (st.st_mode & 0777) == 0640,
	      "deleted file: nlink %ld mode %o", (long)st.st_nlink, st.st_mode & 0777);
	CHECK(!memcmp(gh.map2, "ghost-two", 9) && !strcmp(gh.map2 + 4096, "written-through-the-mapping"),
	      "file mapped after unlink");
	CHECK(pwrite(gh.g3, "THREE", 5, 6) == 5 && !memcmp(gh.map3, "ghost-THREE", 11),
	      "fd and mapping of one deleted file no longer share it");
	CHECK(pread(gh.m1, buf, 9, 100) == 9 && !memcmp(buf, "memfd-one", 9) &&
		      !memcmp(gh.mm1 + 100, "memfd-one", 9), "memfd content");
	CHECK(fcntl(gh.m1, F_GET_SEALS) == gh.seals1 && ftruncate(gh.m1, 100) && errno == EPERM,
	      "memfd seals %x, were %x", fcntl(gh.m1, F_GET_SEALS), gh.seals1);
	CHECK(!strcmp(gh.mm2, "mapped-only-memfd"), "memfd only mapped");
	CHECK(fcntl(gh.m3, F_GET_SEALS) == gh.seals3 && pread(gh.m3, buf, 5, 0) == 5 &&
		      !memcmp(buf, "plain", 5), "memfd without sealing");
	CHECK(fcntl(gh.m3, F_GETFD) == FD_CLOEXEC, "memfd close-on-exec");
	gh.mm1[0] = 'x';
	CHECK(pread(gh.m1, buf, 1, 0) == 1 && buf[0] == 'x', "memfd fd and mapping apart");
}

/* ---- fifo ------------------------------------------------------------- */
#define FIFO_BIG (100 << 10)
static struct {
	int r, w, rw;
	char *big;
} ff;

static void ff_setup(void)
{
	char p[4200];

	path_in(p, sizeof(p), "fifo1");
	if (mkfifo(p, 0600))
		exit(3);
	ff.r = open(p, O_RDONLY | O_NONBLOCK);
	ff.w = open(p, O_WRONLY);
	path_in(p, sizeof(p), "fifo2");
	if (mkfifo(p, 0600))
		exit(3);
	ff.rw = open(p, O_RDWR);
	ff.big = malloc(FIFO_BIG);
	for (int i = 0; i < FIFO_BIG; i++)
		ff.big[i] = (char)(i * 7 + i / 251);
	if (ff.r < 0 || ff.w < 0 || ff.rw < 0 || fcntl(ff.w, F_SETPIPE_SZ, 256 << 10) < 0 ||
	    write(ff.w, "xxxxx", 5) != 5 || write(ff.w, ff.big, FIFO_BIG) != FIFO_BIG ||
	    read(ff.r, ff.big + FIFO_BIG - 5, 0) != 0 || write(ff.rw, "rw-fifo", 7) != 7)
		exit(3);
	char skip[5];
	if (read(ff.r, skip, 5) != 5)	/* read some: what is left is exactly the rest */
		exit(3);
}

static void ff_check(void)
{
	char *got = malloc(FIFO_BIG + 16), buf[16];
	ssize_t n = 0, k;

	CHECK(fcntl(ff.r, F_GETPIPE_SZ) == 256 << 10, "capacity %d", fcntl(ff.r, F_GETPIPE_SZ));
	while (n < FIFO_BIG + 16 && (k = read(ff.r, got + n, FIFO_BIG + 16 - n)) > 0)
		n += k;
	CHECK(n == FIFO_BIG && !memcmp(got, ff.big, FIFO_BIG), "unread data: %zd bytes", n);
	CHECK(write(ff.w, "more", 4) == 4 && read(ff.r, buf, 16) == 4 && !memcmp(buf, "more", 4),
	      "FIFO no longer carries data");
	CHECK(read(ff.rw, buf, 16) == 7 && !memcmp(buf, "rw-fifo", 7), "read-write FIFO data");
	CHECK(fcntl(ff.r, F_GETFL) & O_NONBLOCK, "reader flags");
	free(got);
}

/* ---- devtty ----------------------------------------------------------- */
static int tty_fd;

static void tty_setup(void)
{
	tty_fd = open("/dev/tty", O_RDWR);
	if (tty_fd != 3 || !isatty(tty_fd))
		exit(3);
}

static void tty_check(void)
{
	pid_t a = -1, b = -2;

	/* /dev/tty stands for the controlling terminal: the one on stdio, whose
	 * session its TIOCGSID names. */
	CHECK(isatty(tty_fd) && !ioctl(tty_fd, TIOCGSID, &a) && !ioctl(0, TIOCGSID, &b) && a == b,
	      "/dev/tty is the terminal of session %d, stdio that of %d", a, b);
	CHECK(write(tty_fd, "tty-ok\n", 7) == 7, "write to /dev/tty");
}

static volatile sig_atomic_t go;
static void on_usr1(int sig) { go = 1; }

/* ---- ttylead ---------------------------------------------------------- */
static pid_t job;
static struct termios lead_tio;

static void job_main(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	CHECK(tcgetpgrp(1) == getpgrp(), "job: foreground group %d, not ours %d", tcgetpgrp(1),
	      getpgrp());
	CHECK(getsid(0) == getppid() && tcgetsid(1) == getppid(), "job: session %d, terminal's %d",
	      getsid(0), tcgetsid(1));
	exit(fails ? 1 : 0);
}

static void lead_setup(void)
{
	int fd;

	if (getsid(0) != getpid() || tcgetsid(0) != getpid())
		exit(3);	/* not a session leader on its terminal */
	close(0);
	fd = open("/dev/tty", O_RDWR);
	if (fd != 0 || tcgetattr(0, &lead_tio))
		exit(3);
	lead_tio.c_lflag &= ~ECHO;
	if (tcsetattr(0, TCSANOW, &lead_tio) || tcgetattr(0, &lead_tio))
		exit(3);
	job = fork();
	if (!job) {
		setpgid(0, 0);
		job_main();
	}
	if (job < 0 || setpgid(job, job) || tcsetpgrp(0, job))
		exit(3);
}

static void lead_check(void)
{
	struct termios t;
	char link[64];
	ssize_t n = readlink("/proc/self/fd/0", link, sizeof(link) - 1);
	int st;

	link[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(link, "/dev/tty"), "fd 0 is %s", link);
	CHECK(getsid(0) == getpid() && tcgetsid(0) == getpid() && tcgetsid(1) == getpid(),
	      "not the session of its terminal: session %d, terminal's %d", getsid(0), tcgetsid(1));
	CHECK(!tcgetattr(0, &t) && !memcmp(&t, &lead_tio, sizeof(t)), "termios differ");
	CHECK(tcgetpgrp(0) == job, "foreground group %d, not the job %d", tcgetpgrp(0), job);
	kill(job, SIGUSR1);
	CHECK(waitpid(job, &st, 0) == job && WIFEXITED(st) && !WEXITSTATUS(st), "job status %#x", st);
	CHECK(write(1, "lead-ok\n", 8) == 8, "write to the terminal");
}

/* ------------------------------------------------------------------------ */
static const struct {
	const char *name;
	void (*setup)(void);
	void (*check)(void);
} modes[] = {
	{ "dup", dup_setup, dup_check },
	{ "flags", fl_setup, fl_check },
	{ "locks", lk_setup, lk_check },
	{ "moved", mv_setup, mv_check },
	{ "ghost", gh_setup, gh_check },
	{ "fifo", ff_setup, ff_check },
	{ "devtty", tty_setup, tty_check },
	{ "ttylead", lead_setup, lead_check },
};


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
