#define LOG_PREFIX "chain: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/imgchain.h"
#include "common/log.h"

void xc_runs_prefix(const struct xc_page_run *runs, size_t nr_runs, uint64_t *stream_first,
		    uint64_t *hash_first)
{
	uint64_t s = 0, h = 0;

	for (size_t i = 0; i < nr_runs; i++) {
		if (stream_first)
			stream_first[i] = s;
		if (hash_first)
			hash_first[i] = h;
		h += runs[i].nr_pages;
		if (!(runs[i].flags & XC_RUN_ELSEWHERE))
			s += runs[i].nr_pages;
	}
}

/* The run holding vaddr, or -1. */
static ssize_t run_at(const struct xc_page_run *runs, size_t nr_runs, size_t page, uint64_t vaddr)
{
	size_t lo = 0, hi = nr_runs;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (runs[mid].vaddr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || vaddr >= runs[lo - 1].vaddr + (uint64_t)runs[lo - 1].nr_pages * page)
		return -1;
	return (ssize_t)lo - 1;
}

static int bad(struct xc_ctx *ctx, const char *dir, const char *file, const char *why)
{
	ctx->exit_hint = XC_EXIT_IMAGE;
	return xc_failf(ctx, 0, why, -EBADMSG, "image %s: %s", dir, file);
}

/* The inventory's records: INVENTORY, PARENT, and whether pid is one of
 * its live processes. */
static int read_inventory(struct xc_ctx *ctx, struct xc_pview *v, pid_t pid, uint64_t want)
{
	const struct xc_rec_inventory *inv = NULL;
	const struct xc_rec_parent *par = NULL;
	bool has_pid = !pid;
	const void *p;
	uint32_t kind, len;
	int err;

	err = xc_imgr_open(ctx, &v->inv, v->dirfd, "inventory.img", XC_FILE_INVENTORY);
	if (err)
		return err;
	while (xc_imgr_next(&v->inv, &kind, &p, &len) > 0) {
		const struct xc_rec_process *proc = p;

		if (kind == XC_REC_INVENTORY && len == sizeof(*inv) && !inv)
			inv = p;
		else if (kind == XC_REC_PARENT && len == sizeof(*par) && !par)
			par = p;
		else if (kind == XC_REC_PROCESS && len == sizeof(*proc) && proc->pid == (uint32_t)pid &&
			 !(proc->flags & XC_PROC_ZOMBIE))
			has_pid = true;
	}
	if (!inv || !memchr(inv->parent, 0, sizeof(inv->parent)))
		return bad(ctx, v->dir, "inventory.img", "bad inventory");
	if (!has_pid)
		return bad(ctx, v->dir, "inventory.img", "process not in this image");
	if (want && inv->created_ns != want)
		return bad(ctx, v->dir, "inventory.img",
			   "not the parent the image was made from (replaced since)");
	if (!!inv->parent[0] != !!par || (par && (!par->depth || par->depth > XC_CHAIN_MAX)))
		return bad(ctx, v->dir, "inventory.img", "bad parent record");
	v->created_ns = inv->created_ns;
	memcpy(v->parent_dir, inv->parent, sizeof(v->parent_dir));
	if (par)
		v->parent = *par;
	return 0;
}

bool xc_inventory_has(const struct xc_pview *v, pid_t pid)
{
	struct xc_imgr r = v->inv;
	const void *p;
	uint32_t kind, len;

	xc_imgr_rewind(&r);
	while (xc_imgr_next(&r, &kind, &p, &len) > 0) {
		const struct xc_rec_process *proc = p;

		if (kind == XC_REC_PROCESS && len == sizeof(*proc) && proc->pid == (uint32_t)pid &&
		    !(proc->flags & XC_PROC_ZOMBIE))
			return true;
	}
	return false;
}

static int read_index(struct xc_ctx *ctx, struct xc_pview *v, const char *name)
{
	size_t page = sysconf(_SC_PAGESIZE), pages = 0;
	const void *p;
	uint32_t kind, len;
	const char *why;

	while (xc_imgr_next(&v->proc, &kind, &p, &len) > 0) {
		if (kind == XC_REC_PAGE_RUNS && !(len % sizeof(*v->runs))) {
			v->runs = p;
			v->nr_runs = len / sizeof(*v->runs);
		} else if (kind == XC_REC_PAGE_BLOCKS && !(len % sizeof(*v->blocks))) {
			v->blocks = p;
			v->nr_blocks = len / sizeof(*v->blocks);
		} else if (kind == XC_REC_PAGE_HASHES && !(len % sizeof(*v->hashes))) {
			v->hashes = p;
			v->nr_hashes = len / sizeof(*v->hashes);
		}
	}
	if (xc_page_index_check(v->runs, v->nr_runs, v->blocks, v->nr_blocks, page, &why))
		return bad(ctx, v->dir, name, why);
	for (size_t i = 0; i < v->nr_runs; i++)
		pages += v->runs[i].nr_pages;
	if (!v->hashes || v->nr_hashes != pages)
		return bad(ctx, v->dir, name, "page hashes do not match the page runs");
	v->hash_first = malloc((v->nr_runs + 1) * sizeof(*v->hash_first));
	v->stream_first = malloc((v->nr_runs + 1) * sizeof(*v->stream_first));
	if (!v->hash_first || !v->stream_first)
		return xc_fail(ctx, 0, v->dir, "allocate", -ENOMEM);
	xc_runs_prefix(v->runs, v->nr_runs, v->stream_first, v->hash_first);
	return 0;
}

int xc_pview_open(struct xc_ctx *ctx, struct xc_pview *v, const char *dir, pid_t pid,
		  uint64_t want_created, bool pages)
{
	char name[64];
	int err;

	memset(v, 0, sizeof(*v));
	v->dirfd = -1;
	v->pager.fd = v->pager.dfd = -1;
	snprintf(v->dir, sizeof(v->dir), "%s", dir);
	v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->dirfd < 0) {
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(ctx, 0, dir, "open parent image", -errno);
	}
	err = read_inventory(ctx, v, pid, want_created);
	if (err || !pid)
		return err;
	snprintf(name, sizeof(name), "proc-%d.img", (int)pid);
	err = xc_imgr_open(ctx, &v->proc, v->dirfd, name, XC_FILE_PROC);
	if (!err)
		err = read_index(ctx, v, name);
	for (size_t i = 0; !err && v->parent.depth && i < v->nr_runs; i++)
		if (v->runs[i].flags & XC_RUN_FORKED)
			err = bad(ctx, v->dir, name, "pages kept in the parent process in an "
				  "incremental image");
	if (!err && pages) {
		char path[PATH_MAX + 32];

		/* Absolute, so that errors name the image it belongs to. */
		snprintf(path, sizeof(path), "%s/pages-%d.img", dir, (int)pid);
		err = xc_pager_open(ctx, &v->pager, v->dirfd, path, v->runs, v->nr_runs, v->blocks,
				    v->nr_blocks);
	}
	return err;
}

void xc_pview_close(struct xc_pview *v)
{
	if (v->pager.fd >= 0 || v->pager.own)
		xc_pager_close(&v->pager);
	xc_imgr_close(&v->proc);
	xc_imgr_close(&v->inv);
	free(v->hash_first);
	free(v->stream_first);
	if (v->dirfd >= 0)
		close(v->dirfd);
	memset(v, 0, sizeof(*v));
	v->dirfd = -1;
	v->pager.fd = v->pager.dfd = -1;
}

bool xc_pview_hash(const struct xc_pview *v, uint64_t vaddr, xc_page_hash *h)
{
	size_t page = sysconf(_SC_PAGESIZE);
	ssize_t i = run_at(v->runs, v->nr_runs, page, vaddr);

	/* A page kept in the parent process is not this process's to lend
	 * to a child image: chains descend through images only. */
	if (i < 0 || (v->runs[i].flags & XC_RUN_FORKED))
		return false;
	*h = v->hashes[v->hash_first[i] + (vaddr - v->runs[i].vaddr) / page];
	return true;
}

int xc_chain_open(struct xc_ctx *ctx, struct xc_pview *levels, size_t *n, const char *dir,
		  const struct xc_rec_parent *parent, pid_t pid, bool pages)
{
	struct xc_rec_parent want = *parent;
	char next[256];
	int err;

	*n = 0;
	snprintf(next, sizeof(next), "%s", dir);
	for (;;) {
		struct xc_pview *v = &levels[*n];

		err = xc_pview_open(ctx, v, next, pid, want.created_ns, pages);
		(*n)++;
		if (err)
			return err;
		if (v->parent.depth + 1 != want.depth)
			return bad(ctx, v->dir, "inventory.img", "chain depths do not add up");
		if (!v->parent.depth)
			return 0;
		if (pid) {
			bool in_parent = false;

			/* Pages kept further down? A process that is new since
			 * that image has none there. */
			for (size_t i = 0; i < v->nr_runs; i++)
				in_parent |= !!(v->runs[i].flags & XC_RUN_PARENT);
			if (!in_parent)
				return 0;
		}
		if (*n == XC_CHAIN_MAX)
			return bad(ctx, v->dir, "inventory.img", "chain too long");
		want = v->parent;
		memcpy(next, v->parent_dir, sizeof(next));
	}
}

/* Appends the segments of npages at vaddr, taken from level k down. */
static int resolve(const struct xc_plevel *lv, size_t nlv, size_t k, size_t page, uint64_t vaddr,
		   uint64_t npages, struct xc_pseg **segs, size_t *n, size_t *cap, uint64_t *bad_addr)
{
	while (npages) {
		ssize_t i = run_at(lv[k].runs, lv[k].nr_runs, page, vaddr);
		const struct xc_page_run *r;
		uint64_t in, take, s;
		int err;

		if (i < 0) {
			*bad_addr = vaddr;
			return -EBADMSG;
		}
		r = &lv[k].runs[i];
		in = (vaddr - r->vaddr) / page;
		take = r->nr_pages - in;
		if (take > npages)
			take = npages;
		if (r->flags & XC_RUN_ELSEWHERE) {
			if (k + 1 == nlv) {
				*bad_addr = vaddr;
				return -EBADMSG;
			}
			err = resolve(lv, nlv, k + 1, page, vaddr, take, segs, n, cap, bad_addr);
			if (err)
				return err;
		} else {
			s = lv[k].stream_first[i] + in;
			for (uint64_t left = take, a = vaddr; left;) {
				uint64_t m = XC_PAGE_BLOCK_PAGES - s % XC_PAGE_BLOCK_PAGES;

				if (m > left)
					m = left;
				if (*n == *cap) {
					size_t c = *cap ? *cap * 2 : 64;
					struct xc_pseg *ns = realloc(*segs, c * sizeof(*ns));

					if (!ns)
						return -ENOMEM;
					*segs = ns;
					*cap = c;
				}
				(*segs)[(*n)++] = (struct xc_pseg){ a, s, (uint32_t)m, (uint32_t)k };
				a += m * page;
				s += m;
				left -= m;
			}
		}
		vaddr += take * page;
		npages -= take;
	}
	return 0;
}

int xc_chain_resolve(const struct xc_plevel *lv, size_t nlv, size_t page, struct xc_pseg **segs,
		     size_t *nr_segs, uint64_t *bad)
{
	size_t cap = 0;
	int err = 0;

	*segs = NULL;
	*nr_segs = 0;
	*bad = 0;
	for (size_t i = 0; !err && nlv && i < lv[0].nr_runs; i++)
		err = resolve(lv, nlv, 0, page, lv[0].runs[i].vaddr, lv[0].runs[i].nr_pages, segs,
			      nr_segs, &cap, bad);
	if (err) {
		free(*segs);
		*segs = NULL;
		*nr_segs = 0;
	}
	return err;
}
