/* xc_parse_status() and xc_parse_stat(): /proc/PID/status and stat captured
 * on a 6.18 kernel from a process named "a) b (c)" with a umask, groups and
 * signal masks set (fixtures/proc/capture.c), and from kthreadd; then
 * malformed input. */
#include "unit.h"

#include "tracer/proc/proc.h"

#define PF_KTHREAD 0x00200000u

/* ---- status ------------------------------------------------------------ */

static void test_status_fixture(void **state)
{
	struct xc_proc_status st;
	size_t len;
	char *buf = unit_fixture("proc/status", &len);

	assert_int_equal(xc_parse_status(buf, len, &st), 0);
	assert_string_equal(st.name, "a) b (c)");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.has_umask, 1);
	assert_int_equal(st.umask, 027);
	assert_int_equal(st.tgid, 10912);
	assert_int_equal(st.ppid, 10861);
	assert_int_equal(st.tracer_pid, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(st.uid[i], 0);
		assert_int_equal(st.gid[i], 0);
	}
	assert_int_equal(st.nr_groups, 3);
	assert_int_equal(st.groups[0], 4);
	assert_int_equal(st.groups[1], 24);
	assert_int_equal(st.groups[2], 1000);
	assert_int_equal(st.threads, 1);
	/* SIGUSR1 blocked and pending, SIGPIPE ignored, SIGTERM caught. */
	assert_int_equal(st.sig_pnd, 0x200);
	assert_int_equal(st.shd_pnd, 0);
	assert_int_equal(st.sig_blk, 0x200);
	assert_int_equal(st.sig_ign, 0x1000);
	assert_int_equal(st.sig_cgt, 0x4000);
	assert_int_equal(st.cap_inh, 0);
	assert_int_equal(st.cap_prm, 0x1fffeffffffull);
	assert_int_equal(st.cap_eff, 0x1fffeffffffull);
	assert_int_equal(st.cap_bnd, 0x1fffeffffffull);
	assert_int_equal(st.cap_amb, 0);
	assert_int_equal(st.no_new_privs, 0);
	assert_int_equal(st.seccomp, 0);
	assert_int_equal(st.kthread, 0);
	free(buf);
}

static void test_status_kthread(void **state)
{
	struct xc_proc_status st;
	size_t len;
	char *buf = unit_fixture("proc/status-kthread", &len);

	assert_int_equal(xc_parse_status(buf, len, &st), 0);
	assert_string_equal(st.name, "kthreadd");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.tgid, 2);
	assert_int_equal(st.ppid, 0);
	assert_int_equal(st.kthread, 1);
	assert_int_equal(st.nr_groups, 0);	/* "Groups:\t " */
	assert_int_equal(st.sig_ign, UINT64_MAX);
	assert_int_equal(st.cap_prm, 0x1ffffffffffull);
	free(buf);
}

/* Cut one "Key:\t...\n" line out of a NUL-terminated text. */
static void drop_line(char *text, size_t *len, const char *key)
{
	char *p = strstr(text, key), *nl;

	assert_non_null(p);
	nl = strchr(p, '\n');
	assert_non_null(nl);
	memmove(p, nl + 1, strlen(nl + 1) + 1);
	*len = strlen(text);
}

/* Kernels before 6.0 print no Kthread line and old ones no Umask: the parser
 * must say "unknown", not "no". */
static void test_status_old_kernel(void **state)
{
	struct xc_proc_status st;
	size_t len;
	char *buf = unit_fixture("proc/status", &len);

	drop_line(buf, &len, "Kthread:");
	drop_line(buf, &len, "Umask:");
	assert_int_equal(xc_parse_status(buf, len, &st), 0);
	assert_int_equal(st.kthread, -1);
	assert_int_equal(st.has_umask, 0);
	assert_int_equal(st.tgid, 10912);
	free(buf);
}

/* 64 supplementary groups fit struct xc_proc_status; 65 are refused. */
static void test_status_groups_limit(void **state)
{
	char text[1024], *p = text;
	struct xc_proc_status st;

	p += sprintf(p, "Tgid:\t5\nGroups:\t");
	for (int i = 0; i < 64; i++)
		p += sprintf(p, "%d ", 1000 + i);
	assert_int_equal(xc_parse_status(text, p - text, &st), 0);
	assert_int_equal(st.nr_groups, 64);
	assert_int_equal(st.groups[63], 1063);
	p += sprintf(p, "2000\n");
	assert_int_equal(xc_parse_status(text, p - text, &st), -E2BIG);
}

static const struct {
	const char *what, *text;
	int err;
} status_bad[] = {
	{ "empty", "", -EINVAL },
	{ "no Tgid", "Name:\tx\nState:\tS (sleeping)\n", -EINVAL },
	{ "line without colon", "Name:\tx\nTgid:\t5\ngarbage\n", -EINVAL },
	{ "Uid with three ids", "Tgid:\t5\nUid:\t0\t0\t0\n", -EINVAL },
	{ "Gid not numeric", "Tgid:\t5\nGid:\ta\tb\tc\td\n", -EINVAL },
	{ "SigBlk not hex", "Tgid:\t5\nSigBlk:\tzz\n", -EINVAL },
	{ "CapEff empty", "Tgid:\t5\nCapEff:\n", -EINVAL },
};

static void test_status_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(status_bad) / sizeof(status_bad[0]); i++) {
		struct xc_proc_status st;

		unit_eq(status_bad[i].what,
			xc_parse_status(status_bad[i].text, strlen(status_bad[i].text), &st),
			status_bad[i].err);
	}
}

/* ---- stat -------------------------------------------------------------- */

/* Values cross-check with fixtures/proc/maps from the same process:
 * start_code is the r-xp /tmp/capture VMA, start_brk the [heap] start. */
static void test_stat_fixture(void **state)
{
	struct xc_proc_stat st;
	size_t len;
	char *buf = unit_fixture("proc/stat", &len);

	assert_int_equal(xc_parse_stat(buf, len, &st), 0);
	assert_int_equal(st.pid, 10912);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 10861);
	assert_int_equal(st.pgid, 10861);
	assert_int_equal(st.sid, 6623);
	assert_int_equal(st.tty_nr, 0);		/* no controlling terminal */
	assert_int_equal(st.tpgid, -1);
	assert_int_equal(st.flags, 0x400100);
	assert_int_equal(st.start_code, 0x558b7abdf000ull);
	assert_int_equal(st.end_code, 0x558b7abdf90dull);
	assert_int_equal(st.start_stack, 0x7ffc3b5da6c0ull);
	assert_int_equal(st.exit_signal, 17);
	assert_int_equal(st.start_data, 0x558b7abe1dd0ull);
	assert_int_equal(st.end_data, 0x558b7abe2100ull);
	assert_int_equal(st.start_brk, 0x558b9ea7c000ull);
	assert_int_equal(st.arg_start, 0x7ffc3b5daa6eull);
	assert_int_equal(st.arg_end, 0x7ffc3b5daa7dull);
	assert_int_equal(st.env_start, 0x7ffc3b5daa7dull);
	assert_int_equal(st.env_end, 0x7ffc3b5dafebull);
	free(buf);
}

static void test_stat_kthread(void **state)
{
	struct xc_proc_stat st;
	size_t len;
	char *buf = unit_fixture("proc/stat-kthread", &len);

	assert_int_equal(xc_parse_stat(buf, len, &st), 0);
	assert_int_equal(st.pid, 2);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 0);
	assert_true(st.flags & PF_KTHREAD);
	assert_int_equal(st.start_code, 0);
	assert_int_equal(st.env_end, 0);
	free(buf);
}

/* A stat line with the given comm and fields 4..52 numbered so that field k
 * holds 1000 + k (tpgid, field 8, is -1 as on a real system). */
static size_t make_stat(char *buf, size_t cap, const char *comm, int last_field)
{
	int n = snprintf(buf, cap, "1234 (%s) S", comm);

	for (int k = 4; k <= last_field; k++)
		n += snprintf(buf + n, cap - n, k == 8 ? " -1" : " %d", 1000 + k);
	n += snprintf(buf + n, cap - n, "\n");
	return n;
}

/* The comm may hold spaces and ')' : fields count from the last ')'. */
static void test_stat_comm(void **state)
{
	static const char *comms[] = { "a) b (c)", ")", "((", "x y z", ") S 1 2 3" };

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		const char *l = comms[i];
		struct xc_proc_stat st;
		char buf[1024];
		size_t len = make_stat(buf, sizeof(buf), comms[i], 52);

		unit_eq(l, xc_parse_stat(buf, len, &st), 0);
		unit_eq(l, st.pid, 1234);
		unit_eq(l, st.state, 'S');
		unit_eq(l, st.ppid, 1004);
		unit_eq(l, st.pgid, 1005);
		unit_eq(l, st.sid, 1006);
		unit_eq(l, st.flags, 1009);
		unit_eq(l, st.start_code, 1026);
		unit_eq(l, st.end_code, 1027);
		unit_eq(l, st.start_stack, 1028);
		unit_eq(l, st.exit_signal, 1038);
		unit_eq(l, st.start_data, 1045);
		unit_eq(l, st.end_data, 1046);
		unit_eq(l, st.start_brk, 1047);
		unit_eq(l, st.arg_start, 1048);
		unit_eq(l, st.arg_end, 1049);
		unit_eq(l, st.env_start, 1050);
		unit_eq(l, st.env_end, 1051);
	}
}

static void test_stat_malformed(void **state)
{
	static const struct { const char *what, *text; } bad[] = {
		{ "empty", "" },
		{ "no parentheses", "1234 a S 1 2 3\n" },
		{ "nothing after comm", "1234 (a)" },
		{ "no space after comm", "1234 (a)S 1 2 3\n" },
		{ "no state", "1234 (a) " },
		{ "only a few fields", "1234 (a) S 1 2 3 4 5\n" },
	};
	struct xc_proc_stat st;
	char buf[4096];
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		unit_eq(bad[i].what, xc_parse_stat(bad[i].text, strlen(bad[i].text), &st), -EINVAL);

	/* One field short of exit_code (field 52), as on kernels before 3.5. */
	len = make_stat(buf, sizeof(buf), "a", 51);
	assert_int_equal(xc_parse_stat(buf, len, &st), -EINVAL);
	len = make_stat(buf, sizeof(buf), "a", 52);
	assert_int_equal(xc_parse_stat(buf, len, &st), 0);

	/* A field that is not a number. */
	len = make_stat(buf, sizeof(buf), "a", 52);
	memcpy(strstr(buf, " 1020 "), " 10x0 ", 6);
	assert_int_equal(xc_parse_stat(buf, len, &st), -EINVAL);

	/* Longer than any real stat line (the parser's copy holds 2047 bytes). */
	len = make_stat(buf, sizeof(buf), "a", 52);
	memset(buf + len - 1, ' ', sizeof(buf) - len);
	buf[sizeof(buf) - 1] = '\n';
	assert_int_equal(xc_parse_stat(buf, sizeof(buf), &st), -EINVAL);
}

/* /proc/PID/limits: fixed columns, "unlimited", names with spaces. */
static void test_limits(void **state)
{
	static const char txt[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max file size             1024                 unlimited            bytes     \n"
		"Max open files            123                  1048576              files     \n";
	struct xc_limit l[3];

	assert_int_equal(xc_parse_limits(txt, strlen(txt), l, 3), 0);
	assert_true(l[0].cur == ~0ULL && l[0].max == ~0ULL);
	assert_true(l[1].cur == 1024 && l[1].max == ~0ULL);
	assert_true(l[2].cur == 123 && l[2].max == 1048576);
	assert_int_equal(xc_parse_limits(txt, strlen(txt), l, 4), -EINVAL);	/* too few lines */
	assert_int_equal(xc_parse_limits(txt + 5, strlen(txt) - 5, l, 1), -EINVAL);	/* no header */
	static const char bad[] = "Limit\nMax cpu time              soft                 1\n";
	assert_int_equal(xc_parse_limits(bad, strlen(bad), l, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_fixture),
		cmocka_unit_test(test_status_kthread),
		cmocka_unit_test(test_status_old_kernel),
		cmocka_unit_test(test_status_groups_limit),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_stat_fixture),
		cmocka_unit_test(test_stat_kthread),
		cmocka_unit_test(test_stat_comm),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
