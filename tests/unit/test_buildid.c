/* Build-ids (common/buildid.c): read from an ELF file's note, and through
 * the memo that a tree's dump and restore share, which must never answer
 * for a file written since it was read. */
#include "unit.h"

#include <sys/time.h>

#include "common/buildid.h"

/* This test's own binary, copied to dir/f: an ELF file with a build-id. */
static char *copy_self(const char *dir, char *path, size_t cap, size_t *len)
{
	char *self = unit_read_path("/proc/self/exe", len);
	int fd;

	snprintf(path, cap, "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, self, *len), (ssize_t)*len);
	close(fd);
	return self;
}

static int build_id_at(struct xc_buildid_memo *m, const char *path, uint8_t *id)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	n = m ? xc_elf_build_id_memo(m, fd, &st, id, 32) : xc_elf_build_id(fd, id, 32);
	close(fd);
	return n;
}

static void test_memo(void **state)
{
	struct xc_buildid_memo m = { 0 };
	uint8_t id[32], again[32], changed[32];
	char *dir = unit_mkdtemp(), path[4096];
	size_t len;
	char *self = copy_self(dir, path, sizeof(path), &len), *at;
	struct timespec keep[2];
	struct stat st;
	int n, fd;

	(void)state;
	n = build_id_at(NULL, path, id);
	assert_true(n >= 16);
	assert_int_equal(build_id_at(&m, path, again), n);
	assert_memory_equal(id, again, (size_t)n);
	assert_int_equal(build_id_at(&m, path, again), n);
	assert_int_equal(m.nr, 1);	/* the second time from the memo */

	/* The note rewritten in place, size and mtime put back: only the
	 * ctime tells, and the memo must read the file again. */
	at = memmem(self, len, id, (size_t)n);
	assert_non_null(at);
	assert_int_equal(stat(path, &st), 0);
	keep[0] = st.st_atim;
	keep[1] = st.st_mtim;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	at[0] ^= 0xff;
	assert_int_equal(pwrite(fd, at, 1, at - self), 1);
	assert_int_equal(futimens(fd, keep), 0);
	close(fd);
	assert_int_equal(build_id_at(&m, path, changed), n);
	assert_int_equal(changed[0], id[0] ^ 0xff);
	assert_memory_equal(changed + 1, id + 1, (size_t)n - 1);
	assert_int_equal(m.nr, 2);

	xc_buildid_memo_free(&m);
	free(self);
	unit_rmdir(dir);
}

/* A file that is not ELF has no build-id, remembered like any other. */
static void test_not_elf(void **state)
{
	struct xc_buildid_memo m = { 0 };
	char *dir = unit_mkdtemp(), path[4096];
	uint8_t id[32];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/text", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not an ELF file\n", 16), 16);
	close(fd);
	assert_int_equal(build_id_at(&m, path, id), 0);
	assert_int_equal(build_id_at(&m, path, id), 0);
	assert_int_equal(m.nr, 1);
	xc_buildid_memo_free(&m);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_not_elf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
