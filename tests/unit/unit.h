/* Helpers shared by the unit tests: cmocka's prerequisites, fixture loading
 * and a scratch directory. Everything is static inline so each test binary
 * takes only what it uses. */
#ifndef XC_UNIT_H
#define XC_UNIT_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef XC_FIXTURES
#error "XC_FIXTURES must name tests/unit/fixtures (set by tests/unit/CMakeLists.txt)"
#endif

/* Whole file into a malloc'd, NUL-terminated buffer (the parsers take a
 * length, the NUL only helps string edits in the tests). Fails the test if
 * the file cannot be read. */
static inline char *unit_read_path(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size + 1);
	assert_non_null(buf);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		assert_true(n > 0);
		got += n;
	}
	close(fd);
	buf[got] = 0;
	*len = got;
	return buf;
}

/* A fixture by its path under tests/unit/fixtures, e.g. "proc/maps". */
static inline char *unit_fixture(const char *rel, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", XC_FIXTURES, rel);
	return unit_read_path(path, len);
}

/* A fresh directory under $TMPDIR (or /tmp); its path is malloc'd. */
static inline char *unit_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	assert_true(asprintf(&dir, "%s/xckpt-unit.XXXXXX", base) > 0);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
	return dir;
}

/* Removes a directory made by unit_mkdtemp() and the plain files in it (the
 * tests create nothing deeper), and frees the path. */
static inline void unit_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

/* assert_int_equal / assert_string_equal for table-driven cases and loops:
 * the failure names the case (label) and the expression. */
#define unit_eq(label, a, b)                                                            \
	do {                                                                            \
		unsigned long long a_ = (unsigned long long)(a);                       \
		unsigned long long b_ = (unsigned long long)(b);                       \
		if (a_ != b_)                                                           \
			fail_msg("%s: %s is %#llx (%lld), want %#llx (%lld)", (label), #a, \
				 a_, (long long)a_, b_, (long long)b_);                 \
	} while (0)
#define unit_str_eq(label, a, b)                                                        \
	do {                                                                            \
		if (strcmp((a), (b)))                                                   \
			fail_msg("%s: %s is \"%s\", want \"%s\"", (label), #a, (a), (b)); \
	} while (0)

/* Deterministic pseudo-random bytes (xorshift64*), so a failure reproduces. */
static inline uint64_t unit_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static inline void unit_fill_random(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;
	uint64_t s = seed | 1;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(unit_rand(&s) >> 56);
}

#endif
