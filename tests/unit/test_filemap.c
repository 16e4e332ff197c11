/* --file-map OLD=NEW (restorer/filemap.c): what is well formed, and where
 * a recorded path is opened once the maps are applied. */
#include "unit.h"

#include "restorer/rst.h"

static void test_parse(void **state)
{
	static const struct {
		const char *m;
		int ret;
		size_t ol, nl;
	} cases[] = {
		{ "/data=/mnt/data", 0, 5, 9 },
		{ "/data/=/mnt/data/", 0, 5, 9 },	/* trailing slashes do not count */
		{ "/a/b.txt=/c.txt", 0, 8, 6 },
		{ "/data", -EINVAL },			/* no '=' */
		{ "data=/x", -EINVAL },			/* relative OLD */
		{ "/data=x", -EINVAL },			/* relative NEW */
		{ "/=/x", -EINVAL },			/* the root itself */
		{ "/x=/", -EINVAL },
		{ "/x=/y=/z", -EINVAL },
		{ "", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ol = 0, nl = 0;
		const char *nw;

		unit_eq(cases[i].m, xc_file_map_parse(cases[i].m, &ol, &nw, &nl), cases[i].ret);
		if (!cases[i].ret) {
			unit_eq(cases[i].m, ol, cases[i].ol);
			unit_eq(cases[i].m, nl, cases[i].nl);
		}
	}
}

static void test_apply(void **state)
{
	static const char *const maps[] = { "/data=/mnt/d", "/data/deep/=/other", "/one.txt=/two.txt",
					    "bad" };
	static const struct {
		const char *path, *want;
		int ret;
	} cases[] = {
		{ "/data/x.bin", "/mnt/d/x.bin", 1 },
		{ "/data", "/mnt/d", 1 },
		{ "/data/deep/y", "/other/y", 1 },		/* the longest OLD wins */
		{ "/database/x", "/database/x", 0 },	/* whole components only */
		{ "/one.txt", "/two.txt", 1 },
		{ "/one.txt.bak", "/one.txt.bak", 0 },
		{ "/elsewhere", "/elsewhere", 0 },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unit_eq(cases[i].path, xc_file_map_apply(maps, 4, cases[i].path, out, sizeof(out)),
			cases[i].ret);
		if (strcmp(out, cases[i].want))
			fail_msg("%s: %s, not %s", cases[i].path, out, cases[i].want);
	}
	assert_int_equal(xc_file_map_apply(maps, 4, "/data/a-very-long-name-that-does-not-fit-in-the-"
						   "buffer-at-all.txt", out, sizeof(out)),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
