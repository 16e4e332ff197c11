#define LOG_PREFIX "pages: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "common/crc32c.h"
#include "common/ctx.h"
#include "common/img-pages.h"
#include "common/log.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *n;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * elem);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

int xc_pagew_open(struct xc_ctx *ctx, struct xc_pagew *pw, int dirfd, const char *name,
		  int codec, int level)
{
	memset(pw, 0, sizeof(*pw));
	pw->w.fd = -1;
	pw->codec = codec;
	pw->level = level;
	pw->page = sysconf(_SC_PAGESIZE);
	pw->raw_cap = XC_PAGE_BLOCK_PAGES * pw->page;
	pw->raw = malloc(pw->raw_cap);
	pw->cbuf_cap = ZSTD_compressBound(pw->raw_cap);
	pw->cbuf = malloc(pw->cbuf_cap);
	if (!pw->raw || !pw->cbuf)
		return xc_fail(ctx, 0, name, "allocate page buffers", -ENOMEM);
	if (codec == XC_CODEC_ZSTD) {
		pw->cctx = ZSTD_createCCtx();
		if (!pw->cctx ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(pw->cctx, ZSTD_c_compressionLevel, level)))
			return xc_fail(ctx, 0, name, "set up zstd", -EINVAL);
	}
	return xc_imgw_open(ctx, &pw->w, dirfd, name, XC_FILE_PAGES);
}

/* Compress the current block; keep it raw when that does not pay. */
static int flush_block(struct xc_ctx *ctx, struct xc_pagew *pw)
{
	struct xc_page_block *b;
	const void *data = pw->raw;
	size_t len = pw->raw_len;
	int codec = XC_CODEC_NONE;
	int err;

	if (!pw->raw_len)
		return 0;
	if (pw->codec == XC_CODEC_ZSTD) {
		size_t c = ZSTD_compress2(pw->cctx, pw->cbuf, pw->cbuf_cap, pw->raw, pw->raw_len);
		if (ZSTD_isError(c))
			return xc_failf(ctx, 0, "zstd compress", -EIO, "%s: block %zu (%s)",
					pw->w.name, pw->nr_blocks, ZSTD_getErrorName(c));
		if (c < pw->raw_len) {
			data = pw->cbuf;
			len = c;
			codec = XC_CODEC_ZSTD;
		}
	}
	err = grow((void **)&pw->blocks, &pw->cap_blocks, pw->nr_blocks + 1, sizeof(*b));
	if (err)
		return xc_fail(ctx, 0, pw->w.name, "grow block index", err);
	b = &pw->blocks[pw->nr_blocks];
	b->file_off = xc_imgw_offset(&pw->w);
	b->raw_len = (uint32_t)pw->raw_len;
	b->comp_len = (uint32_t)len;
	b->codec = codec;
	b->crc = xc_crc32c(0, data, len);
	err = xc_imgw_put(ctx, &pw->w, XC_REC_PAGE_DATA, data, len);
	if (err)
		return err;
	pw->nr_blocks++;
	pw->raw_bytes += pw->raw_len;
	pw->stored_bytes += len;
	pw->raw_len = 0;
	return 0;
}

int xc_pagew_add(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, const void *page)
{
	struct xc_page_run *r = pw->nr_runs ? &pw->runs[pw->nr_runs - 1] : NULL;
	int err;

	if (r && !pw->new_run && r->vaddr + (uint64_t)r->nr_pages * pw->page == vaddr &&
	    r->nr_pages < UINT32_MAX) {
		r->nr_pages++;
	} else {
		err = grow((void **)&pw->runs, &pw->cap_runs, pw->nr_runs + 1, sizeof(*r));
		if (err)
			return xc_fail(ctx, 0, pw->w.name, "grow page index", err);
		r = &pw->runs[pw->nr_runs++];
		r->vaddr = vaddr;
		r->nr_pages = 1;
		r->flags = 0;
		pw->new_run = false;
	}
	memcpy(pw->raw + pw->raw_len, page, pw->page);
	pw->raw_len += pw->page;
	if (pw->raw_len == pw->raw_cap)
		return flush_block(ctx, pw);
	return 0;
}

int xc_pagew_finish(struct xc_ctx *ctx, struct xc_pagew *pw)
{
	int err = flush_block(ctx, pw);

	if (err) {
		xc_imgw_abort(&pw->w);
		return err;
	}
	return xc_imgw_close(ctx, &pw->w);
}

void xc_pagew_free(struct xc_pagew *pw)
{
	if (pw->w.buf)
		xc_imgw_abort(&pw->w);
	ZSTD_freeCCtx(pw->cctx);
	free(pw->raw);
	free(pw->cbuf);
	free(pw->runs);
	free(pw->blocks);
	memset(pw, 0, sizeof(*pw));
}

int xc_page_index_check(const struct xc_page_run *runs, size_t nr_runs,
			const struct xc_page_block *blocks, size_t nr_blocks, size_t page,
			const char **why)
{
	uint64_t pages = 0, raw = 0;

	for (size_t i = 0; i < nr_runs; i++) {
		if (!runs[i].nr_pages || (runs[i].vaddr & (page - 1))) {
			*why = "bad page run";
			return -EBADMSG;
		}
		if (i && runs[i].vaddr < runs[i - 1].vaddr + (uint64_t)runs[i - 1].nr_pages * page) {
			*why = "page runs overlap or are out of order";
			return -EBADMSG;
		}
		pages += runs[i].nr_pages;
	}
	for (size_t i = 0; i < nr_blocks; i++) {
		if (!blocks[i].raw_len || blocks[i].raw_len % page ||
		    blocks[i].raw_len > XC_PAGE_BLOCK_PAGES * page ||
		    (blocks[i].codec != XC_CODEC_NONE && blocks[i].codec != XC_CODEC_ZSTD) ||
		    (blocks[i].codec == XC_CODEC_NONE && blocks[i].comp_len != blocks[i].raw_len) ||
		    (i + 1 < nr_blocks && blocks[i].raw_len != XC_PAGE_BLOCK_PAGES * page)) {
			*why = "bad page block";
			return -EBADMSG;
		}
		raw += blocks[i].raw_len;
	}
	if (raw != pages * page) {
		*why = "page blocks do not cover the page runs";
		return -EBADMSG;
	}
	return 0;
}

int xc_pager_open(struct xc_ctx *ctx, struct xc_pager *pr, int dirfd, const char *name,
		  const struct xc_page_run *runs, size_t nr_runs,
		  const struct xc_page_block *blocks, size_t nr_blocks)
{
	const char *why;
	int err;

	memset(pr, 0, sizeof(*pr));
	pr->page = sysconf(_SC_PAGESIZE);
	pr->runs = runs;
	pr->nr_runs = nr_runs;
	pr->blocks = blocks;
	pr->nr_blocks = nr_blocks;
	err = xc_page_index_check(runs, nr_runs, blocks, nr_blocks, pr->page, &why);
	if (err) {
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_failf(ctx, 0, why, err, "%s: page index", name);
	}
	for (size_t i = 0; i < nr_runs; i++)
		pr->nr_pages += runs[i].nr_pages;
	/* Frames, checksums and the END count of every record. */
	err = xc_imgr_open(ctx, &pr->r, dirfd, name, XC_FILE_PAGES);
	if (err)
		return err;
	for (size_t i = 0; i < nr_blocks; i++) {
		const struct xc_page_block *b = &blocks[i];
		struct xc_rec_hdr h;

		if (b->file_off + sizeof(h) + b->comp_len > pr->r.len)
			goto bad;
		memcpy(&h, pr->r.buf + b->file_off, sizeof(h));
		if (h.kind != XC_REC_PAGE_DATA || h.len != b->comp_len ||
		    xc_crc32c(0, pr->r.buf + b->file_off + sizeof(h), h.len) != b->crc)
			goto bad;
		continue;
bad:
		ctx->exit_hint = XC_EXIT_IMAGE;
		xc_imgr_close(&pr->r);
		return xc_failf(ctx, 0, "block does not match the page index", -EBADMSG,
				"%s: offset %llu", name, (unsigned long long)b->file_off);
	}
	pr->dctx = ZSTD_createDCtx();
	if (!pr->dctx) {
		xc_imgr_close(&pr->r);
		return xc_fail(ctx, 0, name, "set up zstd", -ENOMEM);
	}
	return 0;
}

int xc_pager_block(struct xc_ctx *ctx, struct xc_pager *pr, size_t i, void *out)
{
	const struct xc_page_block *b = &pr->blocks[i];
	const char *src = pr->r.buf + b->file_off + sizeof(struct xc_rec_hdr);
	size_t n;

	if (b->codec == XC_CODEC_NONE) {
		memcpy(out, src, b->raw_len);
		return 0;
	}
	n = ZSTD_decompressDCtx(pr->dctx, out, b->raw_len, src, b->comp_len);
	if (ZSTD_isError(n) || n != b->raw_len)
		return xc_failf(ctx, 0, "zstd decompress", -EBADMSG, "%s: block %zu", pr->r.name, i);
	return 0;
}

void xc_pager_close(struct xc_pager *pr)
{
	ZSTD_freeDCtx(pr->dctx);
	xc_imgr_close(&pr->r);
	memset(pr, 0, sizeof(*pr));
}
