/* Pipe contents read without taking them (tracer/pipe-data.c) and given
 * back (restorer/pipe-data.c), on real pipes; and which nameless files the
 * dump saves (xc_ghost_kind). */
#include "unit.h"

#include <sys/ioctl.h>

#include "restorer/rst.h"
#include "tracer/tracer.h"

static void test_peek_leaves_data(void **state)
{
	int p[2], avail = 0;
	char big[70000], back[70000];
	uint32_t cap;
	void *data;
	size_t len;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 128 << 10) >= 128 << 10);
	assert_int_equal(write(p[1], "ab", 2), 2);	/* buffers of several sizes */
	assert_int_equal(write(p[1], big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(xc_pipe_peek(p[0], &data, &len, &cap), 0);
	assert_int_equal(len, sizeof(big) + 2);
	assert_int_equal(cap, 128 << 10);
	assert_memory_equal(data, "ab", 2);
	assert_memory_equal((char *)data + 2, big, sizeof(big));
	/* still there, all of it */
	assert_int_equal(ioctl(p[0], FIONREAD, &avail), 0);
	assert_int_equal(avail, (int)sizeof(big) + 2);
	assert_int_equal(read(p[0], back, 2), 2);
	assert_int_equal(read(p[0], back, sizeof(back)), (ssize_t)sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	free(data);
	/* empty */
	assert_int_equal(xc_pipe_peek(p[0], &data, &len, &cap), 0);
	assert_int_equal(len, 0);
	free(data);
	close(p[0]);
	close(p[1]);
}

static void test_fill(void **state)
{
	int p[2];
	char back[16];

	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(rst_pipe_fill(p[1], 256 << 10, "refill", 6), 0);
	assert_int_equal(fcntl(p[0], F_GETPIPE_SZ), 256 << 10);
	assert_int_equal(read(p[0], back, sizeof(back)), 6);
	assert_memory_equal(back, "refill", 6);
	/* beyond pipe-max-size without CAP_SYS_RESOURCE: an error, not less */
	assert_true(rst_pipe_fill(p[1], 1u << 30, "", 0) < 0);
	close(p[0]);
	close(p[1]);
}

static void test_ghost_kind(void **state)
{
	static const struct {
		const char *path;
		mode_t mode;
		nlink_t nlink;
		int ret;
		uint32_t kind;
	} cases[] = {
		{ "/tmp/x (deleted)", S_IFREG | 0600, 0, 0, XC_GHOST_DELETED },
		{ "/memfd:buf (deleted)", S_IFREG | 0777, 0, 0, XC_GHOST_MEMFD },
		{ "/memfd:odd (deleted) name (deleted)", S_IFREG | 0777, 0, 0, XC_GHOST_MEMFD },
		{ "/tmp/x (deleted)", S_IFREG | 0600, 1, -ENOENT },	/* still linked */
		{ "/tmp/x", S_IFREG | 0600, 0, -ENOENT },		/* no suffix */
		{ "/tmp/d (deleted)", S_IFDIR | 0700, 0, -ENOENT },	/* not a file */
		{ "anon_inode:[eventfd]", S_IFREG | 0600, 0, -ENOENT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stat st = { .st_mode = cases[i].mode, .st_nlink = cases[i].nlink };
		uint32_t kind = 99;

		unit_eq(cases[i].path, xc_ghost_kind(cases[i].path, &st, &kind), cases[i].ret);
		unit_eq(cases[i].path, kind, cases[i].ret ? 0 : cases[i].kind);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek_leaves_data),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_ghost_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
