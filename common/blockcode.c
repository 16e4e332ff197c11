#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "common/blockcode.h"

struct xc_coder {
	ZSTD_CCtx *cctx;	/* made on the first encode */
	ZSTD_DCtx *dctx;	/* made on the first decode */
	int level;
	size_t cap;
	uint8_t *scratch;	/* cap bytes: the shuffled block */
	uint8_t *sample;	/* XC_PROBE_BYTES, then the same shuffled */
	uint8_t *sample_out;	/* compressed sample */
	size_t sample_out_cap;
};

int xc_code_choose(const struct xc_probe *p)
{
	double z = p->ratio[XC_CODEC_ZSTD], sh = p->ratio[XC_CODEC_SHUF8_ZSTD];
	int shuf = XC_CODEC_SHUF8_ZSTD;

	if (p->ratio[XC_CODEC_XOR8_ZSTD] < sh) {
		sh = p->ratio[XC_CODEC_XOR8_ZSTD];
		shuf = XC_CODEC_XOR8_ZSTD;
	}
	if (sh <= z - XC_CODE_SHUF_GAIN && sh <= 1.0 - XC_CODE_MIN_GAIN)
		return shuf;
	if (z <= 1.0 - XC_CODE_MIN_GAIN)
		return XC_CODEC_ZSTD;
	return XC_CODEC_NONE;
}

/* Transposes an 8x8 byte matrix held as 8 little-endian words: byte j of
 * x[k] trades places with byte k of x[j]. Three rounds of block swaps. */
static inline void transpose8(uint64_t x[8])
{
	static const uint64_t mask[3] = { 0x00000000ffffffffULL, 0x0000ffff0000ffffULL,
					  0x00ff00ff00ff00ffULL };
	static const int step[3] = { 4, 2, 1 };

	for (int r = 0; r < 3; r++) {
		int s = step[r];

		for (int k = 0; k < 8; k++) {
			if (k & s)
				continue;
			uint64_t t = ((x[k] >> (8 * s)) ^ x[k + s]) & mask[r];
			x[k + s] ^= t;
			x[k] ^= t << (8 * s);
		}
	}
}

void xc_shuffle8(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t m = len / 8;

	for (size_t i = 0; i < m; i += 8) {
		uint64_t x[8];

		memcpy(x, src + i * 8, 64);
		transpose8(x);
		for (int j = 0; j < 8; j++)
			memcpy(dst + j * m + i, &x[j], 8);
	}
}

void xc_unshuffle8(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t m = len / 8;

	for (size_t i = 0; i < m; i += 8) {
		uint64_t x[8];

		for (int j = 0; j < 8; j++)
			memcpy(&x[j], src + j * m + i, 8);
		transpose8(x);
		memcpy(dst + i * 8, x, 64);
	}
}

/* The shuffles with the XOR of neighbours folded in, 64 bytes at a time. */
void xc_xshuffle8(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t m = len / 8;
	uint64_t prev = 0;

	for (size_t i = 0; i < m; i += 8) {
		uint64_t x[8];

		memcpy(x, src + i * 8, 64);
		for (int k = 0; k < 8; k++) {
			uint64_t v = x[k];

			x[k] = v ^ prev;
			prev = v;
		}
		transpose8(x);
		for (int j = 0; j < 8; j++)
			memcpy(dst + j * m + i, &x[j], 8);
	}
}

void xc_unxshuffle8(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t m = len / 8;
	uint64_t prev = 0;

	for (size_t i = 0; i < m; i += 8) {
		uint64_t x[8];

		for (int j = 0; j < 8; j++)
			memcpy(&x[j], src + j * m + i, 8);
		transpose8(x);
		for (int k = 0; k < 8; k++) {
			prev ^= x[k];
			x[k] = prev;
		}
		memcpy(dst + i * 8, x, 64);
	}
}

struct xc_coder *xc_coder_new(int level, size_t block_cap)
{
	struct xc_coder *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->level = level;
	c->cap = block_cap;
	c->sample_out_cap = ZSTD_compressBound(XC_PROBE_BYTES);
	c->scratch = malloc(block_cap);
	c->sample = malloc(2 * XC_PROBE_BYTES);
	c->sample_out = malloc(c->sample_out_cap);
	if (!c->scratch || !c->sample || !c->sample_out) {
		xc_coder_free(c);
		return NULL;
	}
	return c;
}

void xc_coder_free(struct xc_coder *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	free(c->scratch);
	free(c->sample);
	free(c->sample_out);
	free(c);
}

size_t xc_code_bound(size_t block_cap)
{
	return ZSTD_compressBound(block_cap);
}

static int need_cctx(struct xc_coder *c)
{
	if (c->cctx)
		return 0;
	c->cctx = ZSTD_createCCtx();
	if (!c->cctx)
		return -ENOMEM;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, c->level)))
		return -EINVAL;
	return 0;
}

/* The stored size of the n-byte sample over n. */
static int probe_one(struct xc_coder *c, const uint8_t *in, size_t n, double *ratio)
{
	size_t z = ZSTD_compress2(c->cctx, c->sample_out, c->sample_out_cap, in, n);

	if (ZSTD_isError(z))
		return -EIO;
	*ratio = (double)z / n;
	return 0;
}

int xc_code_probe(struct xc_coder *c, const uint8_t *raw, size_t len, struct xc_probe *p)
{
	size_t piece = (len / XC_PROBE_PIECES) & ~(size_t)63, stride = piece, n = 0;
	uint8_t *sh = c->sample + XC_PROBE_BYTES;
	int err = need_cctx(c);

	if (err)
		return err;
	if (piece > XC_PROBE_PIECE)
		piece = XC_PROBE_PIECE;
	p->ratio[XC_CODEC_NONE] = 1.0;
	p->ratio[XC_CODEC_SHUF8_ZSTD] = 1.0;
	p->ratio[XC_CODEC_XOR8_ZSTD] = 1.0;
	if (!piece) {	/* under 256 bytes: nothing worth coding */
		p->ratio[XC_CODEC_ZSTD] = 1.0;
		return 0;
	}
	for (int i = 0; i < XC_PROBE_PIECES; i++, n += piece)
		memcpy(c->sample + n, raw + i * stride, piece);
	err = probe_one(c, c->sample, n, &p->ratio[XC_CODEC_ZSTD]);
	if (err || p->ratio[XC_CODEC_ZSTD] <= XC_CODE_GOOD_ENOUGH ||
	    p->ratio[XC_CODEC_ZSTD] >= XC_CODE_HOPELESS)
		return err;
	/* Each piece shuffled on its own, as the block will be as a whole. */
	for (size_t o = 0; o < n; o += piece)
		xc_shuffle8(sh + o, c->sample + o, piece);
	err = probe_one(c, sh, n, &p->ratio[XC_CODEC_SHUF8_ZSTD]);
	for (size_t o = 0; !err && o < n; o += piece)
		xc_xshuffle8(sh + o, c->sample + o, piece);
	if (!err)
		err = probe_one(c, sh, n, &p->ratio[XC_CODEC_XOR8_ZSTD]);
	return err;
}

int xc_code_encode(struct xc_coder *c, int *codec, const uint8_t *raw, size_t len, uint8_t *out,
		   size_t *out_len)
{
	const uint8_t *in = raw;
	size_t z;
	int err;

	if (*codec == XC_CODEC_NONE)
		goto raw;
	err = need_cctx(c);
	if (err)
		return err;
	if (*codec == XC_CODEC_SHUF8_ZSTD || *codec == XC_CODEC_XOR8_ZSTD) {
		if (len % 64 || len > c->cap)
			return -EINVAL;
		if (*codec == XC_CODEC_SHUF8_ZSTD)
			xc_shuffle8(c->scratch, raw, len);
		else
			xc_xshuffle8(c->scratch, raw, len);
		in = c->scratch;
	} else if (*codec != XC_CODEC_ZSTD) {
		return -EINVAL;
	}
	z = ZSTD_compress2(c->cctx, out, ZSTD_compressBound(len), in, len);
	if (ZSTD_isError(z))
		return -EIO;
	if (z < len) {
		*out_len = z;
		return 0;
	}
raw:
	*codec = XC_CODEC_NONE;
	*out_len = len;
	return 0;
}

int xc_code_auto(struct xc_coder *c, int *codec, const uint8_t *raw, size_t len,
		 uint8_t *out, size_t *out_len)
{
	struct xc_probe p;
	int err = xc_code_probe(c, raw, len, &p);

	if (err)
		return err;
	*codec = xc_code_choose(&p);
	return xc_code_encode(c, codec, raw, len, out, out_len);
}

int xc_code_decode(struct xc_coder *c, int codec, const uint8_t *in, size_t in_len, uint8_t *out,
		   size_t out_len)
{
	uint8_t *to = out;
	size_t n;

	switch (codec) {
	case XC_CODEC_NONE:
		if (in_len != out_len)
			return -EBADMSG;
		if (in != out)
			memcpy(out, in, out_len);
		return 0;
	case XC_CODEC_SHUF8_ZSTD:
	case XC_CODEC_XOR8_ZSTD:
		if (out_len % 64 || out_len > c->cap)
			return -EBADMSG;
		to = c->scratch;
		/* fall through */
	case XC_CODEC_ZSTD:
		if (!c->dctx && !(c->dctx = ZSTD_createDCtx()))
			return -ENOMEM;
		n = ZSTD_decompressDCtx(c->dctx, to, out_len, in, in_len);
		if (ZSTD_isError(n) || n != out_len)
			return -EBADMSG;
		if (codec == XC_CODEC_SHUF8_ZSTD)
			xc_unshuffle8(out, to, out_len);
		else if (codec == XC_CODEC_XOR8_ZSTD)
			xc_unxshuffle8(out, to, out_len);
		return 0;
	default:
		return -EBADMSG;
	}
}
