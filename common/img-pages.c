#define LOG_PREFIX "pages: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/blockcode.h"
#include "common/crc32c.h"
#include "common/ctx.h"
#include "common/img-pages.h"
#include "common/log.h"
#include "common/zpool.h"

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

/* Called by the pool, in order, on this thread: one PAGE_DATA record and
 * its index entry per block. */
static int emit_block(void *arg, const struct xc_zblock *zb)
{
	struct xc_pagew *pw = arg;
	struct xc_page_block *b;
	int err;

	err = grow((void **)&pw->blocks, &pw->cap_blocks, pw->nr_blocks + 1, sizeof(*b));
	if (err)
		return xc_fail(pw->ctx, 0, pw->w.name, "grow block index", err);
	b = &pw->blocks[pw->nr_blocks];
	b->file_off = xc_imgw_offset(&pw->w);
	b->raw_len = (uint32_t)zb->raw_len;
	b->comp_len = (uint32_t)zb->len;
	b->codec = (uint32_t)zb->codec;
	b->crc = zb->crc;
	err = xc_imgw_put_crc(pw->ctx, &pw->w, XC_REC_PAGE_DATA, zb->data, zb->len, zb->rec_crc);
	if (err)
		return err;
	pw->nr_blocks++;
	pw->raw_bytes += zb->raw_len;
	pw->stored_bytes += zb->len;
	return 0;
}

static int next_buffer(struct xc_pagew *pw)
{
	int err = 0;

	pw->raw = xc_zpool_buffer(pw->zp, emit_block, pw, &err);
	pw->raw_len = 0;
	if (pw->raw)
		return 0;
	if (!err)
		err = -EIO;
	if (!pw->ctx->first_err.code)
		xc_failf(pw->ctx, 0, "compress", err, "%s: block %zu", pw->w.name, pw->nr_blocks);
	return err;
}

int xc_pagew_open(struct xc_ctx *ctx, struct xc_pagew *pw, int dirfd, const char *name,
		  int codec, int level, int threads)
{
	int err;

	memset(pw, 0, sizeof(*pw));
	pw->w.fd = -1;
	pw->ctx = ctx;
	pw->page = sysconf(_SC_PAGESIZE);
	pw->raw_cap = XC_PAGE_BLOCK_PAGES * pw->page;
	if (threads < 0)
		threads = xc_zpool_auto_threads();
	pw->zp = xc_zpool_new(codec, level, threads, pw->raw_cap, XC_REC_PAGE_DATA);
	if (!pw->zp)
		return xc_fail(ctx, 0, name, "set up compression", -errno);
	err = xc_imgw_open(ctx, &pw->w, dirfd, name, XC_FILE_PAGES);
	if (!err)
		err = xc_imgw_stream(ctx, &pw->w);
	if (!err)
		err = next_buffer(pw);
	return err;
}

/* Hand the current block to the pool and take the next buffer. */
static int flush_block(struct xc_pagew *pw)
{
	xc_zpool_submit(pw->zp, pw->raw_len);
	return next_buffer(pw);
}

uint8_t *xc_pagew_room(struct xc_pagew *pw, size_t *n)
{
	*n = (pw->raw_cap - pw->raw_len) / pw->page;
	return pw->raw + pw->raw_len;
}

xc_page_hash xc_page_hash_of(const void *page, size_t len)
{
	return XXH3_64bits(page, len);
}

int xc_pagew_add(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, const void *page)
{
	memcpy(pw->raw + pw->raw_len, page, pw->page);
	return xc_pagew_commit(ctx, pw, vaddr, xc_page_hash_of(page, pw->page), false);
}

/* Extends the last run with the page at vaddr, or starts one. */
static int note_page(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, xc_page_hash h,
		     uint32_t flags)
{
	struct xc_page_run *r = pw->nr_runs ? &pw->runs[pw->nr_runs - 1] : NULL;
	int err;

	err = grow((void **)&pw->hashes, &pw->cap_hashes, pw->nr_hashes + 1, sizeof(h));
	if (err)
		return xc_fail(ctx, 0, pw->w.name, "grow page hashes", err);
	pw->hashes[pw->nr_hashes++] = h;
	if (r && !pw->new_run && r->vaddr + (uint64_t)r->nr_pages * pw->page == vaddr &&
	    r->flags == flags && r->nr_pages < UINT32_MAX) {
		r->nr_pages++;
	} else {
		err = grow((void **)&pw->runs, &pw->cap_runs, pw->nr_runs + 1, sizeof(*r));
		if (err)
			return xc_fail(ctx, 0, pw->w.name, "grow page index", err);
		r = &pw->runs[pw->nr_runs++];
		r->vaddr = vaddr;
		r->nr_pages = 1;
		r->flags = flags;
		pw->new_run = false;
	}
	return 0;
}

int xc_pagew_commit(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr, xc_page_hash h,
		    bool in_parent)
{
	int err = note_page(ctx, pw, vaddr, h, in_parent ? XC_RUN_PARENT : 0);

	if (err || in_parent)
		return err;
	pw->raw_len += pw->page;
	if (pw->raw_len == pw->raw_cap)
		return flush_block(pw);
	return 0;
}

int xc_pagew_finish(struct xc_ctx *ctx, struct xc_pagew *pw)
{
	int err;

	if (pw->raw_len)
		xc_zpool_submit(pw->zp, pw->raw_len);
	pw->raw = NULL;
	pw->raw_len = 0;
	err = xc_zpool_drain(pw->zp, emit_block, pw);
	if (err && !ctx->first_err.code)
		err = xc_fail(ctx, 0, pw->w.name, "compress", err);

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
	xc_zpool_free(pw->zp);
	free(pw->runs);
	free(pw->blocks);
	free(pw->hashes);
	memset(pw, 0, sizeof(*pw));
}

int xc_page_index_check(const struct xc_page_run *runs, size_t nr_runs,
			const struct xc_page_block *blocks, size_t nr_blocks, size_t page,
			const char **why)
{
	uint64_t pages = 0, raw = 0;

	for (size_t i = 0; i < nr_runs; i++) {
		/* Every run must end inside the 64-bit space, so that the order
		 * and overlap checks below cannot wrap. */
		if (!runs[i].nr_pages || (runs[i].vaddr & (page - 1)) ||
		    (runs[i].flags & ~XC_RUN_PARENT) ||
		    runs[i].vaddr > UINT64_MAX - (uint64_t)runs[i].nr_pages * page) {
			*why = "bad page run";
			return -EBADMSG;
		}
		if (i && runs[i].vaddr < runs[i - 1].vaddr + (uint64_t)runs[i - 1].nr_pages * page) {
			*why = "page runs overlap or are out of order";
			return -EBADMSG;
		}
		if (!(runs[i].flags & XC_RUN_PARENT))	/* in the parent's stream */
			pages += runs[i].nr_pages;
	}
	for (size_t i = 0; i < nr_blocks; i++) {
		if (!blocks[i].raw_len || blocks[i].raw_len % page ||
		    blocks[i].raw_len > XC_PAGE_BLOCK_PAGES * page ||
		    blocks[i].codec >= XC_CODEC_COUNT ||
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

struct xc_pager_buf {
	struct xc_coder *coder;
	void *data;
	size_t cap;
};

struct xc_pager_buf *xc_pager_buf_new(void)
{
	struct xc_pager_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	size_t block = XC_PAGE_BLOCK_PAGES * (size_t)sysconf(_SC_PAGESIZE);

	b->cap = (xc_code_bound(block) + 7) & ~7ul;
	b->data = malloc(b->cap);
	b->coder = xc_coder_new(1, block);
	if (!b->data || !b->coder) {
		xc_pager_buf_free(b);
		return NULL;
	}
	return b;
}

void xc_pager_buf_free(struct xc_pager_buf *b)
{
	if (!b)
		return;
	xc_coder_free(b->coder);
	free(b->data);
	free(b);
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Walks the file record by record. Returns 0, an I/O error, or -EBADMSG with
 * *bad_off and *why. */
static int pager_scan(struct xc_pager *pr, struct xc_pager_buf *b, uint64_t size,
		      uint64_t *bad_off, const char **why)
{
	struct xc_file_hdr fh;
	uint64_t off = sizeof(fh), nr = 0;
	int err;

	*bad_off = 0;
	err = pread_all(pr->fd, &fh, sizeof(fh), 0);
	if (err == -ENODATA) {
		*why = "truncated file header";
		return -EBADMSG;
	}
	if (err)
		return err;
	err = xc_file_hdr_check(&fh, XC_FILE_PAGES, bad_off, why);
	if (err)
		return err;
	for (;;) {
		struct xc_rec_hdr h;
		uint64_t padded;

		*bad_off = off;
		if (size - off < sizeof(h)) {
			*why = "truncated: record header past end of file (no END record)";
			return -EBADMSG;
		}
		err = pread_all(pr->fd, &h, sizeof(h), off);
		if (err)
			return err;
		padded = ((uint64_t)h.len + 7) & ~7ULL;
		if (padded > b->cap || padded > size - off - sizeof(h)) {
			*why = "truncated: record length runs past end of file";
			return -EBADMSG;
		}
		err = pread_all(pr->fd, b->data, padded, off + sizeof(h));
		if (err)
			return err;
		if (xc_rec_crc(&h, b->data) != h.crc) {
			*why = "record checksum mismatch";
			return -EBADMSG;
		}
		if (!xc_pad_is_zero((char *)b->data + h.len, padded - h.len)) {
			*why = "record padding is not zero";
			return -EBADMSG;
		}
		if (h.kind == XC_REC_END) {
			struct xc_rec_end e;
			memcpy(&e, b->data, sizeof(e));
			if (h.len != sizeof(e) || e.nr_records != nr) {
				*why = "bad END record";
				return -EBADMSG;
			}
			if (nr != pr->nr_blocks) {
				*why = "page data does not match the page index";
				return -EBADMSG;
			}
			off += sizeof(h) + padded;
			*bad_off = off;
			if (off != size) {
				*why = "trailing bytes after END record";
				return -EBADMSG;
			}
			return 0;
		}
		if (h.kind != XC_REC_PAGE_DATA || nr >= pr->nr_blocks ||
		    pr->blocks[nr].file_off != off || pr->blocks[nr].comp_len != h.len ||
		    xc_crc32c(0, b->data, h.len) != pr->blocks[nr].crc) {
			*why = "page data does not match the page index";
			return -EBADMSG;
		}
		off += sizeof(h) + padded;
		nr++;
	}
}

int xc_pager_open(struct xc_ctx *ctx, struct xc_pager *pr, int dirfd, const char *name,
		  const struct xc_page_run *runs, size_t nr_runs,
		  const struct xc_page_block *blocks, size_t nr_blocks)
{
	const char *why;
	uint64_t bad;
	struct stat st;
	int err;

	memset(pr, 0, sizeof(*pr));
	pr->fd = -1;
	snprintf(pr->name, sizeof(pr->name), "%s", name);
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
		if (!(runs[i].flags & XC_RUN_PARENT))
			pr->nr_pages += runs[i].nr_pages;
	pr->own = xc_pager_buf_new();
	if (!pr->own)
		return xc_fail(ctx, 0, name, "allocate", -ENOMEM);
	pr->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (pr->fd < 0 || fstat(pr->fd, &st)) {
		err = xc_fail(ctx, 0, name, "open image file", -errno);
		xc_pager_close(pr);
		return err;
	}
	posix_fadvise(pr->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	err = pager_scan(pr, pr->own, (uint64_t)st.st_size, &bad, &why);
	if (err == -EBADMSG || err == -EPROTO) {
		char step[sizeof(ctx->first_err.step)];

		ctx->exit_hint = XC_EXIT_IMAGE;
		snprintf(step, sizeof(step), "offset %llu: %s", (unsigned long long)bad, why);
		xc_fail(ctx, 0, name, step, err);
	} else if (err) {
		xc_fail(ctx, 0, name, "read", err);
	}
	if (err)
		xc_pager_close(pr);
	return err;
}

int xc_pager_read(const struct xc_pager *pr, size_t i, void *out, struct xc_pager_buf *b)
{
	const struct xc_page_block *blk = &pr->blocks[i];
	int err;

	/* Checked again as it is used: the file could have changed since
	 * xc_pager_open() read it. */
	if (blk->codec == XC_CODEC_NONE) {
		err = pread_all(pr->fd, out, blk->raw_len, blk->file_off + sizeof(struct xc_rec_hdr));
		if (!err && xc_crc32c(0, out, blk->raw_len) != blk->crc)
			err = -EBADMSG;
		return err;
	}
	err = pread_all(pr->fd, b->data, blk->comp_len, blk->file_off + sizeof(struct xc_rec_hdr));
	if (err)
		return err;
	if (xc_crc32c(0, b->data, blk->comp_len) != blk->crc)
		return -EBADMSG;
	return xc_code_decode(b->coder, (int)blk->codec, b->data, blk->comp_len, out, blk->raw_len);
}

int xc_pager_block(struct xc_ctx *ctx, struct xc_pager *pr, size_t i, void *out)
{
	int err = xc_pager_read(pr, i, out, pr->own);

	if (err)
		return xc_failf(ctx, 0, "read page block", err, "%s: block %zu", pr->name, i);
	return 0;
}

void xc_pager_close(struct xc_pager *pr)
{
	if (pr->fd >= 0)
		close(pr->fd);
	xc_pager_buf_free(pr->own);
	pr->own = NULL;
	pr->fd = -1;
}
