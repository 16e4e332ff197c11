/* Portable CRC-32C; the arch layer supplies a hardware version when the CPU
 * has one (checked once, lazily). */
#include <stdbool.h>

#include "arch/arch.h"
#include "common/crc32c.h"

static uint32_t table[8][256];
static bool table_ready;

/* Called once; a benign race would compute the same table twice. */
static void table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & -(c & 1));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	table_ready = true;
}

uint32_t xc_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!table_ready)
		table_init();
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		      table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* Below this, one stream: the two combines would cost more than they save. */
#define X3_MIN 4096

static uint32_t mulmod(uint32_t a, uint32_t b);
static uint32_t x8nmod(uint64_t len);

uint32_t xc_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!arch_has_crc32c())
		return xc_crc32c_sw(crc, buf, len);
	if (len >= X3_MIN) {
		size_t n = len / 3 & ~(size_t)7;
		uint32_t c[3] = { crc, 0, 0 }, shift = x8nmod(n);

		/* Three thirds at once, then joined as xc_crc32c_combine()
		 * does, with the shift for n bytes computed once. */
		arch_crc32c_x3(c, p, n);
		crc = mulmod(shift, mulmod(shift, c[0]) ^ c[1]) ^ c[2];
		p += 3 * n;
		len -= 3 * n;
	}
	return arch_crc32c(crc, p, len);
}

#define POLY 0x82f63b78u	/* reflected: bit 31 is x^0 */

/* a * b modulo the polynomial, both reflected. */
static uint32_t mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (uint32_t m = 1u << 31; m; m >>= 1) {
		if (a & m)
			p ^= b;
		b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
	}
	return p;
}

/* x^(8 * len) modulo the polynomial, by squaring: appending len zero
 * bytes to a message multiplies its (unconditioned) CRC by this. */
static uint32_t x8nmod(uint64_t len)
{
	uint32_t p = 1u << 31, sq = 1u << 23;	/* 1, and x^8 */

	while (len) {
		if (len & 1)
			p = mulmod(sq, p);
		sq = mulmod(sq, sq);
		len >>= 1;
	}
	return p;
}

uint32_t xc_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	/* The pre- and post-inversions cancel out for the part of A that
	 * travels through B: what is left is A's CRC times x^(8 len_b). */
	return mulmod(x8nmod(len_b), crc_a) ^ crc_b;
}
