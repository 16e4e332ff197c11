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

struct xc_pagew {
	struct xc_imgw w;
	int codec, level;
	void *cctx;
	size_t page;
	uint8_t *raw;
	size_t raw_len, raw_cap;
	uint8_t *cbuf;
	size_t cbuf_cap;
	struct xc_page_run *runs;
	size_t nr_runs, cap_runs;
	struct xc_page_block *blocks;
	size_t nr_blocks, cap_blocks;
	uint64_t raw_bytes, stored_bytes;
	bool new_run;		/* next page starts a run (a VMA boundary) */
};

int xc_pagew_open(struct xc_ctx *ctx, struct xc_pagew *pw, int dirfd, const char *name,
		  int codec, int level);
/* Runs never span two VMAs: call at the start of each. */
static inline void xc_pagew_break(struct xc_pagew *pw) { pw->new_run = true; }
int xc_pagew_add(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, const void *page);
/* Flushes the last block and closes the file; runs and blocks stay for the
 * caller to record. */
int xc_pagew_finish(struct xc_ctx *ctx, struct xc_pagew *pw);
void xc_pagew_free(struct xc_pagew *pw);

struct xc_pager {
	struct xc_imgr r;
	void *dctx;
	size_t page;
	const struct xc_page_run *runs;
	size_t nr_runs;
	const struct xc_page_block *blocks;
	size_t nr_blocks;
	uint64_t nr_pages;
};

/* Opens pages-<pid>.img and checks it against the index: every block's
 * record, length and checksum. Nothing is decompressed. */
int xc_pager_open(struct xc_ctx *ctx, struct xc_pager *pr, int dirfd, const char *name,
		  const struct xc_page_run *runs, size_t nr_runs,
		  const struct xc_page_block *blocks, size_t nr_blocks);
/* Decompresses block i into out (XC_PAGE_BLOCK_PAGES pages of room). */
int xc_pager_block(struct xc_ctx *ctx, struct xc_pager *pr, size_t i, void *out);
void xc_pager_close(struct xc_pager *pr);

/* Pure check of a page index: runs sorted and non-overlapping, block sizes
 * adding up to the run pages. */
int xc_page_index_check(const struct xc_page_run *runs, size_t nr_runs,
			const struct xc_page_block *blocks, size_t nr_blocks, size_t page,
			const char **why);

#endif
