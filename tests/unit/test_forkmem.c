/* restorer/forkmem.c: the small mappings with anonymous pages that a
 * process of the tree makes new before it forks. Made new, each holds the
 * same bytes with the same protection, and is anonymous (a copy, no longer
 * the file's mapping); in a generation that is not due, nothing changes,
 * nor in a tree too small to have a process deep enough.
 * Run in a forked child, as in a restore, which reports by exit status. */
#include "unit.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include "restorer/rst.h"

static int data_var = 12345;		/* .data: a private file mapping, written */
static char bss_buf[3 * 4096];		/* .bss */
static const char *const relro_ptr = "relro";	/* relocated, then read-only */

/* perms and path of the mapping at p, from /proc/self/maps. */
static bool mapping_of(const void *p, char perms[8], char path[256])
{
	unsigned long long s, e, a = (uintptr_t)p;
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %255s", &s, &e, perms, path) >= 3 &&
		    s <= a && a < e)
			found = true;
	}
	fclose(f);
	return found;
}

static bool listed(const struct xc_rtree *t, const void *p)
{
	for (size_t i = 0; i < t->nr_fresh; i++)
		if (t->fresh[i].start <= (uintptr_t)p && (uintptr_t)p < t->fresh[i].end)
			return true;
	return false;
}

/* In a child: 0 when all holds, else the number of the check that failed. */
static int child(struct xc_rtree *t, unsigned depth, bool due)
{
	char perms[8], path[256], relro_perms[8];
	const char *step = NULL;

	if (!mapping_of(&relro_ptr, relro_perms, path))
		return 1;
	if (rst_forkmem_fresh(t, depth, &step))
		return 2;
	if (data_var != 12345 || strcmp(relro_ptr, "relro"))
		return 3;
	for (size_t i = 0; i < sizeof(bss_buf); i++)
		if (bss_buf[i] != (char)(i * 7 + 1))
			return 4;
	/* Still read-only (a write would kill the child: not tried). */
	if (!mapping_of(&relro_ptr, perms, path) || strcmp(perms, relro_perms))
		return 5;
	if (!mapping_of(&data_var, perms, path) || strcmp(perms, "rw-p"))
		return 6;
	/* Made new: anonymous now; not due: still the binary's. */
	if (due != !path[0])
		return 7;
	data_var++;		/* writable */
	return data_var == 12346 ? 0 : 8;
}

static int run(struct xc_rtree *t, unsigned depth, bool due)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child(t, depth, due));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_fresh(void **state)
{
	struct xc_ctx ctx;
	struct xc_rtree t;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	memset(&t, 0, sizeof(t));
	t.ctx = &ctx;
	for (size_t i = 0; i < sizeof(bss_buf); i++)
		bss_buf[i] = (char)(i * 7 + 1);
	data_var = 12345;
	/* Too few processes for one to be due: nothing listed. */
	t.nr = 4;
	assert_int_equal(rst_forkmem_plan(&t), 0);
	assert_int_equal(t.nr_fresh, 0);
	t.nr = 5;
	assert_int_equal(rst_forkmem_plan(&t), 0);
	assert_true(listed(&t, &data_var));
	assert_true(listed(&t, bss_buf));
	assert_true(listed(&t, &relro_ptr));
	assert_int_equal(run(&t, 4, true), 0);
	assert_int_equal(run(&t, 8, true), 0);
	assert_int_equal(run(&t, 3, false), 0);
	assert_int_equal(run(&t, 1, false), 0);
	/* The parent's own memory is untouched by its children's copies. */
	assert_int_equal(data_var, 12345);
	free(t.fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
