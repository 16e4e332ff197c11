/* CRC-32C with the SSE4.2 crc32 instruction. Built with -msse4.2 and only
 * called after arch_has_crc32c() said the CPU has it. */
#include <nmmintrin.h>
#include <string.h>

#include "arch/arch.h"

bool arch_has_crc32c(void)
{
	return __builtin_cpu_supports("sse4.2");
}

uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c = ~crc;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

/* The crc32 instruction takes 3 cycles but can start one per cycle: three
 * independent streams keep it busy. */
void arch_crc32c_x3(uint32_t crc[3], const void *buf, size_t n)
{
	const unsigned char *p = buf;
	uint64_t a = (uint32_t)~crc[0], b = (uint32_t)~crc[1], c = (uint32_t)~crc[2];

	for (size_t i = 0; i < n; i += 8) {
		uint64_t va, vb, vc;

		memcpy(&va, p + i, 8);
		memcpy(&vb, p + n + i, 8);
		memcpy(&vc, p + 2 * n + i, 8);
		a = _mm_crc32_u64(a, va);
		b = _mm_crc32_u64(b, vb);
		c = _mm_crc32_u64(c, vc);
	}
	crc[0] = ~(uint32_t)a;
	crc[1] = ~(uint32_t)b;
	crc[2] = ~(uint32_t)c;
}
