/* Parallel block compressor: the caller fills one block at a time, worker
 * threads compress them (zstd, or keep them raw when that does not pay), and
 * finished blocks come back to the caller strictly in submission order, on
 * the caller's thread, so the file layout does not depend on timing. */
#ifndef XC_ZPOOL_H
#define XC_ZPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xc_zpool;

/* A finished block: the bytes as stored, the coding chosen, and checksums
 * computed on the worker: crc32c of the stored bytes, and the record
 * checksum (xc_rec_crc()) of a record of kind rec_kind holding them. */
struct xc_zblock {
	const void *data;
	size_t len, raw_len;
	int codec;
	uint32_t crc, rec_crc;
};

/* Called in order for each finished block. */
typedef int (*xc_zpool_emit_fn)(void *arg, const struct xc_zblock *b);

/* threads 0: compress on the caller's thread. rec_kind: the image record
 * kind the blocks are stored in. NULL with errno on failure. */
struct xc_zpool *xc_zpool_new(int codec, int level, int threads, size_t block_cap,
			      uint32_t rec_kind);
/* A buffer of block_cap bytes for the next block. Emits finished blocks while
 * it waits for a free one; returns NULL with *err set if an emit or a
 * compression failed. */
uint8_t *xc_zpool_buffer(struct xc_zpool *zp, xc_zpool_emit_fn emit, void *arg, int *err);
/* Hands the buffer from xc_zpool_buffer() over for compression. */
void xc_zpool_submit(struct xc_zpool *zp, size_t raw_len);
/* Emits every submitted block. */
int xc_zpool_drain(struct xc_zpool *zp, xc_zpool_emit_fn emit, void *arg);
void xc_zpool_free(struct xc_zpool *zp);
/* Whether a drained pool was made by xc_zpool_new() with these arguments
 * (it can then be used again instead of a new one). */
bool xc_zpool_fits(const struct xc_zpool *zp, int codec, int level, int threads,
		   size_t block_cap, uint32_t rec_kind);
/* Worker count for "auto": the online CPUs, at most 8. */
int xc_zpool_auto_threads(void);

#endif
