#define LOG_PREFIX "pages: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
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
	if (ctx->spare_zpool &&
	    xc_zpool_fits(ctx->spare_zpool, codec, level, threads, pw->raw_cap, XC_REC_PAGE_DATA)) {
		pw->zp = ctx->spare_zpool;
		ctx->spare_zpool = NULL;
	} else {
		pw->zp = xc_zpool_new(codec, level, threads, pw->raw_cap, XC_REC_PAGE_DATA);
	}
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

int xc_pagew_commit_forked(struct xc_ctx *ctx, struct xc_pagew *pw, uint64_t vaddr,
			   xc_page_hash h)
{
	return note_page(ctx, pw, vaddr, h, XC_RUN_FORKED);
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
	/* Drained: kept for the next file rather than made again. */
	if (!ctx->spare_zpool)
		ctx->spare_zpool = pw->zp;
	else
		xc_zpool_free(pw->zp);
	pw->zp = NULL;
	return xc_imgw_close(ctx, &pw->w);
}

void xc_pagew_spare_free(struct xc_ctx *ctx)
{
	xc_zpool_free(ctx->spare_zpool);
	ctx->spare_zpool = NULL;
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
		    (runs[i].flags & ~XC_RUN_ELSEWHERE) ||
		    (runs[i].flags & XC_RUN_ELSEWHERE) == XC_RUN_ELSEWHERE ||
		    runs[i].vaddr > UINT64_MAX - (uint64_t)runs[i].nr_pages * page) {
			*why = "bad page run";
			return -EBADMSG;
		}
		if (i && runs[i].vaddr < runs[i - 1].vaddr + (uint64_t)runs[i - 1].nr_pages * page) {
			*why = "page runs overlap or are out of order";
			return -EBADMSG;
		}
		if (!(runs[i].flags & XC_RUN_ELSEWHERE))	/* elsewhere: not in this stream */
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

/* Room for one record read with O_DIRECT: header, payload and padding, plus
 * the alignment slack at both ends. */
#define XC_DIO_ALIGN 4096u

struct xc_pager_buf {
	struct xc_coder *coder;
	uint8_t *data;		/* XC_DIO_ALIGN-aligned */
	size_t cap;
	bool no_direct;		/* the file system refused an O_DIRECT read */
	uint64_t bad_off;	/* after -EBADMSG: where, and why */
	const char *why;
};

struct xc_pager_buf *xc_pager_buf_new(void)
{
	struct xc_pager_buf *b = calloc(1, sizeof(*b));
	size_t block = XC_PAGE_BLOCK_PAGES * (size_t)sysconf(_SC_PAGESIZE);

	if (!b)
		return NULL;
	b->cap = (sizeof(struct xc_rec_hdr) + xc_code_bound(block) + 7 + 2 * XC_DIO_ALIGN) &
		 ~(size_t)(XC_DIO_ALIGN - 1);
	if (posix_memalign((void **)&b->data, XC_DIO_ALIGN, b->cap))
		b->data = NULL;
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

const char *xc_pager_buf_why(const struct xc_pager_buf *b, uint64_t *off)
{
	*off = b->bad_off;
	return b->why ? b->why : "bad page data";
}

/* Reads len bytes at off; fewer only where the file ends, but at least min. */
static int pread_min(int fd, void *buf, size_t len, size_t min, uint64_t off)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got < min ? -ENODATA : 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return pread_min(fd, buf, len, len, off);
}

static uint64_t rec_size(uint32_t len)
{
	return sizeof(struct xc_rec_hdr) + (((uint64_t)len + 7) & ~7ULL);
}

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

/* What can be checked without reading the page data: the file header, that
 * the index lays the records out back to back, the file's size, and END.
 * Each record is checked in full when its block is read (xc_pager_get()):
 * a restore reads the image once. Returns 0, an I/O error, or -EBADMSG /
 * -EPROTO with *bad_off and *why. */
static int pager_frame(struct xc_pager *pr, uint64_t *bad_off, const char **why)
{
	struct {
		struct xc_rec_hdr h;
		struct xc_rec_end e;
	} end;
	struct xc_file_hdr fh;
	uint64_t off = sizeof(fh), want;
	int err;

	*bad_off = 0;
	err = pread_all(pr->fd, &fh, sizeof(fh), 0);
	if (err == -ENODATA)
		return bad(why, "truncated file header");
	if (err)
		return err;
	err = xc_file_hdr_check(&fh, XC_FILE_PAGES, bad_off, why);
	if (err)
		return err;
	for (size_t i = 0; i < pr->nr_blocks; i++) {
		*bad_off = off;
		if (pr->blocks[i].file_off != off || pr->blocks[i].comp_len > XC_REC_MAX_LEN)
			return bad(why, "page data does not match the page index");
		off += rec_size(pr->blocks[i].comp_len);
	}
	want = off + sizeof(end);
	*bad_off = pr->size < want ? pr->size : want;
	if (pr->size < want)
		return bad(why, "truncated: shorter than its page index says");
	if (pr->size > want)
		return bad(why, "trailing bytes after END record");
	*bad_off = off;
	err = pread_all(pr->fd, &end, sizeof(end), off);
	if (err)
		return err;
	if (end.h.kind != XC_REC_END || end.h.len != sizeof(end.e) || end.h.flags ||
	    xc_rec_crc(&end.h, &end.e) != end.h.crc || end.e.nr_records != pr->nr_blocks)
		return bad(why, "bad END record");
	return 0;
}

/* Whether [off, off + len) is all in the page cache: then a buffered read
 * copies it from there, where O_DIRECT would read the disk again. */
static bool cached(const struct xc_pager *pr, uint64_t off, size_t len)
{
	unsigned char vec[(XC_PAGE_BLOCK_PAGES + 8) * 2];
	uint64_t a = off & ~(uint64_t)(pr->page - 1);
	size_t n = (off + len - a + pr->page - 1) / pr->page;

	if (!pr->map || n > sizeof(vec) || mincore((char *)pr->map + a, n * pr->page, vec))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(vec[i] & 1))
			return false;
	return true;
}

/* Reads record i into b: from the disk with O_DIRECT unless it is cached,
 * so that a restore neither waits for the page cache to fill nor leaves
 * a second copy of the memory there. *p: the record header. */
static int read_record(const struct xc_pager *pr, const struct xc_page_block *blk,
		       struct xc_pager_buf *b, const uint8_t **p)
{
	uint64_t off = blk->file_off, len = rec_size(blk->comp_len);
	int err;

	/* The index can claim any length that adds up with the file's size:
	 * no more than the worst case of coding a block. */
	if (len > b->cap - 2 * XC_DIO_ALIGN) {
		b->bad_off = off;
		b->why = "record larger than any coding of a block";
		return -EBADMSG;
	}
	if (pr->dfd >= 0 && !b->no_direct && !cached(pr, off, len)) {
		uint64_t a0 = off & ~(uint64_t)(XC_DIO_ALIGN - 1);
		uint64_t a1 = (off + len + XC_DIO_ALIGN - 1) & ~(uint64_t)(XC_DIO_ALIGN - 1);

		err = pread_min(pr->dfd, b->data, a1 - a0, off + len - a0, a0);
		if (err != -EINVAL) {
			*p = b->data + (off - a0);
			return err;
		}
		b->no_direct = true;
	}
	*p = b->data;
	return pread_all(pr->fd, b->data, len, off);
}

/* Checks a record read whole against the index: header, padding, the
 * index's checksum of the payload and the record's own, both from one
 * pass over the data. */
static int check_record(const struct xc_page_block *blk, const uint8_t *p, struct xc_pager_buf *b)
{
	struct xc_rec_hdr h;
	uint32_t crc;

	memcpy(&h, p, sizeof(h));
	b->bad_off = blk->file_off;
	if (h.kind != XC_REC_PAGE_DATA || h.len != blk->comp_len || h.flags) {
		b->why = "page data does not match the page index";
		return -EBADMSG;
	}
	if (!xc_pad_is_zero(p + sizeof(h) + h.len, rec_size(h.len) - sizeof(h) - h.len)) {
		b->why = "record padding is not zero";
		return -EBADMSG;
	}
	crc = xc_crc32c(0, p + sizeof(h), h.len);
	if (xc_rec_crc_of(&h, crc) != h.crc) {
		b->why = "record checksum mismatch";
		return -EBADMSG;
	}
	if (crc != blk->crc) {
		b->why = "page data does not match the page index";
		return -EBADMSG;
	}
	return 0;
}

int xc_pager_open(struct xc_ctx *ctx, struct xc_pager *pr, int dirfd, const char *name,
		  const struct xc_page_run *runs, size_t nr_runs,
		  const struct xc_page_block *blocks, size_t nr_blocks)
{
	const char *why;
	uint64_t bad_off;
	struct stat st;
	int err;

	memset(pr, 0, sizeof(*pr));
	pr->fd = pr->dfd = -1;
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
		if (!(runs[i].flags & XC_RUN_ELSEWHERE))
			pr->nr_pages += runs[i].nr_pages;
	pr->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (pr->fd < 0 || fstat(pr->fd, &st)) {
		err = xc_fail(ctx, 0, name, "open image file", -errno);
		xc_pager_close(pr);
		return err;
	}
	pr->size = (uint64_t)st.st_size;
	err = pager_frame(pr, &bad_off, &why);
	if (err == -EBADMSG || err == -EPROTO) {
		char step[sizeof(ctx->first_err.step)];

		ctx->exit_hint = XC_EXIT_IMAGE;
		snprintf(step, sizeof(step), "offset %llu: %s", (unsigned long long)bad_off, why);
		xc_fail(ctx, 0, name, step, err);
	} else if (err) {
		xc_fail(ctx, 0, name, "read", err);
	}
	if (err)
		xc_pager_close(pr);
	return err;
}

void xc_pager_direct_begin(struct xc_pager *pr)
{
	char path[64];

	if (pr->dfd >= 0 || pr->fd < 0)
		return;
	/* The same file again, not the same path: /proc/self/fd. Without
	 * O_DIRECT (a file system that refuses it), buffered reads. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pr->fd);
	pr->dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (pr->dfd >= 0 && pr->size) {
		pr->map = mmap(NULL, pr->size, PROT_READ, MAP_SHARED, pr->fd, 0);
		if (pr->map == MAP_FAILED)
			pr->map = NULL;
	}
}

void xc_pager_direct_end(struct xc_pager *pr)
{
	if (pr->map)
		munmap(pr->map, pr->size);
	if (pr->dfd >= 0)
		close(pr->dfd);
	pr->map = NULL;
	pr->dfd = -1;
}

const void *xc_pager_get(const struct xc_pager *pr, size_t i, struct xc_pager_buf *b, void *out)
{
	const struct xc_page_block *blk = &pr->blocks[i];
	const uint8_t *p;
	int err;

	b->why = NULL;
	err = read_record(pr, blk, b, &p);
	if (err == -ENODATA) {
		b->bad_off = blk->file_off;
		b->why = "truncated";
		err = -EBADMSG;
	}
	if (!err)
		err = check_record(blk, p, b);
	if (err) {
		errno = -err;
		return NULL;
	}
	p += sizeof(struct xc_rec_hdr);
	if (blk->codec == XC_CODEC_NONE)
		return p;
	err = xc_code_decode(b->coder, (int)blk->codec, p, blk->comp_len, out, blk->raw_len);
	if (err) {
		b->bad_off = blk->file_off;
		b->why = "page data does not decompress";
		errno = -err;
		return NULL;
	}
	return out;
}

int xc_pager_read(const struct xc_pager *pr, size_t i, void *out, struct xc_pager_buf *b)
{
	const void *p = xc_pager_get(pr, i, b, out);

	if (!p)
		return -errno;
	if (p != out)
		memcpy(out, p, pr->blocks[i].raw_len);
	return 0;
}

int xc_pager_block(struct xc_ctx *ctx, struct xc_pager *pr, size_t i, void *out)
{
	int err;

	/* Made at the first read rather than at open: a restore opens every
	 * process's pager before it forks the tree, and each fork would copy
	 * 2 MiB mappings that only xckpt uses (a ring of 128 forks 128 deep). */
	if (!pr->own && !(pr->own = xc_pager_buf_new()))
		return xc_fail(ctx, 0, pr->name, "allocate", -ENOMEM);
	err = xc_pager_read(pr, i, out, pr->own);

	if (err == -EBADMSG || err == -EPROTO) {
		char step[sizeof(ctx->first_err.step)];
		uint64_t off;
		const char *why = xc_pager_buf_why(pr->own, &off);

		ctx->exit_hint = XC_EXIT_IMAGE;
		snprintf(step, sizeof(step), "offset %llu: %s", (unsigned long long)off, why);
		return xc_fail(ctx, 0, pr->name, step, err);
	}
	if (err)
		return xc_failf(ctx, 0, "read page block", err, "%s: block %zu", pr->name, i);
	return 0;
}

void xc_pager_close(struct xc_pager *pr)
{
	xc_pager_direct_end(pr);
	if (pr->fd >= 0)
		close(pr->fd);
	xc_pager_buf_free(pr->own);
	pr->own = NULL;
	pr->fd = -1;
}
