/* The direct writer (common/dwrite.c): whatever the sizes of the pieces
 * written, the file holds exactly the bytes given, in order, with O_DIRECT
 * where the file system takes it and through the page cache where not. */
#include "unit.h"

#include "common/dwrite.h"

static uint8_t byte_at(uint64_t i)
{
	return (uint8_t)(i * 7 / 5 + (i >> 20));
}

/* Writes total bytes in pieces of step (the last shorter), checks them. */
static void write_check(const char *dir, size_t total, size_t step)
{
	char path[4096], what[64];
	uint8_t *b = malloc(step ? step : 1), *back;
	struct xc_dw *dw;
	size_t len, off = 0;
	int fd;

	snprintf(what, sizeof(what), "%zu bytes by %zu", total, step);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_non_null(b);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	dw = xc_dw_new(fd);
	assert_non_null(dw);
	while (off < total) {
		size_t n = total - off < step ? total - off : step;

		for (size_t i = 0; i < n; i++)
			b[i] = byte_at(off + i);
		unit_eq(what, xc_dw_write(dw, b, n), 0);
		off += n;
	}
	unit_eq(what, xc_dw_finish(dw), 0);
	xc_dw_free(dw);
	close(fd);
	back = (uint8_t *)unit_read_path(path, &len);
	unit_eq(what, len, total);
	for (size_t i = 0; i < total; i++)
		if (back[i] != byte_at(i))
			fail_msg("%s: byte %zu is %#x, want %#x", what, i, back[i], byte_at(i));
	free(back);
	free(b);
	unlink(path);
}

static void sizes(const char *dir)
{
	static const size_t cases[][2] = {
		{ 0, 1 }, { 1, 1 }, { 32, 32 }, { 4095, 100 }, { 4096, 4096 }, { 4097, 1 << 20 },
		{ 2u << 20, 1 << 20 }, { (2u << 20) + 1, 3 }, { (9u << 20) + 16, 1048592 },
		{ 17u << 20, 5u << 20 }, { (8u << 20) - 8, 4096 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		write_check(dir, cases[i][0], cases[i][1]);
}

static void test_dwrite_tmpdir(void **state)
{
	char *dir = unit_mkdtemp();

	(void)state;
	sizes(dir);
	unit_rmdir(dir);
}

/* tmpfs: O_DIRECT may be refused, the cached path must hold. */
static void test_dwrite_shm(void **state)
{
	char dir[] = "/dev/shm/xckpt-unit.XXXXXX";

	(void)state;
	if (!mkdtemp(dir))
		skip();
	sizes(dir);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwrite_tmpdir),
		cmocka_unit_test(test_dwrite_shm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
