/* Write tracking's decisions (tracer/track.h): whether a dump takes
 * unwritten pages from its parent unread, and what becomes of the tracking
 * afterwards; how a scanned region is judged; the ranges armed again. */
#include "unit.h"

#include "common/img-format.h"
#include "tracer/tracer.h"

struct plan_case {
	const char *label;
	struct xc_track_in in;
	bool use;
	enum xc_track_end end;
	const char *why;		/* a word the reason must contain, NULL: none */
};

#define P 1000			/* the parent's created_ns */
#define O 999			/* another image's */

static const struct plan_case plan_cases[] = {
	/* in: held, base, parent, in_parent, arm, leave_running, kernel_ok, device */
	{ "tracked since the parent, final dump", { 1, P, P, 1, 0, 0, 1 }, 1, XC_TRACK_CLOSE },
	{ "tracked since the parent, -R: dropped (no next generation asked)",
	  { 1, P, P, 1, 0, 1, 1 }, 1, XC_TRACK_CLOSE },
	{ "tracked since the parent, -R --track: armed again", { 1, P, P, 1, 1, 1, 1 }, 1,
	  XC_TRACK_ARM },
	{ "tracked against another image: hashes, kept for that image", { 1, O, P, 1, 0, 1, 1 }, 0,
	  XC_TRACK_KEEP, "another image" },
	{ "tracked, no --parent, -R: kept unchanged", { 1, P, 0, 0, 0, 1, 1 }, 0, XC_TRACK_KEEP },
	{ "tracked, no --parent, killed", { 1, P, 0, 0, 0, 0, 1 }, 0, XC_TRACK_CLOSE },
	{ "tracked, no --parent, --track: armed against this one", { 1, P, 0, 0, 1, 1, 1 }, 0,
	  XC_TRACK_ARM },
	{ "no keeper: hashes", { 0, 0, P, 1, 0, 0, 1 }, 0, XC_TRACK_CLOSE, "no write tracking" },
	{ "no keeper, pre-dump: armed", { 0, 0, P, 1, 1, 1, 1 }, 0, XC_TRACK_ARM,
	  "no write tracking" },
	{ "kernel without async write-protect: never armed", { 0, 0, 0, 0, 1, 1, 0 }, 0,
	  XC_TRACK_CLOSE },
	{ "kernel without it, parent: hashes", { 0, 0, P, 1, 1, 1, 0 }, 0, XC_TRACK_CLOSE,
	  "no write tracking" },
	/* A process new since the parent has nothing to compare with. */
	{ "process not in the parent", { 1, P, P, 0, 0, 0, 1 }, 0, XC_TRACK_CLOSE },
	{ "process not in the parent, no keeper: no reason printed", { 0, 0, P, 0, 0, 0, 1 }, 0,
	  XC_TRACK_CLOSE },
	/* DMA into pinned pages clears no bit: never trusted, never armed. */
	{ "device mapping: hashes", { 1, P, P, 1, 0, 0, 1, 1 }, 0, XC_TRACK_CLOSE, "device" },
	{ "device mapping, --track: not armed", { 1, P, P, 1, 1, 1, 1, 1 }, 0, XC_TRACK_CLOSE,
	  "device" },
};

static void test_plan(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct xc_track_plan p;

		xc_track_plan(&c->in, &p);
		if (p.use != c->use || p.end != c->end)
			fail_msg("%s: use %d end %d, want use %d end %d", c->label, p.use, p.end,
				 c->use, c->end);
		if (!c->why && p.why)
			fail_msg("%s: unexpected reason '%s'", c->label, p.why);
		if (c->why && (!p.why || !strstr(p.why, c->why)))
			fail_msg("%s: reason '%s' lacks '%s'", c->label, p.why ? p.why : "(none)",
				 c->why);
	}
}

static void test_ranges(void **state)
{
	struct xc_track_ranges r = { 0 };

	(void)state;
	assert_int_equal(xc_track_ranges_add(&r, 0x1000, 0x3000), 0);
	assert_int_equal(xc_track_ranges_add(&r, 0x3000, 0x4000), 0);	/* merged */
	assert_int_equal(xc_track_ranges_add(&r, 0x8000, 0x9000), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].start, 0x1000);
	assert_int_equal(r.v[0].end, 0x4000);
	assert_int_equal(r.v[1].start, 0x8000);
	for (uint64_t a = 0x10000; a < 0x10000 + 200 * 0x2000; a += 0x2000)	/* grows */
		assert_int_equal(xc_track_ranges_add(&r, a, a + 0x1000), 0);
	assert_int_equal(r.n, 202);
	xc_track_ranges_free(&r);
	assert_int_equal(r.n, 0);
}

/* A scanned region is judged as its pagemap entries would be. */
struct scan_case {
	const char *label;
	uint32_t kind;
	uint64_t categories;
	bool wanted;
};

static const struct scan_case scan_cases[] = {
	{ "anon present", XC_VMA_ANON, XC_PAGE_IS_PRESENT, 1 },
	{ "anon present, written", XC_VMA_ANON, XC_PAGE_IS_PRESENT | XC_PAGE_IS_WRITTEN, 1 },
	{ "anon swapped", XC_VMA_ANON, XC_PAGE_IS_SWAPPED, 1 },
	{ "anon zero page", XC_VMA_ANON, XC_PAGE_IS_PRESENT | XC_PAGE_IS_PFNZERO, 1 },
	{ "anon hole", XC_VMA_ANON, XC_PAGE_IS_WRITTEN, 0 },
	{ "private file, the file's page", XC_VMA_FILE_PRIV, XC_PAGE_IS_PRESENT | XC_PAGE_IS_FILE, 0 },
	{ "private file, copied on write", XC_VMA_FILE_PRIV, XC_PAGE_IS_PRESENT, 1 },
	{ "private file, swapped", XC_VMA_FILE_PRIV, XC_PAGE_IS_SWAPPED, 1 },
	{ "private file, hole", XC_VMA_FILE_PRIV, 0, 0 },
};

static void test_scan(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]); i++) {
		const struct scan_case *c = &scan_cases[i];
		bool w = xc_page_wanted(c->kind, xc_track_pagemap_bits(c->categories));

		if (w != c->wanted)
			fail_msg("%s: wanted %d, want %d", c->label, w, c->wanted);
	}
	assert_true(xc_track_is_guard(XC_PAGE_IS_SWAPPED | XC_PAGE_IS_GUARD));
	assert_false(xc_track_is_guard(XC_PAGE_IS_SWAPPED));
	assert_true(xc_track_is_zero_page(XC_PAGE_IS_PRESENT | XC_PAGE_IS_PFNZERO));
	assert_true(xc_track_is_written(XC_PAGE_IS_PRESENT | XC_PAGE_IS_WRITTEN));
	assert_false(xc_track_is_written(XC_PAGE_IS_PRESENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
