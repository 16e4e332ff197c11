/* restorer/hugetlb.c: how many huge pages a restore takes from the pool,
 * counted before anything is created. */
#include "unit.h"

#include "restorer/rst.h"

#define MB (1ull << 20)
#define BASE 0x7f0000000000ull

static struct xc_rec_vma vma(uint64_t start, uint64_t len, uint32_t kind, uint32_t shift,
			     uint32_t vmflags, uint32_t ino, uint64_t pgoff)
{
	return (struct xc_rec_vma){ .start = BASE + start, .end = BASE + start + len, .kind = kind,
				    .hpage_shift = shift, .vmflags = vmflags, .shm_ino = ino,
				    .pgoff = pgoff };
}

static uint64_t need(const struct xc_rec_vma *v, size_t n, const struct xc_page_run *runs,
		     size_t nr_runs, uint32_t shift)
{
	const struct xc_rec_vma *p[16];
	uint32_t seen[16];
	size_t nr_seen = 0;

	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	return rst_hugetlb_need(p, n, runs, nr_runs, 4096, shift, seen, &nr_seen);
}

/* Without MAP_NORESERVE the mmap reserves the whole mapping. */
static void test_reserved(void **state)
{
	const struct xc_rec_vma v[] = {
		vma(0, 4 * MB, XC_VMA_ANON, 21, 0, 0, 0),
		vma(8 * MB, MB, XC_VMA_ANON, 0, 0, 0, 0),		/* not hugetlb */
		vma(16 * MB, 2 * MB, XC_VMA_SHANON, 21, 0, 5, 0),
		vma(1ull << 30, 1ull << 30, XC_VMA_ANON, 30, 0, 0, 0),	/* 1 GiB pages */
	};

	(void)state;
	assert_int_equal(need(v, 4, NULL, 0, 21), 3);
	assert_int_equal(need(v, 4, NULL, 0, 30), 1);
	assert_int_equal(need(v, 4, NULL, 0, 16), 0);
}

/* Mappings of one shared object: the object once, as large as its furthest
 * mapping reaches. */
static void test_shared_once(void **state)
{
	const struct xc_rec_vma v[] = {
		vma(0, 2 * MB, XC_VMA_SHANON, 21, 0, 7, 0),
		vma(4 * MB, 2 * MB, XC_VMA_SHANON, 21, 0, 7, 0),	/* the same pages again */
		vma(8 * MB, 2 * MB, XC_VMA_SHANON, 21, 0, 7, 4 * MB),	/* further in: 6 MiB */
		vma(12 * MB, 2 * MB, XC_VMA_SHANON, 21, 0, 9, 0),	/* another object */
	};

	(void)state;
	assert_int_equal(need(v, 4, NULL, 0, 21), 3 + 1);
}

/* MAP_NORESERVE: only the huge pages the image writes into, each once. */
static void test_noreserve(void **state)
{
	const struct xc_rec_vma v[] = {
		vma(0, 8 * MB, XC_VMA_ANON, 21, XC_VMF_NORESERVE, 0, 0),
		vma(8 * MB, 2 * MB, XC_VMA_ANON, 21, XC_VMF_NORESERVE, 0, 0),
	};
	const struct xc_page_run runs[] = {
		{ BASE + 0x1000, 2 },			/* huge page 0 */
		{ BASE + 0x10000, 1 },			/* huge page 0 again */
		{ BASE + 2 * MB - 0x1000, 2 },		/* the end of 0, the start of 1 */
		{ BASE + 6 * MB, 1 },			/* huge page 3 */
		{ BASE + 9 * MB, 1 },			/* the second mapping */
	};

	(void)state;
	assert_int_equal(need(v, 1, runs, 4, 21), 3);
	assert_int_equal(need(v, 2, runs, 5, 21), 4);
	assert_int_equal(need(v, 2, NULL, 0, 21), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_shared_once),
		cmocka_unit_test(test_noreserve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
