/* `xckpt run`'s pure decisions: durations, generation names, pruning,
 * signal names and the control line. */
#include "unit.h"

#include <signal.h>

#include "common/gens.h"

static void test_duration(void **state)
{
	static const struct { const char *in; int err; uint64_t ms; } cases[] = {
		{ "90", 0, 90000 }, { "30s", 0, 30000 }, { "1.5m", 0, 90000 },
		{ "2h", 0, 7200000 }, { "1d", 0, 86400000 }, { "250ms", 0, 250 },
		{ "0.5s", 0, 500 }, { "0", -EINVAL }, { "0s", -EINVAL }, { "", -EINVAL },
		{ "-5s", -EINVAL }, { "5x", -EINVAL }, { "s", -EINVAL }, { "1e3", 0, 1000000 },
		{ "0.1ms", -EINVAL }, { "400d", -EINVAL }, { " 5s", -EINVAL }, { "5 s", -EINVAL },
		{ "nan", -EINVAL }, { "inf", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ms = 0;
		int err = xc_parse_duration(cases[i].in, &ms);
		if (err != cases[i].err)
			fail_msg("'%s': %d, expected %d", cases[i].in, err, cases[i].err);
		if (!err)
			assert_int_equal(ms, cases[i].ms);
	}
	assert_int_equal(xc_parse_duration(NULL, &(uint64_t){ 0 }), -EINVAL);
}

static void test_gen_names(void **state)
{
	char buf[32];
	uint32_t g;

	xc_gen_name(42, buf, sizeof(buf));
	assert_string_equal(buf, "gen-000042");
	assert_int_equal(xc_gen_parse(buf, &g), 0);
	assert_int_equal(g, 42);
	xc_gen_name(12345678, buf, sizeof(buf));
	assert_string_equal(buf, "gen-12345678");
	assert_int_equal(xc_gen_parse(buf, &g), 0);
	assert_int_equal(g, 12345678);
	/* Temporary and foreign names are never generations. */
	static const char *bad[] = {
		"gen-00004", "gen-0000042x", ".gen-000042.xckpt-tmp-77", "gen-000000", "gen--00042",
		"gen-+00042", "gen-123456789", "Gen-000042", "gen-", "control", "gen-000042 ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!xc_gen_parse(bad[i], &g))
			fail_msg("'%s' taken for a generation", bad[i]);
}

static void test_newest_and_prune(void **state)
{
	uint32_t gens[] = { 3, 7, 1, 5, 6 }, out[5];
	size_t k;

	assert_int_equal(xc_gen_newest(gens, 5), 7);
	assert_int_equal(xc_gen_newest(gens, 0), 0);
	assert_int_equal(xc_gen_prune(gens, 5, 0, out), 0);	/* keep all */
	assert_int_equal(xc_gen_prune(gens, 5, 5, out), 0);
	assert_int_equal(xc_gen_prune(gens, 5, 9, out), 0);
	k = xc_gen_prune(gens, 5, 2, out);
	assert_int_equal(k, 3);
	for (size_t i = 0; i < k; i++)
		assert_true(out[i] == 3 || out[i] == 1 || out[i] == 5);
	k = xc_gen_prune(gens, 5, 1, out);
	assert_int_equal(k, 4);
	for (size_t i = 0; i < k; i++)
		assert_int_not_equal(out[i], 7);
}

static void test_prune_chains(void **state)
{
	/* 1 full ← 2 ← 3; 4 full ← 5; 6 full */
	uint32_t gens[] = { 5, 1, 3, 6, 2, 4 }, parents[] = { 4, 0, 2, 0, 1, 0 }, out[6];
	size_t k;

	assert_int_equal(xc_gen_prune_chains(gens, parents, 6, 0, out), 0);
	k = xc_gen_prune_chains(gens, parents, 6, 1, out);	/* 6 alone */
	assert_int_equal(k, 5);
	for (size_t i = 0; i < k; i++)
		assert_int_not_equal(out[i], 6);
	k = xc_gen_prune_chains(gens, parents, 6, 2, out);	/* 6, 5 and its parent 4 */
	assert_int_equal(k, 3);
	for (size_t i = 0; i < k; i++)
		assert_true(out[i] == 1 || out[i] == 2 || out[i] == 3);
	parents[3] = 3;	/* 6 ← 3 ← 2 ← 1: keep 1 keeps the whole chain */
	k = xc_gen_prune_chains(gens, parents, 6, 1, out);
	assert_int_equal(k, 2);
	for (size_t i = 0; i < k; i++)
		assert_true(out[i] == 4 || out[i] == 5);
	/* Damaged markers forming a cycle end the walk, not the program. */
	uint32_t cg[] = { 1, 2 }, cp[] = { 2, 1 };
	assert_int_equal(xc_gen_prune_chains(cg, cp, 2, 1, out), 0);
	/* Without parents it is the plain rule. */
	uint32_t zero[6] = { 0 };
	assert_int_equal(xc_gen_prune_chains(gens, zero, 6, 2, out), xc_gen_prune(gens, 6, 2, out));
}

static void test_signal(void **state)
{
	int sig = 0;

	assert_int_equal(xc_parse_signal("USR1", &sig), 0);
	assert_int_equal(sig, SIGUSR1);
	assert_int_equal(xc_parse_signal("SIGTERM", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(xc_parse_signal("12", &sig), 0);
	assert_int_equal(sig, 12);
	static const char *bad[] = { "KILL", "SIGSTOP", "9", "19", "17", "0", "64", "usr1", "", "USR1x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!xc_parse_signal(bad[i], &sig))
			fail_msg("'%s' accepted", bad[i]);
}

static void test_control(void **state)
{
	int pid = 0;
	static const char *bad[] = {
		"checkpoint", "checkpoint ", "checkpoint x", "checkpoint -5", "checkpoint 0",
		"checkpoint 12 13", "dump 12", "checkpoint 99999999", "CHECKPOINT 5",
		"checkpoint 12345678901234567890123456789012345678901234567890123456789012345",
	};

	assert_int_equal(xc_control_parse("checkpoint 1234\n", 16, &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(xc_control_parse("checkpoint 7\r\n", 14, &pid), 0);
	assert_int_equal(pid, 7);
	/* The length bounds the line: bytes beyond it are not read. */
	assert_int_equal(xc_control_parse("checkpoint 77", 12, &pid), 0);
	assert_int_equal(pid, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!xc_control_parse(bad[i], strlen(bad[i]), &pid))
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_gen_names),
		cmocka_unit_test(test_newest_and_prune),
		cmocka_unit_test(test_prune_chains),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
