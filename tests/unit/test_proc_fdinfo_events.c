/* The kind-specific fdinfo parsers of tracer/proc/fdinfo-events.c on
 * fixtures captured on a 6.18 kernel (fixtures/proc/fdinfo-*, made by
 * fixtures/proc/capture.c), and on malformed text. */
#include "unit.h"

#include "tracer/proc/fdinfo-events.h"

static void test_eventfd(void **state)
{
	uint64_t count;
	int sem;
	size_t len;
	char *buf = unit_fixture("proc/fdinfo-eventfd", &len);

	assert_int_equal(xc_parse_eventfd(buf, len, &count, &sem), 0);
	assert_int_equal(count, 7);
	assert_int_equal(sem, 0);
	free(buf);
	buf = unit_fixture("proc/fdinfo-eventfd-sem", &len);
	assert_int_equal(xc_parse_eventfd(buf, len, &count, &sem), 0);
	assert_int_equal(count, 3);
	assert_int_equal(sem, 1);
	free(buf);
}

static void test_eventfd_bad(void **state)
{
	static const char big[] = "pos:\t0\nflags:\t02\neventfd-count: fffffffffffffffe\n"
				  "eventfd-semaphore: 0\n";
	static const char *const bad[] = {
		"pos:\t0\nflags:\t02\n",
		"eventfd-count: xyz\neventfd-semaphore: 0\n",
		"eventfd-count: 5\neventfd-semaphore: 2\n",
		"eventfd-count: -5\neventfd-semaphore: 0\n",
	};
	static const char old[] = "eventfd-count:                5\n";	/* before 6.6 */
	uint64_t count;
	int sem;

	assert_int_equal(xc_parse_eventfd(big, strlen(big), &count, &sem), 0);
	assert_true(count == 0xfffffffffffffffeull);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i], xc_parse_eventfd(bad[i], strlen(bad[i]), &count, &sem), -EINVAL);
	assert_int_equal(xc_parse_eventfd(old, strlen(old), &count, &sem), -ENODATA);
}

static void test_timerfd(void **state)
{
	struct xc_timerfd_info t;
	size_t len;
	char *buf = unit_fixture("proc/fdinfo-timerfd", &len);

	/* Periodic, expired once and not read: no time left, one tick. */
	assert_int_equal(xc_parse_timerfd(buf, len, &t), 0);
	assert_int_equal(t.clockid, 1);
	assert_int_equal(t.ticks, 1);
	assert_int_equal(t.settime_flags, 0);
	assert_int_equal(t.value_sec, 0);
	assert_int_equal(t.value_nsec, 0);
	assert_int_equal(t.interval_sec, 0);
	assert_int_equal(t.interval_nsec, 250000000);
	free(buf);
	buf = unit_fixture("proc/fdinfo-timerfd-abs", &len);
	assert_int_equal(xc_parse_timerfd(buf, len, &t), 0);
	assert_int_equal(t.clockid, 0);
	assert_int_equal(t.ticks, 0);
	assert_int_equal(t.settime_flags, 1);
	assert_int_equal(t.value_sec, 3599);
	assert_int_equal(t.value_nsec, 506937749);
	assert_int_equal(t.interval_sec, 2);
	assert_int_equal(t.interval_nsec, 500);
	free(buf);
}

static void test_timerfd_bad(void **state)
{
	static const char *const bad[] = {
		"clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (1, 2)\n",
		"clockid: 1\nticks: 0\nsettime flags: 09\nit_value: (1, 2)\nit_interval: (0, 0)\n",
		"clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (1, 1000000000)\nit_interval: (0, 0)\n",
		"clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (1 2)\nit_interval: (0, 0)\n",
		"clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (1, 2) x\nit_interval: (0, 0)\n",
		"clockid: 99\nticks: 0\nsettime flags: 00\nit_value: (1, 2)\nit_interval: (0, 0)\n",
		"ticks: 0\nsettime flags: 00\nit_value: (1, 2)\nit_interval: (0, 0)\n",
	};
	struct xc_timerfd_info t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i], xc_parse_timerfd(bad[i], strlen(bad[i]), &t), -EINVAL);
}

static void test_signalfd(void **state)
{
	static const char bad[] = "pos:\t0\nflags:\t02\nsigmask:\tzz\n";
	uint64_t mask;
	size_t len;
	char *buf = unit_fixture("proc/fdinfo-signalfd", &len);

	/* SIGUSR2 (12) and SIGRTMIN+3 (37). */
	assert_int_equal(xc_parse_signalfd(buf, len, &mask), 0);
	assert_true(mask == ((1ull << 11) | (1ull << 36)));
	free(buf);
	assert_int_equal(xc_parse_signalfd(bad, strlen(bad), &mask), -EINVAL);
	assert_int_equal(xc_parse_signalfd(bad, 10, &mask), -EINVAL);
}

static void test_epoll(void **state)
{
	struct xc_epoll_tfd *w;
	size_t nr, len;
	char *buf = unit_fixture("proc/fdinfo-epoll", &len);

	assert_int_equal(xc_parse_epoll(buf, len, &w, &nr), 0);
	assert_int_equal(nr, 2);
	/* A one-shot watch that fired keeps only its flag bits. */
	assert_int_equal(w[0].tfd, 9);
	assert_int_equal(w[0].events, 0x40000000);
	assert_int_equal(w[0].data, 7);
	assert_int_equal(w[1].tfd, 4);
	assert_int_equal(w[1].events, 0x80000019);
	assert_true(w[1].data == 0x1122334455667788ull);
	assert_int_equal(w[1].ino, 0x1a);
	assert_int_equal(w[1].sdev, 0x10);
	free(w);
	free(buf);
}

static void test_epoll_edges(void **state)
{
	static const char none[] = "pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t26\n";
	static const char *const bad[] = {
		"tfd:        3 events: 19 data: 3\n",
		"tfd:        x events: 19 data: 3  pos:0 ino:1a sdev:10\n",
		"tfd:       -1 events: 19 data: 3  pos:0 ino:1a sdev:10\n",
		"tfd:        3 events: 19 data: 3  pos:0 ino:1a sdev:10 extra\n",
	};
	struct xc_epoll_tfd *w;
	size_t nr;

	assert_int_equal(xc_parse_epoll(none, strlen(none), &w, &nr), 0);
	assert_int_equal(nr, 0);
	assert_null(w);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i], xc_parse_epoll(bad[i], strlen(bad[i]), &w, &nr), -EINVAL);
}

static void test_inotify(void **state)
{
	static const char two[] = "pos:\t0\nflags:\t04000\n"
		"inotify wd:3 ino:a sdev:800001 mask:2 ignored_mask:0 fhandle-bytes:c fhandle-type:81 "
		"f_handle:0a000000ffeeddcc11223344\n"
		"inotify wd:1 ino:3c51a sdev:fe00000 mask:80000100 ignored_mask:0 fhandle-bytes:8 "
		"fhandle-type:1 f_handle:1ac5030000000000\n";
	static const uint8_t h3[12] = { 0x0a, 0, 0, 0, 0xff, 0xee, 0xdd, 0xcc, 0x11, 0x22, 0x33, 0x44 };
	struct xc_inotify_wd *w;
	size_t nr, len;
	char *buf = unit_fixture("proc/fdinfo-inotify", &len);

	/* IN_CREATE | IN_DELETE on /tmp. */
	assert_int_equal(xc_parse_inotify(buf, len, &w, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(w[0].wd, 1);
	assert_int_equal(w[0].ino, 0x3c51a);
	assert_int_equal(w[0].sdev, 0xfe00000);
	assert_int_equal(w[0].mask, 0x300);
	assert_int_equal(w[0].fh_bytes, 8);
	assert_int_equal(w[0].fh_type, 1);
	assert_memory_equal(w[0].fh, "\x1a\xc5\x03\0\0\0\0\0", 8);
	free(w);
	free(buf);
	assert_int_equal(xc_parse_inotify(two, strlen(two), &w, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(w[0].wd, 3);
	assert_int_equal(w[0].sdev, 0x800001);
	assert_int_equal(w[0].fh_bytes, 12);
	assert_int_equal(w[0].fh_type, 0x81);
	assert_memory_equal(w[0].fh, h3, 12);
	assert_int_equal(w[1].mask, 0x80000100);	/* IN_ONESHOT kept */
	free(w);
}

static void test_inotify_bad(void **state)
{
	static const char *const bad[] = {
		/* handle shorter than its length, longer, not hex */
		"inotify wd:1 ino:1 sdev:1 mask:2 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:1ac503\n",
		"inotify wd:1 ino:1 sdev:1 mask:2 ignored_mask:0 fhandle-bytes:2 fhandle-type:1 f_handle:1ac503\n",
		"inotify wd:1 ino:1 sdev:1 mask:2 ignored_mask:0 fhandle-bytes:2 fhandle-type:1 f_handle:zz00\n",
		"inotify wd:1 ino:1 sdev:1 mask:2 ignored_mask:0 fhandle-bytes:81 fhandle-type:1 f_handle:00\n",
		"inotify wd:0 ino:1 sdev:1 mask:2 ignored_mask:0 fhandle-bytes:1 fhandle-type:1 f_handle:00\n",
		"inotify wd:1 ino:1 sdev:1 mask:2\n",
	};
	struct xc_inotify_wd *w;
	size_t nr;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i], xc_parse_inotify(bad[i], strlen(bad[i]), &w, &nr), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eventfd),
		cmocka_unit_test(test_eventfd_bad),
		cmocka_unit_test(test_timerfd),
		cmocka_unit_test(test_timerfd_bad),
		cmocka_unit_test(test_signalfd),
		cmocka_unit_test(test_epoll),
		cmocka_unit_test(test_epoll_edges),
		cmocka_unit_test(test_inotify),
		cmocka_unit_test(test_inotify_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
