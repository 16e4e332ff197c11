/* Coding of one page block (image format 6.4): stored raw, as a zstd frame,
 * byte-shuffled by 8 then zstd, or each 8-byte word XORed with the one
 * before, shuffled and zstd. A cheap probe on a sample of the block picks
 * the coding that should make the dump fastest: raw for incompressible data
 * (no compression time), plain zstd for text-like data, the shuffle for
 * arrays of 8-byte numbers whose high bytes repeat, the XOR first where
 * neighbours are close (a smooth field of doubles: two with the same
 * exponent and leading mantissa bits XOR to zero high bytes). Decoding is
 * fast in every case: zstd decompresses at several GB/s and the unshuffle
 * and the running XOR run at memory speed.
 *
 * Why XOR and not the arithmetic difference, which shrinks such doubles
 * more (1 GiB of the bench's `sim`: 0.56 of the memory against 0.67 with
 * XOR and 0.73 shuffled alone): zstd then Huffman-codes nearly every byte,
 * and compresses at about a third of the speed (decompresses at a quarter),
 * slower than the disk on a node with few cores. XOR keeps zstd's speed. */
#ifndef XC_BLOCKCODE_H
#define XC_BLOCKCODE_H

#include <stddef.h>
#include <stdint.h>

#include "common/img-format.h"	/* enum xc_codec */

/* The sample the probe compresses: XC_PROBE_PIECES pieces of
 * XC_PROBE_PIECE bytes spread evenly over the block. */
#define XC_PROBE_PIECES	4
#define XC_PROBE_PIECE	8192u
#define XC_PROBE_BYTES	(XC_PROBE_PIECES * XC_PROBE_PIECE)

/* What the probe found: the stored size of the sample as a fraction of its
 * raw size, per codec (index enum xc_codec). */
struct xc_probe {
	double ratio[XC_CODEC_COUNT];
};

/* A codec must save at least this fraction of a block to be used: below
 * that, compressing costs more time than writing the bytes it saves (zstd
 * -1 runs at 250-1100 MB/s per core depending on the data, about the speed
 * of the disk, and on data it cannot shrink much it is at its slowest). */
#define XC_CODE_MIN_GAIN	0.10
/* The shuffle costs one more pass over the block: it must beat plain zstd
 * by this fraction of the raw size. */
#define XC_CODE_SHUF_GAIN	0.05
/* Below this ratio plain zstd is kept without trying the shuffle: it could
 * save at most that much more. */
#define XC_CODE_GOOD_ENOUGH	0.10
/* At or above this ratio the sample is taken for random data and the
 * shuffles are not tried: numbers that shuffling would help leave zstd
 * something to find already (a repeated exponent byte: about 0.9). */
#define XC_CODE_HOPELESS	0.98

/* The codec for a block from its probe: raw unless a codec saves
 * XC_CODE_MIN_GAIN; the better of the two shuffles (the plain one on a tie)
 * when it beats plain zstd by XC_CODE_SHUF_GAIN. Pure and deterministic, so that an image does not
 * depend on timing or on the number of threads. */
int xc_code_choose(const struct xc_probe *p);

/* 8-byte shuffle: byte j of element i goes to j * (len / 8) + i. len must be
 * a multiple of 64. */
void xc_shuffle8(uint8_t *dst, const uint8_t *src, size_t len);
void xc_unshuffle8(uint8_t *dst, const uint8_t *src, size_t len);
/* The same on the XOR of neighbours: element i is word i XOR word i - 1
 * (word -1 is 0) before the shuffle. */
void xc_xshuffle8(uint8_t *dst, const uint8_t *src, size_t len);
void xc_unxshuffle8(uint8_t *dst, const uint8_t *src, size_t len);

struct xc_coder;	/* per-thread: zstd contexts and scratch */
struct xc_coder *xc_coder_new(int level, size_t block_cap);
void xc_coder_free(struct xc_coder *c);
/* Size of an output buffer that any coding of block_cap bytes fits. */
size_t xc_code_bound(size_t block_cap);

/* Probes raw[0..len) (len a multiple of 64 and at most block_cap). */
int xc_code_probe(struct xc_coder *c, const uint8_t *raw, size_t len, struct xc_probe *p);
/* Codes raw with `codec` into out (xc_code_bound() bytes); sets *codec to
 * XC_CODEC_NONE and *out_len to len when coding would not save space, in
 * which case the stored bytes are raw itself. 0 or -errno. */
int xc_code_encode(struct xc_coder *c, int *codec, const uint8_t *raw, size_t len, uint8_t *out,
		   size_t *out_len);
/* Probe, choose, encode: what the dump does per block. */
int xc_code_auto(struct xc_coder *c, int *codec, const uint8_t *raw, size_t len,
		 uint8_t *out, size_t *out_len);
/* Decodes stored bytes into out, exactly out_len bytes; -EBADMSG when they
 * do not decode to that. */
int xc_code_decode(struct xc_coder *c, int codec, const uint8_t *in, size_t in_len, uint8_t *out,
		   size_t out_len);

#endif
