/* Per-process attributes: how the parasite's answers become TASK_ATTRS
 * (tracer/attrs.c), and which answers refuse the dump. */
#include "unit.h"

#include <errno.h>

#include "common/img-format.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_unknown_and_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
