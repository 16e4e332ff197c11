/* The victims' hash of a memory region (FNV-1a over 64-bit words): what
 * they compare before the dump and after the restore. len: a multiple of 8. */
#ifndef VICTIM_MEMHASH_H
#define VICTIM_MEMHASH_H
#include <stdint.h>
#include <string.h>

static inline uint64_t victim_memhash(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ULL;
	}
	return h;
}
#endif
