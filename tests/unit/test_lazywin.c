/* Windows of a lazily restored process (restorer/lazywin.c): where each
 * image page is now, after madvise, munmap and mremap. */
#include "unit.h"

#include "restorer/lazywin.h"

#define K(n) ((uint64_t)(n) << 12)

static struct rst_lwins one(uint64_t start, uint64_t end)
{
	struct rst_lwins ws = { malloc(sizeof(struct rst_lwin)), 1 };

	ws.w[0] = (struct rst_lwin){ start, end, start };
	return ws;
}

static void want_img(const struct rst_lwins *ws, uint64_t a, bool has, uint64_t ia)
{
	uint64_t got = 0;

	assert_int_equal(rst_lwin_to_img(ws, a, &got), has);
	if (has)
		assert_int_equal(got, ia);
}

/* madvise: the range is reported, the windows stay. */
static void test_remove_keeps(void **state)
{
	struct rst_lwins ws = one(K(100), K(200));
	struct rst_lwin out[2];
	size_t n;

	assert_int_equal(rst_lwin_cut(&ws, K(150), K(160), false, out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].start, K(150));
	assert_int_equal(out[0].end, K(160));
	assert_int_equal(out[0].img, K(150));
	want_img(&ws, K(155), true, K(155));
	free(ws.w);
}

/* munmap in the middle: two windows left, the hole maps nowhere. */
static void test_unmap_middle(void **state)
{
	struct rst_lwins ws = one(K(100), K(200));
	struct rst_lwin out[2];
	size_t n;

	assert_int_equal(rst_lwin_cut(&ws, K(150), K(160), true, out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ws.n, 2);
	want_img(&ws, K(149), true, K(149));
	want_img(&ws, K(150), false, 0);
	want_img(&ws, K(159), false, 0);
	want_img(&ws, K(160), true, K(160));
	assert_null(rst_lwin_of_img(&ws, K(155)));
	assert_non_null(rst_lwin_of_img(&ws, K(199)));
	free(ws.w);
}

/* A range across no window: nothing reported, nothing changed. */
static void test_unmap_elsewhere(void **state)
{
	struct rst_lwins ws = one(K(100), K(200));
	struct rst_lwin out[2];
	size_t n;

	assert_int_equal(rst_lwin_cut(&ws, K(200), K(300), true, out, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ws.n, 1);
	want_img(&ws, K(199), true, K(199));
	free(ws.w);
}

/* mremap of part of a window elsewhere, then back over the rest: each
 * image page is where it went; what the second move unmapped is gone. */
static void test_move(void **state)
{
	struct rst_lwins ws = one(K(100), K(200));
	struct rst_lwin gone[4];
	size_t n;

	assert_int_equal(rst_lwin_move(&ws, K(120), K(1000), K(30), gone, &n), 0);
	assert_int_equal(n, 0);
	want_img(&ws, K(119), true, K(119));
	want_img(&ws, K(120), false, 0);
	want_img(&ws, K(1000), true, K(120));
	want_img(&ws, K(1029), true, K(149));
	want_img(&ws, K(1030), false, 0);
	want_img(&ws, K(150), true, K(150));
	assert_int_equal(rst_lwin_of_img(&ws, K(125))->start, K(1000));

	/* Back onto [170, 200): those image pages were unmapped by it. */
	assert_int_equal(rst_lwin_move(&ws, K(1000), K(170), K(30), gone, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(gone[0].img, K(170));
	assert_int_equal(gone[0].end - gone[0].start, K(30));
	want_img(&ws, K(170), true, K(120));
	want_img(&ws, K(199), true, K(149));
	want_img(&ws, K(1000), false, 0);
	assert_null(rst_lwin_of_img(&ws, K(180)));
	free(ws.w);
}

/* A move across two windows keeps both pieces, each with its own image. */
static void test_move_across(void **state)
{
	struct rst_lwins ws = { calloc(2, sizeof(struct rst_lwin)), 2 };
	struct rst_lwin gone[4];
	size_t n;

	ws.w[0] = (struct rst_lwin){ K(100), K(110), K(500) };
	ws.w[1] = (struct rst_lwin){ K(110), K(120), K(700) };
	assert_int_equal(rst_lwin_move(&ws, K(105), K(2000), K(10), gone, &n), 0);
	want_img(&ws, K(2000), true, K(505));
	want_img(&ws, K(2004), true, K(509));
	want_img(&ws, K(2005), true, K(700));
	want_img(&ws, K(2009), true, K(704));
	want_img(&ws, K(104), true, K(504));
	want_img(&ws, K(115), true, K(705));
	want_img(&ws, K(110), false, 0);
	free(ws.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_keeps),
		cmocka_unit_test(test_unmap_middle),
		cmocka_unit_test(test_unmap_elsewhere),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_move_across),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
