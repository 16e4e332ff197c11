/* Image file framing: header, checksummed records, END record.
 * Writers buffer and write; the image directory makes every file durable
 * at once when it commits (imgdir.h). Readers validate a whole file before
 * handing out a single record. */
#ifndef XC_IMG_H
#define XC_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/img-format.h"

struct xc_ctx;

struct xc_imgw {
	int fd;
	char name[64];
	char *buf;
	size_t len, cap;
	uint64_t off;		/* file offset of buf[0] */
	uint64_t nr;		/* records written */
	struct xc_dw *dw;	/* the writer thread, once streaming */
	bool stream;		/* xc_imgw_stream() was called */
	/* ctx->imgq at open: the file is created only when the buffer must
	 * be written out, or by the queue at close if it never must (fd -1
	 * until then) */
	struct xc_imgq *q;
	int dirfd;
};

int xc_imgw_open(struct xc_ctx *ctx, struct xc_imgw *w, int dirfd, const char *name,
		 uint32_t file_kind);
int xc_imgw_put(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p, size_t len);
/* Two-part payload (a header and an array), checksummed as one. */
int xc_imgw_put2(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p1,
		 size_t l1, const void *p2, size_t l2);
/* Write the file through a writer thread and O_DIRECT (common/dwrite.h)
 * once it outgrows the write buffer: for large sequential files, the page
 * data. A file that stays smaller (a small process's pages) is written at
 * close like any other, without a thread or buffers of its own. */
int xc_imgw_stream(struct xc_ctx *ctx, struct xc_imgw *w);
/* xc_imgw_put() with the record checksum already computed (xc_rec_crc()),
 * by a thread other than the writing one. */
int xc_imgw_put_crc(struct xc_ctx *ctx, struct xc_imgw *w, uint32_t kind, const void *p,
		    size_t len, uint32_t crc);
uint64_t xc_imgw_offset(const struct xc_imgw *w);
/* Writes END and flushes; closes in any case. Not synced: see imgdir.h. A
 * file still whole in memory goes to ctx->imgq: on disk once it drains. */
int xc_imgw_close(struct xc_ctx *ctx, struct xc_imgw *w);
void xc_imgw_abort(struct xc_imgw *w);

/* Pure validation of a whole file held in memory. Returns 0, or -EBADMSG /
 * -EPROTO (unknown version) with *bad_off and *why describing the fault. */
int xc_img_validate(const void *buf, size_t len, uint32_t want_kind, size_t *bad_off,
		    const char **why);
/* Checks magic, version, kind, arch and page size of a file header. */
int xc_file_hdr_check(const struct xc_file_hdr *fh, uint32_t want_kind, uint64_t *bad_off,
		      const char **why);
/* Padding after a payload must be zero: it is outside the checksum. */
bool xc_pad_is_zero(const void *p, size_t n);
uint32_t xc_rec_crc(const struct xc_rec_hdr *h, const void *payload);
/* The same from the payload's own CRC-32C (xc_crc32c(0, payload, h->len)),
 * without reading the payload again. */
uint32_t xc_rec_crc_of(const struct xc_rec_hdr *h, uint32_t payload_crc);
void xc_file_hdr_init(struct xc_file_hdr *h, uint32_t file_kind);

/* Largest inventory or process file a reader accepts (into memory). */
#define XC_META_MAX (1ULL << 30)

struct xc_imgr {
	const char *buf;
	size_t len;
	size_t pos;
	size_t map_len;		/* buf is a mapping of this size, 0: from malloc */
	bool shared;		/* buf is in an xc_arena */
	char name[64];
};

/* Shared memory (MAP_SHARED) for the files a restore reads, in large
 * chunks: the processes a restore forks read them too, and a fork copies
 * no page table entry of a shared mapping, nor does each process's unmap
 * of it walk every page, as both do for the heap. Freed whole. */
struct xc_arena {
	char **chunk;
	size_t *chunk_len;
	size_t nr, used;	/* bytes used of the last chunk */
};

/* Opens and validates a file. Fails with one error naming the file and the
 * byte offset of the fault. */
int xc_imgr_open(struct xc_ctx *ctx, struct xc_imgr *r, int dirfd, const char *name,
		 uint32_t file_kind);
/* The same, its bytes in arena a unless the file is large (then as
 * xc_imgr_open()). */
int xc_imgr_open_shared(struct xc_ctx *ctx, struct xc_imgr *r, struct xc_arena *a, int dirfd,
			const char *name, uint32_t file_kind);
void xc_arena_free(struct xc_arena *a);
/* Next record: 1 with kind/payload/len set, 0 at END. */
int xc_imgr_next(struct xc_imgr *r, uint32_t *kind, const void **payload, uint32_t *len);
void xc_imgr_rewind(struct xc_imgr *r);
/* Gives back the memory behind a payload that xc_imgr_next() returned,
 * checked with its record and never read again (PAGE_HASHES in a restore:
 * 8 bytes per page of the target). Only whole pages inside it: they read
 * as zeros afterwards. */
void xc_imgr_forget(struct xc_imgr *r, const void *payload, size_t len);
void xc_imgr_close(struct xc_imgr *r);

#endif
