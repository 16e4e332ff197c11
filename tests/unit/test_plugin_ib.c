/* The InfiniBand plugin: RDMA netlink replies (the .bin files of fixtures/ib, written
 * by fixtures/ib/gen.py) parsed into a process's verbs inventory, malformed
 * replies refused, detection on fixture /proc trees (fixtures/plugins/proc:
 * 4444 maps and holds uverbs0, 4545 only holds it open, 4343 has none), and
 * the refusal and --ignore-rdma decisions. This kernel has no
 * CONFIG_INFINIBAND: fixtures are all there is to test it on. */
#include "unit.h"

#include "common/ctx.h"
#include "plugins/ib/ib.h"

#define PROC XC_FIXTURES "/plugins/proc"

static const struct xc_plugin *P = &xc_ib_plugin;

static struct ib_inventory parse_all(uint32_t pid)
{
	static const char *const files[] = { "ib/res_qp.bin", "ib/res_cq.bin", "ib/res_mr.bin" };
	struct ib_inventory inv = { .known = true };

	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *b = unit_fixture(files[i], &len);

		assert_int_equal(ib_parse_res(b, len, pid, &inv), 1);
		free(b);
	}
	return inv;
}

static void test_devs(void **state)
{
	struct ib_dev devs[4];
	unsigned nr = 0;
	size_t len;
	char *b = unit_fixture("ib/devs.bin", &len);

	assert_int_equal(ib_parse_devs(b, len, devs, &nr, 4), 1);
	assert_int_equal(nr, 2);
	assert_int_equal(devs[1].index, 1);
	assert_string_equal(devs[0].name, "mlx5_0");
	assert_string_equal(devs[1].name, "mlx5_1");
	/* More devices than room: the rest are not written. */
	nr = 0;
	assert_int_equal(ib_parse_devs(b, len, devs, &nr, 1), 1);
	assert_int_equal(nr, 1);
	free(b);
}

static void test_inventory(void **state)
{
	struct ib_inventory inv = parse_all(4444);
	char text[512];

	assert_int_equal(inv.nr_qps, 2);	/* not the kernel's GSI QP, not pid 999's */
	assert_int_equal(inv.nr_cqs, 2);
	assert_int_equal(inv.nr_mrs, 2);
	assert_int_equal(inv.mr_bytes, (1 << 20) + 4096);
	assert_string_equal(inv.qps[0].dev, "mlx5_0");
	assert_int_equal(inv.qps[0].lqpn, 0x11);
	assert_int_equal(inv.qps[0].rqpn, 0x22);
	ib_format_inventory(&inv, text, sizeof(text));
	assert_string_equal(text, "2 QPs (mlx5_0 QP 0x11 RC RTS to QP 0x22, mlx5_0 QP 0x12 UD RTS), "
				  "2 CQs, 2 MRs (1028 KiB)");
	inv = parse_all(999);
	assert_int_equal(inv.nr_qps + inv.nr_cqs + inv.nr_mrs, 2);
	assert_string_equal(ib_qp_state_name(inv.qps[0].state), "INIT");
	inv = parse_all(1);
	ib_format_inventory(&inv, text, sizeof(text));
	assert_string_equal(text, "0 QPs, 0 CQs, 0 MRs (0 KiB)");
	inv.known = false;
	ib_format_inventory(&inv, text, sizeof(text));
	assert_string_equal(text, "verbs objects unknown: no RDMA netlink here");
}

static void test_malformed(void **state)
{
	struct ib_inventory inv = { 0 };
	size_t len;
	char *b = unit_fixture("ib/res_qp.bin", &len);
	uint16_t bad;

	/* An error reply: its errno. */
	{
		size_t elen;
		char *e = unit_fixture("ib/error.bin", &elen);
		assert_int_equal(ib_parse_res(e, elen, 4444, &inv), -EINVAL);
		free(e);
	}
	/* Cut short anywhere inside the first message: never read past. */
	for (size_t cut = 1; cut < len - 20; cut++) {
		int r;
		memset(&inv, 0, sizeof(inv));
		r = ib_parse_res(b, cut, 4444, &inv);
		assert_true(r == -EBADMSG || r == 0);
	}
	/* nlmsg_len beyond the buffer. */
	memcpy(b, &(uint32_t){ (uint32_t)len + 64 }, 4);
	assert_int_equal(ib_parse_res(b, len, 4444, &inv), -EBADMSG);
	free(b);
	/* An attribute longer than its message (the first attribute, DEV_INDEX). */
	b = unit_fixture("ib/res_qp.bin", &len);
	bad = 0x4000;
	memcpy(b + 16, &bad, 2);
	assert_int_equal(ib_parse_res(b, len, 4444, &inv), -EBADMSG);
	free(b);
	/* A device message without its index. */
	b = unit_fixture("ib/devs.bin", &len);
	{
		struct ib_dev devs[2];
		unsigned nr = 0;
		b[16 + 2] = 99;		/* DEV_INDEX becomes an unknown attribute */
		assert_int_equal(ib_parse_devs(b, len, devs, &nr, 2), -EBADMSG);
	}
	free(b);
}

struct t {
	struct xc_ctx ctx;
	struct xc_plugin_ctx pc;
	struct ib_inventory inv;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	xc_ctx_init(&t->ctx);
	t->pc.ctx = &t->ctx;
	t->pc.plugin = P;
	assert_int_equal(ib_start(&t->pc, XC_STAGE_DUMP, PROC, &t->inv), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	P->fini(&t->pc, XC_STAGE_DUMP, 0);
	free(t);
	return 0;
}

static void test_detect_and_refuse(void **state)
{
	struct t *t = *state;

	t->inv = parse_all(4444);
	/* No RDMA device in use: not ours, nothing claimed. */
	assert_int_equal(P->pause(&t->pc, 4343), 0);
	assert_int_equal(P->claim_fd(&t->pc, 4343, 0, "/dev/null", S_IFCHR), -ENOTSUP);
	/* Verbs in use: refused before the seize, with what and what instead. */
	assert_int_equal(P->pause(&t->pc, 4444), -ENOTSUP);
	assert_int_equal(t->ctx.exit_hint, XC_EXIT_UNSUPPORTED);
	assert_string_equal(t->ctx.first_err.step,
			    "verbs state cannot be saved; use TCP (UCX_TLS=tcp,self,sm) or its own checkpoint");
	assert_memory_equal(t->ctx.first_err.obj, "RDMA (/dev/infiniband/", 22);
	assert_non_null(strstr(t->ctx.first_err.obj, "2 QPs (mlx5_0 QP 0x11 RC RTS"));
	assert_int_equal(P->claim_fd(&t->pc, 4444, 3, "/dev/infiniband/uverbs0", S_IFCHR), -ENOTSUP);
	/* Where netlink does not answer, still refused. */
	xc_ctx_init(&t->ctx);
	t->inv.known = false;
	assert_int_equal(P->pause(&t->pc, 4545), -ENOTSUP);
	assert_non_null(strstr(t->ctx.first_err.obj, "verbs objects unknown"));
}

static void test_ignore_rdma(void **state)
{
	struct t *t = *state;

	t->ctx.ignore_rdma = true;
	/* A live mapping: refused all the same. */
	t->inv = parse_all(1);
	assert_int_equal(P->pause(&t->pc, 4444), -ENOTSUP);
	assert_string_equal(t->ctx.first_err.step, "--ignore-rdma refused: a verbs mapping is live");
	/* No mapping, but verbs objects: refused. */
	xc_ctx_init(&t->ctx);
	t->ctx.ignore_rdma = true;
	t->inv = parse_all(4444);
	assert_int_equal(P->pause(&t->pc, 4545), -ENOTSUP);
	assert_string_equal(t->ctx.first_err.step, "--ignore-rdma refused: verbs objects are live");
	/* An idle device fd: the dump goes on without it. */
	xc_ctx_init(&t->ctx);
	t->ctx.ignore_rdma = true;
	t->inv = parse_all(4545);
	assert_int_equal(P->pause(&t->pc, 4545), 0);
	assert_int_equal(P->claim_fd(&t->pc, 4545, 3, "/dev/infiniband/uverbs0", S_IFCHR), 0);
	assert_int_equal(P->claim_fd(&t->pc, 4545, 0, "/dev/null", S_IFCHR), -ENOTSUP);
	assert_int_equal(P->claim_fd(&t->pc, 4444, 3, "/dev/infiniband/uverbs0", S_IFCHR), -ENOTSUP);
}

static void test_no_restore_stage(void **state)
{
	struct xc_ctx ctx;
	struct xc_plugin_ctx pc = { .ctx = &ctx, .plugin = P };

	xc_ctx_init(&ctx);
	assert_int_equal(ib_start(&pc, XC_STAGE_RESTORE, PROC, NULL), -ENOTSUP);
	assert_null(pc.priv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devs),
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test_setup_teardown(test_detect_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_rdma, setup, teardown),
		cmocka_unit_test(test_no_restore_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
