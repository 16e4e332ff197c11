/* Write tracking between the generations of an incremental chain
 * (track.c): a userfaultfd in write-protect async mode, created in the
 * target and held by xckpt, whose write-protect bits PAGEMAP_SCAN reads as
 * "written since the last dump". */
#ifndef XC_TRACK_H
#define XC_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What happens to a process's tracking once its dump is on disk. */
enum xc_track_end {
	XC_TRACK_CLOSE,		/* dropped: the kernel unregisters every mapping */
	XC_TRACK_KEEP,		/* handed back unchanged, still against its image */
	XC_TRACK_ARM,		/* armed again (or for the first time) against this image */
};

/* What one dump knows about one process's tracking. */
struct xc_track_in {
	bool held;		/* a keeper handed over this process's userfaultfd */
	uint64_t base_ns;	/* the image its bits are relative to (INVENTORY.created_ns) */
	uint64_t parent_ns;	/* --parent's created_ns; 0: not incremental */
	bool in_parent;		/* the parent image holds this process */
	bool arm;		/* --track, or a pre-dump */
	bool leave_running;
	bool kernel_ok;		/* async write-protect and PAGEMAP_SCAN here */
	bool device;		/* a plugin holds a mapping: a device may write
				 * memory by DMA, behind the page tables */
};

struct xc_track_plan {
	bool use;		/* unwritten pages come from the parent unread */
	enum xc_track_end end;	/* after a dump that is on disk; a failed one keeps */
	const char *why;	/* !use with a parent: why page hashes are compared */
};

/* Pure: the whole decision, unit-tested. */
void xc_track_plan(const struct xc_track_in *in, struct xc_track_plan *p);

/* Page ranges [start, end), in order, merged when adjacent. */
struct xc_track_ranges {
	struct xc_track_range {
		uint64_t start, end;
	} *v;
	size_t n, cap;
};
int xc_track_ranges_add(struct xc_track_ranges *r, uint64_t start, uint64_t end);
void xc_track_ranges_free(struct xc_track_ranges *r);

/* PAGEMAP_SCAN's answer: a range of pages and what they are (PAGE_IS_*,
 * Linux 6.7+; the system headers are older). */
struct xc_track_region {
	uint64_t start, end, categories;
};
#define XC_PAGE_IS_WRITTEN	(1ULL << 1)
#define XC_PAGE_IS_FILE		(1ULL << 2)
#define XC_PAGE_IS_PRESENT	(1ULL << 3)
#define XC_PAGE_IS_SWAPPED	(1ULL << 4)
#define XC_PAGE_IS_PFNZERO	(1ULL << 5)
#define XC_PAGE_IS_GUARD	(1ULL << 8)	/* Linux 6.15; a guard page is also "swapped" */
/* The pagemap bits (63 present, 62 swapped, 61 file) that xc_page_wanted()
 * judges, from a region's categories. Pure. */
uint64_t xc_track_pagemap_bits(uint64_t categories);
static inline bool xc_track_is_written(uint64_t c) { return c & XC_PAGE_IS_WRITTEN; }
static inline bool xc_track_is_guard(uint64_t c) { return c & XC_PAGE_IS_GUARD; }
static inline bool xc_track_is_zero_page(uint64_t c) { return c & XC_PAGE_IS_PFNZERO; }
struct xc_track_regions {
	struct xc_track_region *v;
	size_t n, cap;
};

/* Per process, in struct xc_dump. */
struct xc_track {
	int fd;			/* our userfaultfd on the target's mm, -1: none */
	uint64_t starttime;	/* of the process, for the keeper's name */
	struct xc_track_in in;
	struct xc_track_plan plan;
	bool *owned;		/* per VMA: registered with our fd (found at collect) */
	bool vma_usable;	/* the VMA being dumped was scanned: scan is its pages */
	struct xc_track_regions scan;	/* its present and swapped pages, in order */
	struct xc_track_ranges read;	/* pages read by this dump: armed again after it */
	uint64_t pages_unread;		/* taken from the parent on the tracking's word */
	bool armed;			/* against this dump's image, which is on disk */
};

#endif
