/* Per-process attributes: how the parasite's answers become TASK_ATTRS
 * (tracer/attrs.c), and which answers refuse the dump. */
#include "unit.h"

#include <errno.h>

#include "common/img-format.h"
#include "restorer/rst.h"
#include "tracer/tracer.h"

static void convert(const struct xc_parasite_args *m, struct xc_rec_task_attrs *ta)
{
	memset(ta, 0xee, sizeof(*ta));	/* the converter must set what it owns */
	xc_attrs_from_misc(m, ta);
}

static void test_defaults(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	convert(&m, &ta);
	assert_int_equal(ta.thp_disable, 0);
	assert_int_equal(ta.child_subreaper, 0);
	assert_int_equal(ta.membarrier, 0);
	assert_null(xc_attrs_refusal(&m));
}

static void test_set(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	m.misc.thp_disable = 3;			/* disabled except where advised */
	m.misc.child_subreaper = 1;
	m.misc.membarrier = 1 << 4;		/* REGISTER_PRIVATE_EXPEDITED */
	convert(&m, &ta);
	assert_int_equal(ta.thp_disable, 3);
	assert_int_equal(ta.child_subreaper, 1);
	assert_int_equal(ta.membarrier, 1 << 4);
	assert_null(xc_attrs_refusal(&m));
}

/* A kernel without the question: not set. One that refused to answer:
 * the dump is refused, naming what could not be read. */
static void test_unknown_and_refused(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	m.misc.membarrier = -EINVAL;
	m.misc.thp_disable = -EINVAL;
	convert(&m, &ta);
	assert_int_equal(ta.membarrier, 0);
	assert_int_equal(ta.thp_disable, 0);
	assert_null(xc_attrs_refusal(&m));
	m.misc.membarrier = -EPERM;
	assert_non_null(strstr(xc_attrs_refusal(&m), "membarrier"));
	m.misc.membarrier = 0;
	m.misc.thp_disable = -EPERM;
	assert_non_null(strstr(xc_attrs_refusal(&m), "THP"));
	m.misc.thp_disable = 0;
	m.misc.child_subreaper = -EFAULT;
	assert_non_null(strstr(xc_attrs_refusal(&m), "SUBREAPER"));
}

/* Securebits would be lost: any bit refuses the thread, and so does a
 * kernel that would not say. */
static void test_securebits(void **state)
{
	struct xc_pthread_state ps = { 0 };

	(void)state;
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.securebits = 0x10;		/* SECBIT_KEEP_CAPS */
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "securebits"));
	ps.securebits = -EPERM;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "SECUREBITS"));
}

#define ALL 0x1ffffffffffull	/* capabilities 0-40 */
#define BIT(c) (1ull << (c))

/* Restoring as root: the saved sets come back as long as xckpt holds what
 * they need; fewer capabilities, a smaller bounding set, inheritable ones
 * outside it are all fine. */
static void test_caps_root(void **state)
{
	const struct rst_caps root = { ALL, ALL, 0, ALL, 0 };
	struct xc_rec_creds c = { .cap_eff = ALL, .cap_prm = ALL, .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_eff = c.cap_prm = ALL & ~BIT(13);
	c.cap_bnd = ALL & ~BIT(22);
	c.cap_inh = c.cap_amb = BIT(10);
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_inh = BIT(22);		/* dropped from the bounding set after */
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_prm = BIT(41);		/* a capability xckpt lacks */
	assert_non_null(strstr(rst_caps_refusal(&c, &root, true), "xckpt lacks"));
}

/* Root without CAP_SETPCAP sets no bounding set and no inheritable
 * capability outside its permitted set. */
static void test_caps_root_without_setpcap(void **state)
{
	const struct rst_caps own = { ALL & ~BIT(8), ALL & ~BIT(8), 0, ALL, 0 };
	struct xc_rec_creds c = { .cap_eff = BIT(1), .cap_prm = BIT(1), .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &own, true));
	c.cap_bnd = ALL & ~BIT(22);
	assert_non_null(strstr(rst_caps_refusal(&c, &own, true), "CAP_SETPCAP"));
	c.cap_bnd = ALL;
	c.cap_inh = BIT(8);
	assert_non_null(rst_caps_refusal(&c, &own, true));
}

/* Not as root (a user restoring, or root restoring a user's image as that
 * user): the process runs with no capability and xckpt's bounding set, so
 * it must have had exactly that. */
static void test_caps_user(void **state)
{
	const struct rst_caps user = { BIT(40), BIT(40), 0, ALL, 0 };	/* CAP_CHECKPOINT_RESTORE */
	struct xc_rec_creds c = { .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &user, false));
	c.cap_amb = c.cap_inh = c.cap_prm = BIT(10);
	assert_non_null(strstr(rst_caps_refusal(&c, &user, false), "only a restore by root"));
	c.cap_amb = c.cap_prm = 0;
	assert_non_null(rst_caps_refusal(&c, &user, false));
	c.cap_inh = 0;
	c.cap_bnd = ALL & ~BIT(22);
	assert_non_null(strstr(rst_caps_refusal(&c, &user, false), "bounding set"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_unknown_and_refused),
		cmocka_unit_test(test_securebits),
		cmocka_unit_test(test_caps_root),
		cmocka_unit_test(test_caps_root_without_setpcap),
		cmocka_unit_test(test_caps_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
