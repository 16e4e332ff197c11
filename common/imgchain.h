/* Chains of incremental images (image-format.md, 6.6). An incremental image
 * stores only the pages that changed since its parent; its other pages are
 * runs marked XC_RUN_PARENT, found in the parent at the same addresses, or
 * in the parent's parent, down to a full image.
 *
 * A page view is what one image of a chain says about one process's pages:
 * its page index, the hash of every page, and, when restoring, its page
 * file. */
#ifndef XC_IMGCHAIN_H
#define XC_IMGCHAIN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/img-pages.h"
#include "common/img.h"

struct xc_ctx;

struct xc_pview {
	char dir[PATH_MAX];
	int dirfd;
	struct xc_imgr inv, proc;
	uint64_t created_ns;
	struct xc_rec_parent parent;	/* depth 0: a full image */
	char parent_dir[256];
	const struct xc_page_run *runs;
	size_t nr_runs;
	const struct xc_page_block *blocks;
	size_t nr_blocks;
	const xc_page_hash *hashes;	/* one per page of the runs */
	size_t nr_hashes;
	uint64_t *hash_first;		/* per run: index of its first page's hash */
	uint64_t *stream_first;		/* per run: its first page in the stream */
	struct xc_pager pager;		/* open when pages were asked for */
};

/* Whether a view's inventory lists pid as a live process. */
bool xc_inventory_has(const struct xc_pview *v, pid_t pid);

/* Opens the image in dir as a view of process pid's pages (pid 0: its
 * inventory only); with pages, its page file too (checked through). want_created: the INVENTORY.created_ns
 * the image must have (0: any). Errors name the image and what is wrong. */
int xc_pview_open(struct xc_ctx *ctx, struct xc_pview *v, const char *dir, pid_t pid,
		  uint64_t want_created, bool pages);
void xc_pview_close(struct xc_pview *v);
/* The hash of the page at vaddr; false when the image does not hold it. */
bool xc_pview_hash(const struct xc_pview *v, uint64_t vaddr, xc_page_hash *h);

/* Opens the ancestors of the image whose PARENT record is parent and whose
 * INVENTORY.parent is dir: levels[0] is its parent, levels[n - 1] a full
 * image, or the first image in which pid has no page kept further down.
 * pid 0: the inventories only, all of them. Refuses a missing, replaced or
 * damaged ancestor, a chain whose depths do not add up, and more than
 * XC_CHAIN_MAX images. */
int xc_chain_open(struct xc_ctx *ctx, struct xc_pview *levels, size_t *n, const char *dir,
		  const struct xc_rec_parent *parent, pid_t pid, bool pages);

/* Per-run first page in the stream and in the hashes: prefix sums.
 * stream_first of a parent run is where the next stream run begins. */
void xc_runs_prefix(const struct xc_page_run *runs, size_t nr_runs, uint64_t *stream_first,
		    uint64_t *hash_first);

/* One level of a chain as the resolver sees it: level 0 is the image being
 * restored, level k + 1 the parent of level k. */
struct xc_plevel {
	const struct xc_page_run *runs;
	size_t nr_runs;
	const uint64_t *stream_first;
};

/* A piece of the restored memory: nr_pages pages at vaddr, found at index
 * stream in the page stream of level `level`; never across a block. */
struct xc_pseg {
	uint64_t vaddr;
	uint64_t stream;
	uint32_t nr_pages;
	uint32_t level;
};

/* Where each page of level 0's runs comes from, in address order. Pure.
 * -EBADMSG with *bad at the first page that no level holds. */
int xc_chain_resolve(const struct xc_plevel *lv, size_t nlv, size_t page, struct xc_pseg **segs,
		     size_t *nr_segs, uint64_t *bad);

#endif
