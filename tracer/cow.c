/* Private pages a process still shares with its parent process after fork
 * (copy-on-write, neither has written them since): stored once, in the
 * parent's stream; the child's run says XC_RUN_FORKED and restore takes
 * the parent's page at the same address.
 *
 * Which pages are shared is found for the whole tree before any page is
 * read: reading a page with process_vm_readv pins it, and the kernel gives
 * a pinned page that two processes share a copy of its own (unshare), so
 * after the parent's pages are read nothing looks shared any more. A page
 * is the parent's when the two pagemap entries at the same address name the
 * same page frame (bits 0-54, which only root reads; without them every
 * page is stored as before) and the child's entry says it is not mapped
 * there alone; and, when the child's pages are written, when the parent's
 * image holds a page there, whose hash the child's PAGE_HASHES repeats.
 * Parents are written before their children, so that index is complete.
 * Only in full dumps that arm no write tracking (not in pre-dumps):
 * incremental chains descend through images, never through processes. */
#define LOG_PREFIX "cow: "
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/imgchain.h"
#include "common/log.h"
#include "tracer/tracer.h"

#define PM_PRESENT	(1ULL << 63)
#define PM_EXCLUSIVE	(1ULL << 56)	/* PM_MMAP_EXCLUSIVE: mapped here only */
#define PM_PFN		((1ULL << 55) - 1)
#define CHUNK		512

struct xc_cow {
	const struct xc_dump *pd;	/* the parent process */
	uint64_t **shared;		/* per VMA: a bit per page shared with pd, or NULL */
	uint64_t *hash_first;		/* per run of the parent: its first hash */
};

static const struct xc_dump *parent_dump(const struct xc_dump *d)
{
	const struct xc_tree *t = d->tree;

	for (size_t i = 0; t && i < t->nr; i++)
		if (t->p[i].pid == d->pstat.ppid)
			return t->p[i].d;
	return NULL;
}

static bool private_kind(uint32_t kind)
{
	return kind == XC_VMA_ANON || kind == XC_VMA_FILE_PRIV;
}

/* Pure: whether the child's entry c and the parent's p at one address are
 * one page, mapped by both. */
bool xc_cow_same_page(uint64_t c, uint64_t p)
{
	return (c & PM_PRESENT) && !(c & PM_EXCLUSIVE) && (c & PM_PFN) && (p & PM_PRESENT) &&
	       (p & PM_PFN) == (c & PM_PFN);
}

/* The bits of VMA i of d: pages mapped by the parent at the same address
 * from the same frame. */
static int mark_vma(struct xc_dump *d, struct xc_cow *c, size_t i, int cfd, int pfd,
		    uint64_t *cpm, uint64_t *ppm, bool *any)
{
	const struct xc_vma *v = &d->vmas[i];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (v->end - v->start) / page;
	uint64_t *bits = NULL;

	for (size_t off = 0; off < pages; off += CHUNK) {
		size_t n = pages - off < CHUNK ? pages - off : CHUNK;
		off_t at = (off_t)((v->start / page + off) * 8);

		if (pread(cfd, cpm, n * 8, at) != (ssize_t)(n * 8) ||
		    pread(pfd, ppm, n * 8, at) != (ssize_t)(n * 8))
			break;	/* the parent has no mapping there: nothing shared */
		for (size_t k = 0; k < n; k++) {
			if (!xc_cow_same_page(cpm[k], ppm[k]))
				continue;
			if (!bits && !(bits = calloc((pages + 63) / 64, 8)))
				return xc_fail(d->ctx, d->pid, "pages", "allocate", -ENOMEM);
			bits[(off + k) / 64] |= 1ULL << ((off + k) % 64);
		}
	}
	c->shared[i] = bits;
	*any |= bits != NULL;
	return 0;
}

/* Before any page is read: what d still shares with its parent process. */
static int mark(struct xc_dump *d)
{
	const struct xc_dump *pd = parent_dump(d);
	uint64_t *cpm = malloc(CHUNK * 8), *ppm = malloc(CHUNK * 8);
	int cfd = openat(d->procfd, "pagemap", O_RDONLY | O_CLOEXEC);
	int pfd = pd ? openat(pd->procfd, "pagemap", O_RDONLY | O_CLOEXEC) : -1;
	struct xc_cow *c = calloc(1, sizeof(*c));
	bool any = false;
	int err = 0;

	if (!cpm || !ppm || !c || (c->shared = calloc(d->nr_vmas + 1, sizeof(*c->shared))) == NULL)
		err = xc_fail(d->ctx, d->pid, "pages", "allocate", -ENOMEM);
	else if (cfd < 0 || pfd < 0)
		err = xc_fail(d->ctx, cfd < 0 ? d->pid : pd->pid, "pagemap", "open", -errno);
	for (size_t i = 0; !err && i < d->nr_vmas; i++)
		if (private_kind(d->vma_kind[i]))
			err = mark_vma(d, c, i, cfd, pfd, cpm, ppm, &any);
	c->pd = pd;
	d->cow = c;
	if (err || !any)
		dump_cow_close(d);
	free(cpm);
	free(ppm);
	if (cfd >= 0)
		close(cfd);
	if (pfd >= 0)
		close(pfd);
	return err;
}

int xc_tree_cow(struct xc_tree *t)
{
	int err = 0;

	/* Not with write tracking either (pre-dump, dump --track): the next
	 * dump would keep a page in this image by the tracking alone, and
	 * this image's copy may be the parent process's. */
	if (t->ctx->parent || t->ctx->track)
		return 0;
	for (size_t i = 0; !err && i < t->nr; i++)
		if (t->p[i].d && parent_dump(t->p[i].d))
			err = mark(t->p[i].d);
	return err;
}

/* When d's pages are written: the parent's index, for the hashes. */
int dump_cow_open(struct xc_dump *d)
{
	struct xc_cow *c = d->cow;

	if (!c)
		return 0;
	/* Not written first (or empty): every page of d is stored. */
	if (!c->pd->pages_done || !c->pd->pages.nr_runs) {
		dump_cow_close(d);
		return 0;
	}
	c->hash_first = malloc(c->pd->pages.nr_runs * sizeof(*c->hash_first));
	if (!c->hash_first)
		return xc_fail(d->ctx, d->pid, "pages", "allocate", -ENOMEM);
	xc_runs_prefix(c->pd->pages.runs, c->pd->pages.nr_runs, NULL, c->hash_first);
	return 0;
}

/* The run of the parent's image that holds addr, or -1. */
static ssize_t parent_run(const struct xc_dump *pd, uint64_t addr)
{
	const struct xc_page_run *runs = pd->pages.runs;
	size_t lo = 0, hi = pd->pages.nr_runs, page = pd->pages.page;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (runs[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= runs[lo - 1].vaddr + (uint64_t)runs[lo - 1].nr_pages * page)
		return -1;
	return (ssize_t)lo - 1;
}

bool dump_cow_page(const struct xc_dump *d, size_t i, uint64_t addr, xc_page_hash *h)
{
	const struct xc_cow *c = d->cow;
	size_t page = d->pages.page, k;
	ssize_t run;

	if (!c || !c->hash_first || !c->shared[i])
		return false;
	k = (addr - d->vmas[i].start) / page;
	if (!(c->shared[i][k / 64] & (1ULL << (k % 64))))
		return false;
	run = parent_run(c->pd, addr);
	if (run < 0)
		return false;
	*h = c->pd->pages.hashes[c->hash_first[run] + (addr - c->pd->pages.runs[run].vaddr) / page];
	return true;
}

void dump_cow_close(struct xc_dump *d)
{
	struct xc_cow *c = d->cow;

	if (!c)
		return;
	for (size_t i = 0; c->shared && i < d->nr_vmas; i++)
		free(c->shared[i]);
	free(c->shared);
	free(c->hash_first);
	free(c);
	d->cow = NULL;
}
