/* Incremental image chains (common/imgchain.c): where each page of the
 * newest image comes from, resolved over the levels of a chain. */
#include "unit.h"

#include "common/imgchain.h"

#define PAGE 4096u
#define P(n) ((uint64_t)(n) * PAGE)
#define PARENT XC_RUN_PARENT

struct level {
	struct xc_page_run runs[4];
	size_t nr;
	uint64_t first[4];
};

static void build(struct level *l, size_t nlv, struct xc_plevel *out)
{
	for (size_t i = 0; i < nlv; i++) {
		xc_runs_prefix(l[i].runs, l[i].nr, l[i].first, NULL);
		out[i] = (struct xc_plevel){ l[i].runs, l[i].nr, l[i].first };
	}
}

/* Three levels: the base holds 600 pages at 0x100000 (three blocks), the
 * middle changed pages 10-19 and keeps the rest, the top changed 15-16 and
 * a page the others never had. */
static void test_resolve_three(void **state)
{
	struct level l[3] = {
		{ { { 0x100000, 10, PARENT }, { 0x100000 + P(10), 1, 0 }, { 0x100000 + P(11), 589, PARENT },
		    { 0x900000, 1, 0 } }, 4 },
		{ { { 0x100000, 10, PARENT }, { 0x100000 + P(10), 10, 0 }, { 0x100000 + P(20), 580, PARENT } },
		  3 },
		{ { { 0x100000, 600, 0 } }, 1 },
	};
	static const struct xc_pseg want[] = {
		{ 0x100000, 0, 10, 2 },			/* base, block 0 */
		{ 0x100000 + P(10), 0, 1, 0 },		/* top */
		{ 0x100000 + P(11), 1, 9, 1 },		/* middle: its pages 11-19 */
		{ 0x100000 + P(20), 20, 236, 2 },	/* base, rest of block 0 */
		{ 0x100000 + P(256), 256, 256, 2 },	/* base, block 1 */
		{ 0x100000 + P(512), 512, 88, 2 },	/* base, block 2 */
		{ 0x900000, 1, 1, 0 },			/* top */
	};
	struct xc_plevel lv[3];
	struct xc_pseg *segs;
	size_t n;
	uint64_t bad;

	(void)state;
	build(l, 3, lv);
	assert_int_equal(xc_chain_resolve(lv, 3, PAGE, &segs, &n, &bad), 0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		char what[32];

		snprintf(what, sizeof(what), "segment %zu", i);
		unit_eq(what, segs[i].vaddr, want[i].vaddr);
		unit_eq(what, segs[i].stream, want[i].stream);
		unit_eq(what, segs[i].nr_pages, want[i].nr_pages);
		unit_eq(what, segs[i].level, want[i].level);
	}
	free(segs);
}

/* A full image: its runs, cut at block boundaries. */
static void test_resolve_full(void **state)
{
	struct level l[1] = { { { { 0x10000, 300, 0 }, { 0x800000, 300, 0 } }, 2 } };
	struct xc_plevel lv[1];
	struct xc_pseg *segs;
	size_t n;
	uint64_t bad, pages = 0;

	(void)state;
	build(l, 1, lv);
	assert_int_equal(xc_chain_resolve(lv, 1, PAGE, &segs, &n, &bad), 0);
	assert_int_equal(n, 4);	/* 256 + 44 | 212 + 88 */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(segs[i].level, 0);
		assert_true(segs[i].stream / 256 == (segs[i].stream + segs[i].nr_pages - 1) / 256);
		pages += segs[i].nr_pages;
	}
	assert_int_equal(pages, 600);
	free(segs);
}

/* A page kept "in the parent" that no parent holds: refused, with where. */
static void test_resolve_missing(void **state)
{
	struct level gap[2] = {
		{ { { 0x100000, 4, PARENT } }, 1 },
		{ { { 0x100000, 2, 0 }, { 0x100000 + P(3), 1, 0 } }, 2 },
	};
	struct level nobase[1] = { { { { 0x100000, 4, PARENT } }, 1 } };
	struct xc_plevel lv[2];
	struct xc_pseg *segs;
	size_t n;
	uint64_t bad;

	(void)state;
	build(gap, 2, lv);
	assert_int_equal(xc_chain_resolve(lv, 2, PAGE, &segs, &n, &bad), -EBADMSG);
	assert_int_equal(bad, 0x100000 + P(2));
	assert_null(segs);
	build(nobase, 1, lv);
	assert_int_equal(xc_chain_resolve(lv, 1, PAGE, &segs, &n, &bad), -EBADMSG);
	assert_int_equal(bad, 0x100000);
}

/* Parent runs count in no stream: the index check covers only the others. */
static void test_index_parent_runs(void **state)
{
	struct xc_page_run runs[] = { { 0x1000, 3, PARENT }, { 0x4000, 2, 0 } };
	struct xc_page_block blk = { 32, 2 * PAGE, 2 * PAGE, 0 };
	const char *why;

	(void)state;
	assert_int_equal(xc_page_index_check(runs, 2, &blk, 1, PAGE, &why), 0);
	blk.raw_len = blk.comp_len = 5 * PAGE;
	assert_int_equal(xc_page_index_check(runs, 2, &blk, 1, PAGE, &why), -EBADMSG);
	blk.raw_len = blk.comp_len = 2 * PAGE;
	runs[0].flags = 0x4;	/* unknown flag */
	assert_int_equal(xc_page_index_check(runs, 2, &blk, 1, PAGE, &why), -EBADMSG);
	runs[0].flags = XC_RUN_FORKED;	/* in the parent process: no stream either */
	assert_int_equal(xc_page_index_check(runs, 2, &blk, 1, PAGE, &why), 0);
	runs[0].flags = XC_RUN_FORKED | PARENT;	/* never both */
	assert_int_equal(xc_page_index_check(runs, 2, &blk, 1, PAGE, &why), -EBADMSG);
	runs[0].flags = PARENT;
	runs[1].flags = PARENT;	/* all in the parent: no blocks */
	assert_int_equal(xc_page_index_check(runs, 2, NULL, 0, PAGE, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_three),
		cmocka_unit_test(test_resolve_full),
		cmocka_unit_test(test_resolve_missing),
		cmocka_unit_test(test_index_parent_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
