/* The plugin registry: records handed to their owner, refusals of records no
 * plugin here can take, the range check of xc_plugin_put, and the device-use
 * scan on a fixture /proc tree. */
#include "unit.h"

#include "common/ctx.h"
#include "common/img.h"
#include "plugins/plugin.h"

static const uint64_t slack = 123457, zero = 0;

static struct xc_plugin_ctx *find(struct xc_plugins *ps, const char *name)
{
	for (size_t i = 0; i < ps->nr; i++)
		if (!strcmp(ps->pc[i].plugin->name, name))
			return &ps->pc[i];
	fail_msg("no plugin %s", name);
	return NULL;
}

static void test_owner(void **state)
{
	assert_non_null(xc_plugin_owner(0x1000));
	assert_string_equal(xc_plugin_owner(0x9000)->name, "example");
	assert_null(xc_plugin_owner(0x1f00));
	assert_true(xc_plugin_kind(0x1000) && xc_plugin_kind(0x9fff));
	assert_false(xc_plugin_kind(0x8015) || xc_plugin_kind(0x2000) || xc_plugin_kind(20));
}

static void test_restore_assigns_records(void **state)
{
	struct xc_plugin_rec recs[] = { { 0x1000, 8, &slack } };
	struct xc_plugins ps;
	struct xc_ctx ctx;

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, recs, 1, 42), 0);
	assert_true(find(&ps, "example")->active);
	assert_int_equal(find(&ps, "example")->nr_recs, 1);
	assert_ptr_equal(find(&ps, "example")->recs, &recs[0]);
	xc_plugins_fini(&ps, 0);
	assert_false(find(&ps, "example")->active);

	/* No records: the plugin stays out. */
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, NULL, 0, 42), 0);
	assert_false(find(&ps, "example")->active);
	xc_plugins_fini(&ps, 0);
}

static void test_restore_refusals(void **state)
{
	struct xc_plugin_rec unknown[] = { { 0x1f00, 8, &slack } };
	struct xc_plugin_rec optional[] = { { 0x9f00, 8, &slack } };
	struct xc_plugin_rec bad[] = { { 0x1000, 8, &zero } };
	struct xc_plugin_rec twice[] = { { 0x1000, 8, &slack }, { 0x1000, 8, &slack } };
	struct xc_plugins ps;
	struct xc_ctx ctx;

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, unknown, 1, 42), -ENOTSUP);
	assert_int_equal(ctx.exit_hint, XC_EXIT_IMAGE);
	assert_string_equal(ctx.first_err.obj, "plugin record kind 0x1f00");
	xc_plugins_fini(&ps, -ENOTSUP);

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, optional, 1, 42), 0);
	xc_plugins_fini(&ps, 0);

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, bad, 1, 42), -EBADMSG);
	assert_string_equal(ctx.first_err.step, "timer slack of 0");
	xc_plugins_fini(&ps, -EBADMSG);

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_RESTORE, twice, 2, 42), -EBADMSG);
	xc_plugins_fini(&ps, -EBADMSG);
}

static void test_dump_off_unless_asked(void **state)
{
	struct xc_plugins ps;
	struct xc_ctx ctx;

	xc_ctx_init(&ctx);
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_DUMP, NULL, 0, 42), 0);
	assert_false(find(&ps, "example")->active);
	xc_plugins_fini(&ps, 0);
	ctx.plugin_example = true;
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_DUMP, NULL, 0, 42), 0);
	assert_true(find(&ps, "example")->active);
	/* Not mine: nobody claims an ordinary mapping or fd. */
	assert_int_equal(xc_plugins_claim_fd(&ps, 42, 3, "/tmp/x", S_IFREG), -ENOTSUP);
	xc_plugins_fini(&ps, 0);
}

static void test_put_range(void **state)
{
	struct xc_plugins ps;
	struct xc_ctx ctx;
	struct xc_plugin_ctx *pc;

	xc_ctx_init(&ctx);
	ctx.plugin_example = true;
	assert_int_equal(xc_plugins_init(&ps, &ctx, XC_STAGE_DUMP, NULL, 0, 42), 0);
	pc = find(&ps, "example");
	/* Outside the dump hook there is no file to write to. */
	assert_int_equal(xc_plugin_put(pc, 0x1000, &slack, 8), -EINVAL);
	assert_int_equal(xc_plugin_put(pc, 0x1100, &slack, 8), -EINVAL);
	xc_plugins_fini(&ps, 0);
}

static void test_dev_use(void **state)
{
	struct xc_dev_use u;

	assert_int_equal(xc_plugin_dev_use(XC_FIXTURES "/plugins/proc", 4242, "/dev/nvidia", &u), 0);
	assert_int_equal(u.nr_fds, 3);
	assert_int_equal(u.nr_maps, 2);
	assert_true(u.first_fd >= 3);
	assert_memory_equal(u.first_path, "/dev/nvidia", 11);
	assert_int_equal(xc_plugin_dev_use(XC_FIXTURES "/plugins/proc", 4242, "/dev/infiniband/", &u), 0);
	assert_int_equal(u.nr_fds + u.nr_maps, 0);
	assert_int_equal(u.first_fd, -1);
	assert_int_equal(xc_plugin_dev_use(XC_FIXTURES "/plugins/proc", 1, "/dev/nvidia", &u), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_restore_assigns_records),
		cmocka_unit_test(test_restore_refusals),
		cmocka_unit_test(test_dump_off_unless_asked),
		cmocka_unit_test(test_put_range),
		cmocka_unit_test(test_dev_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
