/* Which private pages a child still shares with its parent process since
 * fork (tracer/cow.c), from their two pagemap entries. */
#include "unit.h"

#include "tracer/tracer.h"

#define PRESENT (1ULL << 63)
#define SWAPPED (1ULL << 62)
#define EXCL (1ULL << 56)

static void test_same_page(void **state)
{
	(void)state;
	assert_true(xc_cow_same_page(PRESENT | 0x1234, PRESENT | 0x1234));
	/* the parent may map it alone: the child is the one that counts */
	assert_true(xc_cow_same_page(PRESENT | 0x1234, PRESENT | EXCL | 0x1234));
	assert_false(xc_cow_same_page(PRESENT | EXCL | 0x1234, PRESENT | 0x1234));
	assert_false(xc_cow_same_page(PRESENT | 0x1234, PRESENT | 0x1235));	/* copied */
	assert_false(xc_cow_same_page(PRESENT, PRESENT));	/* no frame shown (not root) */
	assert_false(xc_cow_same_page(SWAPPED | 0x1234, SWAPPED | 0x1234));	/* swap entries */
	assert_false(xc_cow_same_page(PRESENT | 0x1234, 0x1234));
	assert_false(xc_cow_same_page(0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
