/* Page data: a logical stream of pages (in PAGE_RUNS order) cut into blocks
 * of at most XC_PAGE_BLOCK_PAGES pages, each compressed on its own so blocks
 * can be written, read and decompressed independently (parallel pipelines,
 * lazy restore) and an incremental image can point at its parent's. */
#ifndef XC_IMG_PAGES_H
#define XC_IMG_PAGES_H


#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/img.h"

#define XC_PAGE_BLOCK_PAGES 256

struct xc_zpool;

struct xc_pagew {
	struct xc_imgw w;
	struct xc_ctx *ctx;
	struct xc_zpool *zp;	/* compresses blocks on worker threads */
	size_t page;
	uint8_t *raw;		/* block being filled, from the pool */
	size_t raw_len, raw_cap;
	struct xc_page_run *runs;
	size_t nr_runs, cap_runs;
	struct xc_page_block *blocks;
	size_t nr_blocks, cap_blocks;
	xc_page_hash *hashes;	/* one per page of the runs */
	size_t nr_hashes, cap_hashes;
	uint64_t raw_bytes, stored_bytes;
	bool new_run;		/* next page starts a run (a VMA boundary) */
};

/* threads: compression workers, 0 for none, -1 for one per CPU. */
int xc_pagew_open(struct xc_ctx *ctx, struct xc_pagew *pw, int dirfd, const char *name,
		  int codec, int level, int threads);
/* Runs never span two VMAs: call at the start of each. */
static inline void xc_pagew_break(struct xc_pagew *pw) { pw->new_run = true; }
int xc_pagew_add(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, const void *page);
/* Reading straight into the block, without a copy: room for *n pages (at
 * least one) at the end of the block being filled; the next page of the
 * stream goes at its start. */
uint8_t *xc_pagew_room(struct xc_pagew *pw, size_t *n);
/* The page at vaddr, whose hash is h, is in place at the start of the room:
 * adds it. Once the block is full it is handed over, and the room moves to
 * a new block, so the pages of one room are committed in order, at most *n
 * of them. in_parent: the page is the parent image's, unchanged; it goes in
 * a run marked XC_RUN_PARENT and takes no room. */
int xc_pagew_commit(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, xc_page_hash h,
		    bool in_parent);
/* The page at vaddr is the parent process's page at the same address in
 * the same image (XC_RUN_FORKED): a run of its own, no room taken. */
int xc_pagew_commit_forked(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr,
			   xc_page_hash h);
/* The hash of a page, as PAGE_HASHES records it. */
xc_page_hash xc_page_hash_of(const void *page, size_t len);
/* Flushes the last block and closes the file; runs and blocks stay for the
 * caller to record. */
int xc_pagew_finish(struct xc_ctx *ctx, struct xc_pagew *pw);
void xc_pagew_free(struct xc_pagew *pw);
/* Frees the compressor xc_pagew_finish() kept for the next file. */
void xc_pagew_spare_free(struct xc_ctx *ctx);

struct xc_pager {
	int fd;
	int dfd;	/* between xc_pager_direct_begin() and _end(): the file
			 * with O_DIRECT, or -1 */
	uint64_t size;
	void *map;	/* the same: the file mapped, only to ask mincore()
			 * what is cached */
	char name[320];	/* as errors name it: a path for a parent's file */
	size_t page;
	const struct xc_page_run *runs;
	size_t nr_runs;
	const struct xc_page_block *blocks;
	size_t nr_blocks;
	uint64_t nr_pages;
	struct xc_pager_buf *own;	/* for xc_pager_block() */
};

/* Per-thread scratch for reading blocks: a decompression context and room
 * for one stored block. */
struct xc_pager_buf;
struct xc_pager_buf *xc_pager_buf_new(void);
void xc_pager_buf_free(struct xc_pager_buf *b);

/* Opens pages-<pid>.img and checks what can be checked without reading the
 * page data: the file header, that the index lays its records out back to
 * back, the file's size and END. Each record is checked in full (header,
 * padding, its checksum, the index's checksum of its payload) when its
 * block is read, so that a restore reads the image once. */
int xc_pager_open(struct xc_ctx *ctx, struct xc_pager *pr, int dirfd, const char *name,
		  const struct xc_page_run *runs, size_t nr_runs,
		  const struct xc_page_block *blocks, size_t nr_blocks);
/* Decompresses block i into out (XC_PAGE_BLOCK_PAGES pages of room). */
int xc_pager_block(struct xc_ctx *ctx, struct xc_pager *pr, size_t i, void *out);
/* The same without touching ctx or pr, safe from several threads each with
 * its own buffer; returns 0 or -errno (-EBADMSG: data does not decompress). */
int xc_pager_read(const struct xc_pager *pr, size_t i, void *out, struct xc_pager_buf *b);
/* From begin to end, blocks that are not all in the page cache are read
 * with O_DIRECT where the file system takes it: a restore neither waits
 * for the page cache to fill nor leaves a second copy of the memory there.
 * Two more descriptors and a mapping while it lasts, so a restore holds
 * them only for the process it is filling. Not thread-safe: call them
 * around the readers. */
void xc_pager_direct_begin(struct xc_pager *pr);
void xc_pager_direct_end(struct xc_pager *pr);
/* The same without a copy for a block stored raw: its pages, either in b
 * (valid until b's next use) or decoded into out; NULL with errno set. */
const void *xc_pager_get(const struct xc_pager *pr, size_t i, struct xc_pager_buf *b, void *out);
/* After -EBADMSG from a read with b: why, and at which file offset. */
const char *xc_pager_buf_why(const struct xc_pager_buf *b, uint64_t *off);
void xc_pager_close(struct xc_pager *pr);

/* Pure check of a page index: runs sorted and non-overlapping, block sizes
 * adding up to the run pages. */
int xc_page_index_check(const struct xc_page_run *runs, size_t nr_runs,
			const struct xc_page_block *blocks, size_t nr_blocks, size_t page,
			const char **why);

#endif
