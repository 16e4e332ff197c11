/* docs/image-format.md is the specification the code mirrors: the version it
 * says it describes, and the newest line of its history, are the code's. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/img-format.h"

static char *doc(void)
{
	FILE *f = fopen(XC_FIXTURES "/../../../docs/image-format.md", "r");
	char *buf = calloc(1, 1 << 22);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 22) - 1, f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

static void test_described_version(void **state)
{
	char *d = doc(), *p = strstr(d, "Format version described: **");
	(void)state;
	assert_non_null(p);
	assert_int_equal(atoi(p + strlen("Format version described: **")), XC_IMG_VERSION);
	free(d);
}

/* The history table: one row per version, in order, the last the current
 * one. */
static void test_history_ends_at_version(void **state)
{
	char *d = doc(), *h = strstr(d, "## 10. Version history"), *line;
	int last = 0;
	(void)state;
	assert_non_null(h);
	for (line = strtok(h, "\n"); line; line = strtok(NULL, "\n")) {
		int v;
		if (!strncmp(line, "## ", 3) && strncmp(line, "## 10.", 6))
			break;	/* the next section */
		if (sscanf(line, "| %d ", &v) != 1)
			continue;
		if (last && v != last + 1)
			fail_msg("history row %d follows row %d", v, last);
		last = v;
	}
	assert_int_equal(last, XC_IMG_VERSION);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_described_version),
		cmocka_unit_test(test_history_ends_at_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
