/* Coding of page blocks (common/blockcode.c): the shuffle, the choice of a
 * codec from a probe, the probe on buffers of each kind of memory, and
 * encode/decode round trips and refusals. */
#include "unit.h"

#include <math.h>

#include "common/blockcode.h"

#define BLOCK (256u * 4096u)

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = xorshift(&x);
		memcpy(p + i, &v, 8);
	}
}

static void fill_text(uint8_t *p, size_t len)
{
	static const char words[] = "the quick brown fox jumps over the lazy dog 0123456789 ";

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)words[i % 48];
}

/* A smooth field with noise in the low mantissa bits, as a simulation's
 * arrays of doubles hold (the bench's `mem N sim`). */
static void fill_sim(uint8_t *p, size_t len)
{
	uint64_t x = 88172645463325252ULL;

	for (size_t i = 0; i < len; i += 8) {
		double d = 1000.0 * sin((double)(i / 8) * 1e-5) +
			   (double)(xorshift(&x) % 1024) / 4096.0;
		memcpy(p + i, &d, 8);
	}
}

/* A coder and three block buffers: input, coded, decoded. */
struct bufs {
	struct xc_coder *c;
	uint8_t *in, *out, *back;
};

static int setup(void **state)
{
	struct bufs *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	b->c = xc_coder_new(1, BLOCK);
	b->in = malloc(BLOCK);
	b->out = malloc(xc_code_bound(BLOCK));
	b->back = malloc(BLOCK);
	*state = b;
	return b->c && b->in && b->out && b->back ? 0 : -1;
}

static int teardown(void **state)
{
	struct bufs *b = *state;

	xc_coder_free(b->c);
	free(b->in);
	free(b->out);
	free(b->back);
	free(b);
	return 0;
}

/* The plain shuffle: byte j of word i goes to j * m + i. The XOR shuffle:
 * the same on word i XOR word i - 1 (the first as it is). Each inverse
 * gives the words back. */
static void test_shuffle_layout(void **state)
{
	static const size_t lens[] = { 64, 128, 4096, 8192 + 64, BLOCK };

	(void)state;
	for (size_t t = 0; t < 2 * sizeof(lens) / sizeof(lens[0]); t++) {
		size_t len = lens[t / 2], m = len / 8;
		bool xor = t % 2;
		uint8_t *in = malloc(len), *sh = malloc(len), *back = malloc(len);

		assert_non_null(in);
		assert_non_null(sh);
		assert_non_null(back);
		fill_random(in, len, len);
		memcpy(in + 16, in + 8, 8);	/* equal neighbours: XOR to zero */
		if (xor)
			xc_xshuffle8(sh, in, len);
		else
			xc_shuffle8(sh, in, len);
		for (size_t i = 0; i < m; i++) {
			uint64_t w, prev = 0, d = 0;

			memcpy(&w, in + i * 8, 8);
			if (i && xor)
				memcpy(&prev, in + (i - 1) * 8, 8);
			for (size_t j = 0; j < 8; j++)
				d |= (uint64_t)sh[j * m + i] << (8 * j);
			if (d != (w ^ prev))
				fail_msg("len %zu%s: element %zu misplaced", len, xor ? " xor" : "", i);
		}
		memset(back, 0xee, len);
		if (xor)
			xc_unxshuffle8(back, sh, len);
		else
			xc_unshuffle8(back, sh, len);
		assert_memory_equal(back, in, len);
		free(in);
		free(sh);
		free(back);
	}
}

static void test_choose(void **state)
{
	static const struct {
		const char *what;
		double zstd, shuf, xor;
		int want;
	} cases[] = {
		{ "incompressible", 1.0, 1.0, 1.0, XC_CODEC_NONE },
		{ "saves too little", 0.95, 0.93, 0.94, XC_CODEC_NONE },
		{ "zstd just enough", 0.89, 0.88, 0.88, XC_CODEC_ZSTD },
		{ "text", 0.01, 1.0, 1.0, XC_CODEC_ZSTD },
		{ "shuffle not enough better", 0.70, 0.66, 0.67, XC_CODEC_ZSTD },
		{ "doubles", 0.91, 0.64, 0.70, XC_CODEC_SHUF8_ZSTD },
		{ "smooth doubles", 0.91, 0.73, 0.56, XC_CODEC_XOR8_ZSTD },
		{ "a tie: the plain shuffle", 0.91, 0.64, 0.64, XC_CODEC_SHUF8_ZSTD },
		{ "shuffle only barely pays", 1.0, 0.89, 1.0, XC_CODEC_SHUF8_ZSTD },
		{ "XOR only barely pays", 1.0, 0.95, 0.89, XC_CODEC_XOR8_ZSTD },
		{ "shuffle saves too little", 1.0, 0.92, 0.91, XC_CODEC_NONE },
		{ "XOR not enough better than zstd", 0.60, 0.70, 0.56, XC_CODEC_ZSTD },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xc_probe p = { { 1.0, cases[i].zstd, cases[i].shuf, cases[i].xor } };

		unit_eq(cases[i].what, xc_code_choose(&p), cases[i].want);
	}
}

/* Probe and code a block of each kind; it must come back intact. */
static void test_probe_kinds(void **state)
{
	static const struct {
		const char *what;
		void (*fill)(uint8_t *, size_t);
		int want;
	} kinds[] = {
		{ "text", fill_text, XC_CODEC_ZSTD },
		{ "sim", fill_sim, XC_CODEC_XOR8_ZSTD },
		{ "random", NULL, XC_CODEC_NONE },
		{ "zero", NULL, XC_CODEC_ZSTD },
	};
	struct bufs *b = *state;
	struct xc_coder *c = b->c;
	uint8_t *in = b->in, *out = b->out, *back = b->back;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t lens[] = { BLOCK, 4096, 3 * 4096 };

		for (size_t l = 0; l < 3; l++) {
			size_t len = lens[l], n = 0;
			int codec = -1;
			char what[64];

			snprintf(what, sizeof(what), "%s, %zu bytes", kinds[k].what, len);
			if (kinds[k].fill)
				kinds[k].fill(in, len);
			else if (!strcmp(kinds[k].what, "random"))
				fill_random(in, len, 42);
			else
				memset(in, 0, len);
			assert_int_equal(xc_code_auto(c, &codec, in, len, out, &n), 0);
			unit_eq(what, codec, kinds[k].want);
			if (codec == XC_CODEC_NONE)
				unit_eq(what, n, len);
			else
				unit_eq(what, n < len, 1);
			memset(back, 0xee, len);
			unit_eq(what, xc_code_decode(c, codec, codec == XC_CODEC_NONE ? in : out, n,
						     back, len), 0);
			unit_eq(what, memcmp(back, in, len), 0);
		}
	}
}

/* Each codec asked for explicitly; zstd on random data falls back to raw. */
static void test_encode_each(void **state)
{
	struct bufs *b = *state;
	struct xc_coder *c = b->c;
	uint8_t *in = b->in, *out = b->out, *back = b->back;
	size_t n;
	int codec;

	fill_sim(in, BLOCK);
	for (codec = XC_CODEC_NONE; codec < XC_CODEC_COUNT; codec++) {
		int got = codec;

		assert_int_equal(xc_code_encode(c, &got, in, BLOCK, out, &n), 0);
		assert_int_equal(got, codec);
		assert_int_equal(xc_code_decode(c, got, got ? out : in, n, back, BLOCK), 0);
		assert_memory_equal(back, in, BLOCK);
	}
	fill_random(in, BLOCK, 7);
	codec = XC_CODEC_SHUF8_ZSTD;
	assert_int_equal(xc_code_encode(c, &codec, in, BLOCK, out, &n), 0);
	assert_int_equal(codec, XC_CODEC_NONE);
	assert_int_equal(n, BLOCK);
}

/* Stored bytes that do not decode to exactly the block are refused. */
static void test_decode_refuses(void **state)
{
	struct bufs *b = *state;
	struct xc_coder *c = b->c;
	uint8_t *in = b->in, *out = b->out, *back = b->back;
	size_t n;
	int codec = XC_CODEC_SHUF8_ZSTD;

	fill_sim(in, BLOCK);
	assert_int_equal(xc_code_encode(c, &codec, in, BLOCK, out, &n), 0);
	assert_int_equal(codec, XC_CODEC_SHUF8_ZSTD);
	assert_int_equal(xc_code_decode(c, codec, out, n, back, BLOCK - 4096), -EBADMSG);
	assert_int_equal(xc_code_decode(c, codec, out, n - 1, back, BLOCK), -EBADMSG);
	assert_int_equal(xc_code_decode(c, codec, out, n, back, BLOCK - 8), -EBADMSG);
	assert_int_equal(xc_code_decode(c, XC_CODEC_COUNT, out, n, back, BLOCK), -EBADMSG);
	assert_int_equal(xc_code_decode(c, XC_CODEC_NONE, in, BLOCK - 1, back, BLOCK), -EBADMSG);
	out[0] ^= 0xff;		/* the zstd magic */
	assert_int_equal(xc_code_decode(c, codec, out, n, back, BLOCK), -EBADMSG);
	out[0] ^= 0xff;
	assert_int_equal(xc_code_decode(c, codec, out, n, back, BLOCK), 0);
	assert_memory_equal(back, in, BLOCK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shuffle_layout),
		cmocka_unit_test(test_choose),
		cmocka_unit_test_setup_teardown(test_probe_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
