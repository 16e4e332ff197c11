/* The file queue (common/imgq.c): every file queued is on disk, whole and
 * in its own name, once the queue drains; a file that cannot be created
 * is the failure the drain reports, by name and step, and nothing queued
 * after it is created. */
#include "unit.h"

#include "common/imgq.h"

static char *bytes(size_t len, uint64_t seed)
{
	char *b = malloc(len ? len : 1);

	assert_non_null(b);
	unit_fill_random(b, len, seed);
	return b;
}

static void test_files_written(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 65536 + 7, 1 << 20 };
	char *dir = unit_mkdtemp(), path[4200], name[32];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct xc_imgq *q = xc_imgq_new();
	const char *bad, *step;

	(void)state;
	assert_true(dfd >= 0);
	assert_non_null(q);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		assert_int_equal(xc_imgq_put(q, dfd, name, bytes(sizes[i], i), sizes[i]), 0);
	}
	assert_int_equal(xc_imgq_drain(q, &bad, &step), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *want = bytes(sizes[i], i), *got;
		size_t len;

		snprintf(path, sizeof(path), "%s/f%zu", dir, i);
		got = unit_read_path(path, &len);
		unit_eq(path, len, sizes[i]);
		unit_eq(path, memcmp(got, want, len), 0);
		free(got);
		free(want);
	}
	xc_imgq_free(q);
	close(dfd);
	unit_rmdir(dir);
}

static void test_create_fails(void **state)
{
	char *dir = unit_mkdtemp(), path[4200];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct xc_imgq *q = xc_imgq_new();
	const char *bad, *step;
	struct stat st;
	int fd;

	(void)state;
	assert_true(dfd >= 0);
	assert_non_null(q);
	fd = openat(dfd, "taken", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(xc_imgq_put(q, dfd, "first", bytes(10, 1), 10), 0);
	assert_int_equal(xc_imgq_put(q, dfd, "taken", bytes(10, 2), 10), 0);
	assert_int_equal(xc_imgq_put(q, dfd, "after", bytes(10, 3), 10), 0);
	assert_int_equal(xc_imgq_drain(q, &bad, &step), -EEXIST);
	assert_string_equal(bad, "taken");
	assert_string_equal(step, "create");
	snprintf(path, sizeof(path), "%s/first", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 10);
	snprintf(path, sizeof(path), "%s/after", dir);
	assert_int_equal(stat(path, &st), -1);
	xc_imgq_free(q);
	close(dfd);
	unit_rmdir(dir);
}

/* Freed without a drain: what was queued is still written. */
static void test_free_drains(void **state)
{
	char *dir = unit_mkdtemp(), path[4200];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct xc_imgq *q = xc_imgq_new();
	struct stat st;

	(void)state;
	assert_true(dfd >= 0);
	assert_non_null(q);
	assert_int_equal(xc_imgq_put(q, dfd, "x", bytes(100, 4), 100), 0);
	xc_imgq_free(q);
	xc_imgq_free(NULL);
	snprintf(path, sizeof(path), "%s/x", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 100);
	close(dfd);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_written),
		cmocka_unit_test(test_create_fails),
		cmocka_unit_test(test_free_drains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
