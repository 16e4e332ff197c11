/* xc_parse_timers(): /proc/PID/timers captured on a 6.18 kernel
 * (fixtures/proc/timers, made by fixtures/proc/capture.c: newest first),
 * an empty file, and malformed blocks. */
#include "unit.h"

#include <signal.h>

#include "tracer/proc/timers.h"

static void test_fixture(void **state)
{
	struct xc_timer_info *t;
	size_t nr, len;
	char *buf = unit_fixture("proc/timers", &len);

	assert_int_equal(xc_parse_timers(buf, len, &t, &nr), 0);
	assert_int_equal(nr, 3);
	assert_int_equal(t[0].id, 2);
	assert_int_equal(t[0].signo, SIGUSR2);
	assert_int_equal(t[0].notify, SIGEV_SIGNAL | SIGEV_THREAD_ID);
	assert_int_equal(t[0].pid, 10439);
	assert_int_equal(t[0].clockid, 7);
	assert_int_equal(t[1].id, 1);
	assert_int_equal(t[1].notify, SIGEV_NONE);
	assert_int_equal(t[1].clockid, 0);
	assert_int_equal(t[2].id, 0);
	assert_int_equal(t[2].signo, 35);
	assert_int_equal(t[2].sigval, 0x1234);
	assert_int_equal(t[2].notify, SIGEV_SIGNAL);
	assert_int_equal(t[2].clockid, 1);
	free(t);
	free(buf);
}

static void test_empty(void **state)
{
	struct xc_timer_info *t;
	size_t nr;

	assert_int_equal(xc_parse_timers("", 0, &t, &nr), 0);
	assert_int_equal(nr, 0);
	assert_null(t);
}

static void test_thread(void **state)
{
	static const char text[] = "ID: 7\nsignal: 34/ffffffffffffffff\nnotify: thread/pid.5\n"
				   "ClockID: 2";
	static const char cpu[] = "ID: 0\nsignal: 0/0\nnotify: none/pid.5\nClockID: -93662\n";
	struct xc_timer_info *t;
	size_t nr;

	assert_int_equal(xc_parse_timers(text, strlen(text), &t, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(t[0].notify, SIGEV_THREAD);
	assert_true(t[0].sigval == ~0ull);
	free(t);
	/* A CPU clock named by pid (clock_getcpuclockid) is negative. */
	assert_int_equal(xc_parse_timers(cpu, strlen(cpu), &t, &nr), 0);
	assert_int_equal(t[0].clockid, -93662);
	free(t);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"ID: 1\n",
		"ID: x\nsignal: 1/0\nnotify: signal/pid.5\nClockID: 1\n",
		"ID: 1\nsignal: 99/0\nnotify: signal/pid.5\nClockID: 1\n",
		"ID: 1\nsignal: 1/0\nnotify: bogus/pid.5\nClockID: 1\n",
		"ID: 1\nsignal: 1/0\nnotify: signal/who.5\nClockID: 1\n",
		"ID: 1\nsignal: 1/0\nnotify: signal/pid.5\nClockID: x\n",
		"ID: 1\nnotify: signal/pid.5\nsignal: 1/0\nClockID: 1\n",
		"ID: 1\nsignal: 1/0\nnotify: signal/pid.5\nClockID: 1 x\n",
	};
	struct xc_timer_info *t;
	size_t nr;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i], xc_parse_timers(bad[i], strlen(bad[i]), &t, &nr), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
