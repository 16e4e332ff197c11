/* Open file description identity (tracer/file-ids.c): a fake kcmp that
 * knows which (pid, fd) pairs share a description stands in for the
 * kernel. Ids come out 1, 2, 3, ... in first-seen order, dups and fds of
 * another process get the first one's id, and only pairs with the same
 * device and inode are ever compared. */
#include "unit.h"

#include "tracer/tracer.h"

/* (pid, fd) -> description number; anything else is EBADF. */
static const struct {
	pid_t pid;
	int fd, obj;
} world[] = {
	{ 100, 0, 1 }, { 100, 1, 2 }, { 100, 2, 2 },	/* stdout and stderr shared */
	{ 100, 3, 3 }, { 100, 4, 3 }, { 100, 9, 3 },	/* dup, F_DUPFD */
	{ 100, 5, 4 },					/* the same inode, opened again */
	{ 200, 7, 3 },					/* inherited across fork */
	{ 200, 8, 5 },
};
static int calls;

static int obj_of(pid_t pid, int fd)
{
	for (size_t i = 0; i < sizeof(world) / sizeof(world[0]); i++)
		if (world[i].pid == pid && world[i].fd == fd)
			return world[i].obj;
	return -1;
}

static int fake_same(pid_t p1, int f1, pid_t p2, int f2)
{
	int a = obj_of(p1, f1), b = obj_of(p2, f2);

	calls++;
	if (a < 0 || b < 0)
		return -EBADF;
	return a == b;
}

static uint32_t get(struct xc_file_ids *t, pid_t pid, int fd, uint64_t ino, bool want_new)
{
	uint32_t id = 0;
	bool is_new = !want_new;

	assert_int_equal(xc_file_ids_get(t, pid, fd, 8, ino, &id, &is_new), 0);
	assert_int_equal(is_new, want_new);
	return id;
}

static void test_shared_descriptions(void **state)
{
	struct xc_file_ids t;

	xc_file_ids_init(&t, fake_same);
	calls = 0;
	assert_int_equal(get(&t, 100, 0, 10, true), 1);
	assert_int_equal(get(&t, 100, 1, 20, true), 2);
	assert_int_equal(get(&t, 100, 2, 20, false), 2);
	assert_int_equal(get(&t, 100, 3, 30, true), 3);
	assert_int_equal(get(&t, 100, 4, 30, false), 3);
	assert_int_equal(get(&t, 100, 5, 30, true), 4);	/* same inode, not shared */
	assert_int_equal(get(&t, 100, 9, 30, false), 3);
	assert_int_equal(get(&t, 200, 7, 30, false), 3);	/* across processes */
	assert_int_equal(get(&t, 200, 8, 40, true), 5);
	/* Compared only within an inode: fd 2 (1), fd 4 (1), fd 5 (1), fd 9
	 * (1), pid 200 fd 7 (1). */
	assert_int_equal(calls, 5);
	xc_file_ids_free(&t);
}

static void test_kcmp_error(void **state)
{
	struct xc_file_ids t;
	uint32_t id;
	bool is_new;

	xc_file_ids_init(&t, fake_same);
	get(&t, 100, 3, 30, true);
	assert_int_equal(xc_file_ids_get(&t, 100, 77, 8, 30, &id, &is_new), -EBADF);
	xc_file_ids_free(&t);
}

/* The real kcmp on this process: a dup shares, a second open does not. */
static void test_kcmp_real(void **state)
{
	int a = open("/proc/self/stat", O_RDONLY), b = dup(a), c = open("/proc/self/stat", O_RDONLY);

	assert_true(a >= 0 && b >= 0 && c >= 0);
	assert_int_equal(xc_kcmp_same_file(getpid(), a, getpid(), b), 1);
	assert_int_equal(xc_kcmp_same_file(getpid(), a, getpid(), c), 0);
	assert_int_equal(xc_kcmp_same_file(getpid(), a, getpid(), 1 << 19), -EBADF);
	close(a);
	close(b);
	close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_descriptions),
		cmocka_unit_test(test_kcmp_error),
		cmocka_unit_test(test_kcmp_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
