/* The image directory (common/imgdir.c): a commit makes every file durable
 * (several at a time) and renames the directory into place; a commit over
 * many files, over none, and one whose directory lost a file to something
 * that is not a file each end as they must. */
#include "unit.h"

#include "common/ctx.h"
#include "common/imgdir.h"

static void write_files(int dirfd, int n)
{
	for (int i = 0; i < n; i++) {
		char name[32], body[64];
		int fd, len;

		snprintf(name, sizeof(name), "proc-%d.img", i);
		len = snprintf(body, sizeof(body), "file %d\n", i);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, body, len), len);
		close(fd);
	}
}

static void commit_files(int n)
{
	char *base = unit_mkdtemp(), final[4096], path[4200];
	struct xc_imgdir d;
	struct xc_ctx ctx;

	xc_ctx_init(&ctx);
	snprintf(final, sizeof(final), "%s/img", base);
	assert_int_equal(xc_imgdir_begin(&ctx, &d, final), 0);
	write_files(d.fd, n);
	assert_int_equal(xc_imgdir_commit(&ctx, &d), 0);
	for (int i = 0; i < n; i++) {
		char want[64], *got;
		size_t len;

		snprintf(path, sizeof(path), "%s/proc-%d.img", final, i);
		snprintf(want, sizeof(want), "file %d\n", i);
		got = unit_read_path(path, &len);
		assert_string_equal(got, want);
		free(got);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(final), 0);
	snprintf(path, sizeof(path), "%s/.img.xckpt-tmp-%d", base, (int)getpid());
	assert_int_equal(access(path, F_OK), -1);
	unit_rmdir(base);
}

static void test_commit_many(void **state)
{
	(void)state;
	commit_files(300);	/* more files than sync threads */
}

static void test_commit_few(void **state)
{
	(void)state;
	commit_files(0);
	commit_files(1);
}

/* A name in the directory that cannot be opened to be synced (a dangling
 * symlink): the commit fails naming it, and nothing is renamed. */
static void test_commit_unsyncable(void **state)
{
	char *base = unit_mkdtemp(), final[4096];
	struct xc_imgdir d;
	struct xc_ctx ctx;

	(void)state;
	xc_ctx_init(&ctx);
	snprintf(final, sizeof(final), "%s/img", base);
	assert_int_equal(xc_imgdir_begin(&ctx, &d, final), 0);
	write_files(d.fd, 20);
	assert_int_equal(symlinkat("/nonexistent/xckpt-unit", d.fd, "proc-dangling.img"), 0);
	assert_int_equal(xc_imgdir_commit(&ctx, &d), -ENOENT);
	assert_non_null(strstr(ctx.first_err.obj, "proc-dangling.img"));
	assert_int_equal(access(final, F_OK), -1);
	xc_imgdir_abort(&d);
	unit_rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_many),
		cmocka_unit_test(test_commit_few),
		cmocka_unit_test(test_commit_unsyncable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
