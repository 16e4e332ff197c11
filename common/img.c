#define LOG_PREFIX "img: "
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"
#include "common/crc32c.h"
#include "common/ctx.h"
#include "common/dwrite.h"
#include "common/img.h"
#include "common/imgq.h"
#include "common/log.h"

#define WBUF_FLUSH (1u << 20)
/* Most files of a tree of small processes are a few KiB: the buffer grows
 * to WBUF_FLUSH only for the files that need it. */
#define WBUF_FIRST (64u << 10)

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

void xc_file_hdr_init(struct xc_file_hdr *h, uint32_t file_kind)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, XC_IMG_MAGIC, 8);
	h->version = XC_IMG_VERSION;
	h->file_kind = file_kind;
	h->arch = ARCH_IMG_ID;
	h->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
}

bool xc_pad_is_zero(const void *p, size_t n)
{
	const char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

uint32_t xc_rec_crc(const struct xc_rec_hdr *h, const void *payload)
{
	struct xc_rec_hdr z = *h;

	z.crc = 0;
	return xc_crc32c(xc_crc32c(0, &z, sizeof(z)), payload, h->len);
}

uint32_t xc_rec_crc_of(const struct xc_rec_hdr *h, uint32_t payload_crc)
{
	struct xc_rec_hdr z = *h;

	z.crc = 0;
	return xc_crc32c_combine(xc_crc32c(0, &z, sizeof(z)), payload_crc, h->len);
}

static int create(struct xc_ctx *ctx, struct xc_imgw *w, int dirfd)
{
	w->fd = openat(dirfd, w->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return xc_fail(ctx, 0, w->name, "create", -errno);
	return 0;
}

/* A file left to the queue must be written now after all: it is created
 * here. */
static int need_file(struct xc_ctx *ctx, struct xc_imgw *w)
{
	return w->fd < 0 && w->q ? create(ctx, w, w->dirfd) : 0;
}

static int flush(struct xc_ctx *ctx, struct xc_imgw *w)
{
	int err = need_file(ctx, w);

	if (err)
		return err;
	err = w->dw ? xc_dw_write(w->dw, w->buf, w->len) : xc_write_all(w->fd, w->buf, w->len);

	if (err)
		return xc_fail(ctx, 0, w->name, "write", err);
	w->off += w->len;
	w->len = 0;
	return 0;
}

/* The writer thread, for a streamed file about to outgrow the buffer; what
 * is buffered (the file header at least) goes through it, from offset 0. */
static int start_stream(struct xc_ctx *ctx, struct xc_imgw *w)
{
	int err = need_file(ctx, w);

	if (err)
		return err;
	w->dw = xc_dw_new(w->fd);
	if (!w->dw)
		return xc_fail(ctx, 0, w->name, "start writer thread", -errno);
	return flush(ctx, w);
}

static int wbuf_add(struct xc_ctx *ctx, struct xc_imgw *w, const void *p, size_t len)
{
	if (!w->dw && w->len + len > w->cap && w->cap < WBUF_FLUSH) {
		size_t cap = w->cap;
		char *nb;

		while (cap < w->len + len && cap < WBUF_FLUSH)
			cap *= 2;
		if (cap > WBUF_FLUSH)
			cap = WBUF_FLUSH;
		nb = realloc(w->buf, cap);
		if (!nb)
			return xc_fail(ctx, 0, w->name, "allocate write buffer", -ENOMEM);
		w->buf = nb;
		w->cap = cap;
	}
	if (!w->dw && w->stream && w->len + len > w->cap) {
		int err = start_stream(ctx, w);
		if (err)
			return err;
	}
	if (w->dw) {	/* it gathers on its own */
		int err = xc_dw_write(w->dw, p, len);

		if (err)
			return xc_fail(ctx, 0, w->name, "write", err);
		w->off += len;
		return 0;
	}
	if (w->len + len > w->cap) {
		int err = flush(ctx, w);
		if (err)
			return err;
		if (len > w->cap) {
			/* Large payloads (page blocks) bypass the buffer. */
			err = xc_write_all(w->fd, p, len);
			if (err)
				return xc_fail(ctx, 0, w->name, "write", err);
			w->off += len;
			return 0;
		}
	}
	memcpy(w->buf + w->len, p, len);
	w->len += len;
	return 0;
}

int xc_imgw_open(struct xc_ctx *ctx, struct xc_imgw *w, int dirfd, const char *name,
		 uint32_t file_kind)
{
	struct xc_file_hdr h;

	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->cap = WBUF_FIRST;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return xc_fail(ctx, 0, name, "allocate write buffer", -ENOMEM);
	w->fd = -1;
	w->q = ctx->imgq;
	w->dirfd = dirfd;
	if (!w->q) {
		int err = create(ctx, w, dirfd);

		if (err) {
			free(w->buf);
			w->buf = NULL;
			return err;
		}
	}
	xc_file_hdr_init(&h, file_kind);
	return wbuf_add(ctx, w, &h, sizeof(h));
}

int xc_imgw_stream(struct xc_ctx *ctx, struct xc_imgw *w)
{
	(void)ctx;
	w->stream = true;
	return 0;
}

uint64_t xc_imgw_offset(const struct xc_imgw *w)
{
	return w->off + w->len;
}

static int put_rec(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p1,
		   size_t l1, const void *p2, size_t l2, const uint32_t *crc_done)
{
	static const char zero[8];
	struct xc_rec_hdr h = { .kind = kind, .len = (uint32_t)(l1 + l2) };
	uint32_t crc;
	int err;

	if (l1 + l2 > XC_REC_MAX_LEN)
		return xc_failf(ctx, 0, "write record", -EFBIG, "%s: record kind %u", w->name, kind);
	if (crc_done) {
		crc = *crc_done;
	} else {
		crc = xc_crc32c(0, &h, sizeof(h));
		crc = xc_crc32c(crc, p1, l1);
		if (l2)
			crc = xc_crc32c(crc, p2, l2);
	}
	h.crc = crc;
	err = wbuf_add(ctx, w, &h, sizeof(h));
	if (!err && l1)
		err = wbuf_add(ctx, w, p1, l1);
	if (!err && l2)
		err = wbuf_add(ctx, w, p2, l2);
	if (!err && pad8(l1 + l2) != l1 + l2)
		err = wbuf_add(ctx, w, zero, pad8(l1 + l2) - (l1 + l2));
	if (!err)
		w->nr++;
	return err;
}

int xc_imgw_put2(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p1,
		 size_t l1, const void *p2, size_t l2)
{
	return put_rec(ctx, w, kind, p1, l1, p2, l2, NULL);
}

int xc_imgw_put(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p, size_t len)
{
	return put_rec(ctx, w, kind, p, len, NULL, 0, NULL);
}

int xc_imgw_put_crc(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p,
		    size_t len, uint32_t crc)
{
	return put_rec(ctx, w, kind, p, len, NULL, 0, &crc);
}

int xc_imgw_close(struct xc_ctx *ctx, struct xc_imgw *w)
{
	struct xc_rec_end end = { .nr_records = w->nr };
	int err;

	err = xc_imgw_put(ctx, w, XC_REC_END, &end, sizeof(end));
	if (!err && w->fd < 0 && w->q) {
		/* Whole in memory: the queue creates and writes it. */
		err = xc_imgq_put(w->q, w->dirfd, w->name, w->buf, w->len);
		w->buf = NULL;
		return err ? xc_fail(ctx, 0, w->name, "queue for writing", err) : 0;
	}
	if (!err)
		err = flush(ctx, w);
	if (!err && w->dw) {
		err = xc_dw_finish(w->dw);
		if (err)
			err = xc_fail(ctx, 0, w->name, "write", err);
	}
	xc_dw_free(w->dw);
	w->dw = NULL;
	if (close(w->fd) && !err)
		err = xc_fail(ctx, 0, w->name, "close", -errno);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	return err;
}

void xc_imgw_abort(struct xc_imgw *w)
{
	xc_dw_free(w->dw);
	w->dw = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}

int xc_file_hdr_check(const struct xc_file_hdr *fh, uint32_t want_kind, uint64_t *bad_off,
		      const char **why)
{
	*bad_off = 0;
	if (memcmp(fh->magic, XC_IMG_MAGIC, 8)) {
		*why = "not an xckpt image file (bad magic)";
		return -EBADMSG;
	}
	*bad_off = 8;
	if (fh->version != XC_IMG_VERSION) {
		*why = "unsupported image version";
		return -EPROTO;
	}
	*bad_off = 12;
	if (fh->file_kind != want_kind) {
		*why = "wrong file kind";
		return -EBADMSG;
	}
	*bad_off = 16;
	if (fh->arch != ARCH_IMG_ID) {
		*why = "image made for another architecture";
		return -EPROTO;
	}
	*bad_off = 20;
	if (fh->page_size != (uint32_t)sysconf(_SC_PAGESIZE)) {
		*why = "image made with another page size";
		return -EPROTO;
	}
	*bad_off = 24;
	if (fh->reserved) {
		*why = "reserved header bytes are not zero";
		return -EBADMSG;
	}
	return 0;
}

int xc_img_validate(const void *buf, size_t len, uint32_t want_kind, size_t *bad_off,
		    const char **why)
{
	const char *b = buf;
	struct xc_file_hdr fh;
	size_t off = sizeof(fh);
	uint64_t nr = 0, hdr_off;
	int err;

	*bad_off = 0;
	if (len < sizeof(fh)) {
		*why = "truncated file header";
		return -EBADMSG;
	}
	memcpy(&fh, b, sizeof(fh));
	err = xc_file_hdr_check(&fh, want_kind, &hdr_off, why);
	if (err) {
		*bad_off = hdr_off;
		return err;
	}
	for (;;) {
		struct xc_rec_hdr h;

		*bad_off = off;
		if (len - off < sizeof(h)) {
			*why = "truncated: record header past end of file (no END record)";
			return -EBADMSG;
		}
		memcpy(&h, b + off, sizeof(h));
		if (h.len > XC_REC_MAX_LEN || pad8(h.len) > len - off - sizeof(h)) {
			*why = "truncated: record length runs past end of file";
			return -EBADMSG;
		}
		if (xc_rec_crc(&h, b + off + sizeof(h)) != h.crc) {
			*why = "record checksum mismatch";
			return -EBADMSG;
		}
		if (!xc_pad_is_zero(b + off + sizeof(h) + h.len, pad8(h.len) - h.len)) {
			*why = "record padding is not zero";
			return -EBADMSG;
		}
		if (h.kind == XC_REC_END) {
			struct xc_rec_end e;
			if (h.len != sizeof(e)) {
				*why = "bad END record";
				return -EBADMSG;
			}
			memcpy(&e, b + off + sizeof(h), sizeof(e));
			if (e.nr_records != nr) {
				*why = "END record count does not match";
				return -EBADMSG;
			}
			off += sizeof(h) + pad8(h.len);
			if (off != len) {
				*bad_off = off;
				*why = "trailing bytes after END record";
				return -EBADMSG;
			}
			return 0;
		}
		off += sizeof(h) + pad8(h.len);
		nr++;
	}
}

static int read_all(int fd, char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;	/* shrank under us */
		p += n;
		len -= n;
	}
	return 0;
}

/* A large file (a process's page hashes: 8 MiB for 4 GiB) goes into huge
 * pages: a first touch of each 4 KiB page costs ~8 us on a VM, which made
 * reading the hashes of a 4 GiB process 10 ms of a lazy restore's 50. */
#define XC_IMGR_HUGE (4u << 20)

static void *buf_alloc(struct xc_imgr *r, size_t len)
{
	size_t huge = 2u << 20, map = (len + 4095) & ~(size_t)4095, head;
	char *p, *a;

	if (len < XC_IMGR_HUGE)
		return malloc(len);
	p = mmap(NULL, map + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	munmap(a + map, huge - head);
	madvise(a, map, MADV_HUGEPAGE);
	r->map_len = map;
	return a;
}

#define XC_ARENA_CHUNK (64u << 20)

/* len bytes, 64-byte aligned, from the last chunk or a new one. */
static void *arena_alloc(struct xc_arena *a, size_t len)
{
	size_t at = (a->used + 63) & ~(size_t)63, n;
	char **c;
	size_t *cl;
	void *p;

	if (a->nr && at + len <= a->chunk_len[a->nr - 1]) {
		a->used = at + len;
		return a->chunk[a->nr - 1] + at;
	}
	n = len > XC_ARENA_CHUNK ? (len + 4095) & ~(size_t)4095 : XC_ARENA_CHUNK;
	c = realloc(a->chunk, (a->nr + 1) * sizeof(*c));
	if (c)
		a->chunk = c;
	cl = c ? realloc(a->chunk_len, (a->nr + 1) * sizeof(*cl)) : NULL;
	if (!cl)
		return NULL;
	a->chunk_len = cl;
	/* Reserved, not committed: only the pages written take memory. */
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	a->chunk[a->nr] = p;
	a->chunk_len[a->nr++] = n;
	a->used = len;
	return p;
}

void xc_arena_free(struct xc_arena *a)
{
	for (size_t i = 0; i < a->nr; i++)
		munmap(a->chunk[i], a->chunk_len[i]);
	free(a->chunk);
	free(a->chunk_len);
	memset(a, 0, sizeof(*a));
}

static int imgr_open(struct xc_ctx *ctx, struct xc_imgr *r, struct xc_arena *a, int dirfd,
		     const char *name, uint32_t file_kind)
{
	struct stat st;
	const char *why;
	size_t bad;
	void *m;
	int fd, err;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xc_fail(ctx, 0, name, "open image file", -errno);
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return xc_fail(ctx, 0, name, "stat image file", err);
	}
	if (st.st_size < (off_t)sizeof(struct xc_file_hdr)) {
		close(fd);
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(ctx, 0, name, "offset 0: truncated file header", -EBADMSG);
	}
	/* A private copy, not a mapping: the bytes that were checked are the
	 * bytes used, whatever happens to the file meanwhile (metadata files
	 * are small; page data is read block by block elsewhere). */
	if ((uint64_t)st.st_size > XC_META_MAX) {
		close(fd);
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(ctx, 0, name, "offset 0: file too large for its kind", -EFBIG);
	}
	if (a && (size_t)st.st_size < XC_IMGR_HUGE) {
		m = arena_alloc(a, st.st_size);
		r->shared = true;
	} else {
		m = buf_alloc(r, st.st_size);
	}
	err = m ? read_all(fd, m, st.st_size) : -ENOMEM;
	close(fd);
	if (err) {
		r->buf = m;
		xc_imgr_close(r);
		return xc_fail(ctx, 0, name, "read image file", err);
	}
	r->buf = m;
	r->len = st.st_size;
	err = xc_img_validate(r->buf, r->len, file_kind, &bad, &why);
	if (err) {
		char step[sizeof(ctx->first_err.step)];

		snprintf(step, sizeof(step), "offset %zu: %s", bad, why);
		ctx->exit_hint = XC_EXIT_IMAGE;
		xc_fail(ctx, 0, name, step, err);
		xc_imgr_close(r);
		return err;
	}
	r->pos = sizeof(struct xc_file_hdr);
	return 0;
}

int xc_imgr_open(struct xc_ctx *ctx, struct xc_imgr *r, int dirfd, const char *name,
		 uint32_t file_kind)
{
	return imgr_open(ctx, r, NULL, dirfd, name, file_kind);
}

int xc_imgr_open_shared(struct xc_ctx *ctx, struct xc_imgr *r, struct xc_arena *a, int dirfd,
			const char *name, uint32_t file_kind)
{
	return imgr_open(ctx, r, a, dirfd, name, file_kind);
}

int xc_imgr_next(struct xc_imgr *r, uint32_t *kind, const void **payload, uint32_t *len)
{
	struct xc_rec_hdr h;

	memcpy(&h, r->buf + r->pos, sizeof(h));
	if (h.kind == XC_REC_END)
		return 0;
	*kind = h.kind;
	*len = h.len;
	*payload = r->buf + r->pos + sizeof(h);
	r->pos += sizeof(h) + pad8(h.len);
	return 1;
}

void xc_imgr_rewind(struct xc_imgr *r)
{
	r->pos = sizeof(struct xc_file_hdr);
}

void xc_imgr_forget(struct xc_imgr *r, const void *payload, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), p = (uintptr_t)payload;
	uintptr_t a = (p + page - 1) & ~(page - 1), b = (p + len) & ~(page - 1);

	if (p < (uintptr_t)r->buf || p + len > (uintptr_t)r->buf + r->len || b <= a)
		return;
	/* The buffer is malloc's: the pages stay mapped and come back as
	 * zeros if touched, as for any memory that malloc hands out. In an
	 * arena (shared memory) only MADV_REMOVE gives the pages back. */
	madvise((void *)a, b - a, r->shared ? MADV_REMOVE : MADV_DONTNEED);
}

void xc_imgr_close(struct xc_imgr *r)
{
	/* In an arena, the arena's owner frees it whole. */
	if (!r->shared && r->map_len && r->buf)
		munmap((void *)r->buf, r->map_len);
	else if (!r->shared)
		free((void *)r->buf);
	r->buf = NULL;
	r->map_len = 0;
	r->shared = false;
}
