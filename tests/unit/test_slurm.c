/* `--slurm-job`: the parser of `scontrol listpids` and the choice of tree
 * roots. */
#include "unit.h"

#include "common/slurm.h"

static void test_listpids(void **state)
{
	static const char out[] =
		"PID      JOBID    STEPID   LOCALID GLOBALID\n"
		"4242     17       batch    0       0       \n"
		"4250     17       batch    -       -       \n"
		"5001     17       0        0       0       \n";
	pid_t pids[8];

	assert_int_equal(xc_parse_listpids(out, strlen(out), pids, 8), 3);
	assert_int_equal(pids[0], 4242);
	assert_int_equal(pids[1], 4250);
	assert_int_equal(pids[2], 5001);
	/* Capacity bounds what is written. */
	assert_int_equal(xc_parse_listpids(out, strlen(out), pids, 2), 2);
	/* Only the header: a job with no processes here. */
	assert_int_equal(xc_parse_listpids(out, (size_t)(strchr(out, '\n') - out + 1), pids, 8), 0);
	assert_int_equal(xc_parse_listpids("", 0, pids, 8), 0);
}

static void test_listpids_malformed(void **state)
{
	static const char *bad[] = {
		"PID JOBID\nabc 17 batch 0 0\n", "PID JOBID\n42\n", "PID JOBID\n-5 17 batch\n",
		"PID JOBID\n42 x batch\n", "PID JOBID\n99999999 17 batch 0 0\n",
		"slurm_load_jobs error: Invalid job id specified\n",
	};
	pid_t pids[8];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xc_parse_listpids(bad[i], strlen(bad[i]), pids, 8) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
}

static void test_roots(void **state)
{
	/* 10 ← 11 ← 12, 10 ← 13; 20 (its parent 1 outside); 30 ← 31 */
	const pid_t pids[] = { 11, 10, 12, 13, 20, 31, 30 };
	const pid_t ppids[] = { 10, 5, 11, 10, 1, 30, 2 };
	pid_t roots[7];
	size_t k = xc_pid_roots(pids, ppids, 7, roots);

	assert_int_equal(k, 3);
	assert_int_equal(roots[0], 10);
	assert_int_equal(roots[1], 20);
	assert_int_equal(roots[2], 30);
	assert_int_equal(xc_pid_roots(pids, ppids, 0, roots), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listpids),
		cmocka_unit_test(test_listpids_malformed),
		cmocka_unit_test(test_roots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
