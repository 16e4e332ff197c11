/* The victims' own checks: CHECK(cond, fmt, ...) prints "FAIL: ..." and
 * counts; a victim ends with PASS only when fails is 0. */
#ifndef VICTIM_CHECK_H
#define VICTIM_CHECK_H
#include <stdio.h>

static int fails;
#define CHECK(cond, ...)                                                                          \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			printf("FAIL: " __VA_ARGS__);                                             \
			printf("\n");                                                             \
			fails++;                                                                  \
		}                                                                                 \
	} while (0)
#endif
