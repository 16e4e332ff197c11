/* xc_parse_fdinfo(): /proc/PID/fdinfo/FD of each kind captured on a 6.18
 * kernel (fixtures/proc/fdinfo-*, made by fixtures/proc/capture.c): the four
 * common fields, kind-specific lines skipped, and malformed input. */
#include "unit.h"

#include "tracer/proc/proc.h"

static const struct {
	const char *file;
	int64_t pos;
	uint32_t flags, mnt_id;
	uint64_t ino;
} fixtures[] = {
	/* O_RDWR|O_APPEND|O_LARGEFILE, after lseek(12345). */
	{ "proc/fdinfo-reg", 12345, 0102002, 27, 10954179 },
	/* eventfd-count/-id/-semaphore follow. O_RDWR|O_NONBLOCK|O_CLOEXEC. */
	{ "proc/fdinfo-eventfd", 0, 02004002, 17, 1038 },
	/* An "inotify wd:1 ino:... mask:..." line with colons inside. */
	{ "proc/fdinfo-inotify", 0, 04000, 17, 1038 },
	/* scm_fds follows. */
	{ "proc/fdinfo-socket", 0, 02, 10, 20155 },
};

static void test_fixtures(void **state)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const char *l = fixtures[i].file;
		struct xc_fdinfo fi;
		size_t len;
		char *buf = unit_fixture(l, &len);

		memset(&fi, 0xa5, sizeof(fi));
		unit_eq(l, xc_parse_fdinfo(buf, len, &fi), 0);
		unit_eq(l, fi.pos, fixtures[i].pos);
		unit_eq(l, fi.flags, fixtures[i].flags);
		unit_eq(l, fi.mnt_id, fixtures[i].mnt_id);
		unit_eq(l, fi.ino, fixtures[i].ino);
		free(buf);
	}
}

/* Order does not matter, blank lines and a missing final newline are fine,
 * fields absent from old kernels (mnt_id, ino) read as 0. */
static void test_edges(void **state)
{
	static const char text[] = "flags:\t0100000\n\nlock:\t1: FLOCK ADVISORY WRITE 1 00:1f:2 0 EOF\n"
				   "pos:\t9223372036854775807";
	struct xc_fdinfo fi;

	assert_int_equal(xc_parse_fdinfo(text, strlen(text), &fi), 0);
	assert_int_equal(fi.pos, INT64_MAX);
	assert_int_equal(fi.flags, 0100000);
	assert_int_equal(fi.mnt_id, 0);
	assert_int_equal(fi.ino, 0);
	assert_int_equal(fi.nr_locks, 1);
	assert_int_equal(fi.locks[0].kind, XC_PLOCK_FLOCK);
	assert_int_equal(fi.scm_fds, 0);
}

/* A unix socket with fds in flight (SCM_RIGHTS) says how many. */
static void test_scm_fds(void **state)
{
	static const char text[] = "pos:	0\nflags:	02\nmnt_id:	10\nino:	33970\nscm_fds: 3\n";
	struct xc_fdinfo fi;

	assert_int_equal(xc_parse_fdinfo(text, strlen(text), &fi), 0);
	assert_int_equal(fi.scm_fds, 3);
}

/* "lock:" values as fs/locks.c prints them, captured on 6.18. */
static const struct {
	const char *what, *text;
	int ret;
	uint32_t kind;
	bool write;
	uint64_t start, end;
} lock_cases[] = {
	{ "flock", "1: FLOCK  ADVISORY  WRITE 29472 fe:00:10953121 0 EOF", 0, XC_PLOCK_FLOCK, 1, 0,
	  UINT64_MAX },
	{ "posix range", "1: POSIX  ADVISORY  WRITE 29472 fe:00:10953201 5 14", 0, XC_PLOCK_POSIX, 1,
	  5, 14 },
	{ "posix read to EOF", "2: POSIX  ADVISORY  READ 29472 fe:00:10953201 50 EOF", 0,
	  XC_PLOCK_POSIX, 0, 50, UINT64_MAX },
	{ "ofd, pid -1", "1: OFDLCK ADVISORY  WRITE -1 fe:00:10953218 3 9", 0, XC_PLOCK_OFD, 1, 3, 9 },
	{ "lease", "1: LEASE  ACTIVE    READ 812 fe:00:1234 0 EOF", 0, XC_PLOCK_OTHER, 0, 0,
	  UINT64_MAX },
	{ "flock shared", "1: FLOCK  ADVISORY  READ 9 08:01:77 0 EOF", 0, XC_PLOCK_FLOCK, 0, 0,
	  UINT64_MAX },
	{ "unlock", "1: POSIX  ADVISORY  UNLCK 9 08:01:77 0 EOF", 0, XC_PLOCK_OTHER },
	{ "truncated", "1: POSIX  ADVISORY  WRITE 9 08:01:77 0", -EINVAL },
	{ "end before start", "1: POSIX  ADVISORY  WRITE 9 08:01:77 10 3", -EINVAL },
	{ "end not a number", "1: POSIX  ADVISORY  WRITE 9 08:01:77 10 1x", -EINVAL },
	{ "empty", "", -EINVAL },
};

static void test_lock_lines(void **state)
{
	for (size_t i = 0; i < sizeof(lock_cases) / sizeof(lock_cases[0]); i++) {
		struct xc_plock l;
		const char *w = lock_cases[i].what;

		unit_eq(w, xc_parse_lock(lock_cases[i].text, &l), lock_cases[i].ret);
		if (lock_cases[i].ret || lock_cases[i].kind == XC_PLOCK_OTHER) {
			if (!lock_cases[i].ret)
				unit_eq(w, l.kind, XC_PLOCK_OTHER);
			continue;
		}
		unit_eq(w, l.kind, lock_cases[i].kind);
		unit_eq(w, l.write, lock_cases[i].write);
		unit_eq(w, l.start, lock_cases[i].start);
		unit_eq(w, l.end, lock_cases[i].end);
	}
}

static const struct {
	const char *what, *text;
} bad_cases[] = {
	{ "empty", "" },
	{ "missing pos", "flags:\t02\nmnt_id:\t1\nino:\t2\n" },
	{ "missing flags", "pos:\t0\nmnt_id:\t1\nino:\t2\n" },
	{ "pos not a number", "pos:\tabc\nflags:\t02\n" },
	{ "flags not octal", "pos:\t0\nflags:\t9\n" },
	{ "empty flags value", "pos:\t0\nflags:\n" },
	{ "line without colon", "pos:\t0\nflags:\t02\ngarbage line\n" },
	{ "key without colon", "pos 0\nflags:\t02\n" },
	{ "malformed lock line", "pos:\t0\nflags:\t02\nlock:\t1: POSIX\n" },
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct xc_fdinfo fi;

		unit_eq(bad_cases[i].what,
			xc_parse_fdinfo(bad_cases[i].text, strlen(bad_cases[i].text), &fi), -EINVAL);
	}
}

/* Locks held on the file show as "lock:" lines; each one is counted and
 * parsed. */
static void test_locks(void **state)
{
	static const char two[] = "pos:\t0\nflags:\t02\nmnt_id:\t27\nino:\t5\n"
		"lock:\t1: FLOCK  ADVISORY  WRITE 4242 fe:00:5 0 EOF\n"
		"lock:\t2: POSIX  ADVISORY  READ 4242 fe:00:5 0 99\n";
	static const char none[] = "pos:\t0\nflags:\t02\nmnt_id:\t27\nino:\t5\n";
	struct xc_fdinfo fi;

	assert_int_equal(xc_parse_fdinfo(two, strlen(two), &fi), 0);
	assert_int_equal(fi.nr_locks, 2);
	assert_int_equal(fi.locks[1].kind, XC_PLOCK_POSIX);
	assert_int_equal(fi.locks[1].end, 99);
	assert_int_equal(fi.ino, 5);
	assert_int_equal(xc_parse_fdinfo(none, strlen(none), &fi), 0);
	assert_int_equal(fi.nr_locks, 0);
}

/* The parser honours len: a valid buffer cut before "flags" is incomplete. */
static void test_len_bounds(void **state)
{
	static const char text[] = "pos:\t7\nflags:\t02\n";
	struct xc_fdinfo fi;

	assert_int_equal(xc_parse_fdinfo(text, 7, &fi), -EINVAL);
	assert_int_equal(xc_parse_fdinfo(text, strlen(text), &fi), 0);
	assert_int_equal(fi.pos, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_scm_fds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_lock_lines),
		cmocka_unit_test(test_len_bounds),
		cmocka_unit_test(test_locks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
