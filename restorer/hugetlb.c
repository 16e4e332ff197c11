/* hugetlb memory (MAP_HUGETLB) comes from the restoring machine's pool of
 * huge pages, which an administrator sizes (vm.nr_hugepages) and which is
 * often empty. The blob's mmap() of a hugetlb mapping reserves its pages
 * (all of them, unless MAP_NORESERVE), and fails once the pool runs out,
 * after processes were created: the pool is checked before anything is
 * created, so that a restore that cannot get its pages is refused whole,
 * saying how many it needs. */
#define LOG_PREFIX "hugetlb: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Huge pages of 1 << shift bytes one process takes: a whole mapping, one
 * object of shared memory once (its highest pgoff + length, as shmem.c
 * makes it), and for MAP_NORESERVE ones only the huge pages the image
 * writes into. seen/nr_seen: the shared objects counted already (at most
 * nr_vmas more). Pure. */
uint64_t rst_hugetlb_need(const struct xc_rec_vma *const *vmas, size_t nr_vmas,
			  const struct xc_page_run *runs, size_t nr_runs, size_t page,
			  uint32_t shift, uint32_t *seen, size_t *nr_seen)
{
	uint64_t need = 0, hp = 1ull << shift;
	size_t run = 0;

	for (size_t i = 0; i < nr_vmas; i++) {
		const struct xc_rec_vma *v = vmas[i];
		uint64_t last = UINT64_MAX;	/* the last huge page counted */
		bool dup = false;

		if (v->hpage_shift != shift)
			continue;
		if (!(v->vmflags & XC_VMF_NORESERVE)) {
			uint64_t size = v->end - v->start;

			if (v->kind == XC_VMA_SHANON && v->shm_ino) {
				/* the object, of the size of its furthest mapping */
				for (size_t k = 0; k < *nr_seen && !dup; k++)
					dup = seen[k] == v->shm_ino;
				if (dup)
					continue;
				seen[(*nr_seen)++] = v->shm_ino;
				size = 0;
				for (size_t k = 0; k < nr_vmas; k++)
					if (vmas[k]->kind == XC_VMA_SHANON &&
					    vmas[k]->shm_ino == v->shm_ino &&
					    vmas[k]->pgoff + (vmas[k]->end - vmas[k]->start) > size)
						size = vmas[k]->pgoff + (vmas[k]->end - vmas[k]->start);
			}
			need += (size + hp - 1) / hp;
			continue;
		}
		while (run < nr_runs && runs[run].vaddr + runs[run].nr_pages * page <= v->start)
			run++;
		for (size_t k = run; k < nr_runs && runs[k].vaddr < v->end; k++) {
			uint64_t s = runs[k].vaddr < v->start ? v->start : runs[k].vaddr;
			uint64_t e = runs[k].vaddr + runs[k].nr_pages * page;

			if (e > v->end)
				e = v->end;
			for (uint64_t h = s / hp; h <= (e - 1) / hp; h++)
				if (h != last) {
					need++;
					last = h;
				}
		}
	}
	return need;
}

static int read_count(const char *dir, const char *name, uint64_t *v)
{
	char path[160];
	unsigned long long n;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &n) == 1;
	fclose(f);
	*v = n;
	return ok ? 0 : -EIO;
}

/* Pages of 1 << shift bytes the pool can still hand out: the free ones not
 * promised to a mapping already, and what overcommit allows beyond. */
static int pool_avail(uint32_t shift, uint64_t *avail)
{
	uint64_t fr, rs, oc, su;
	char dir[96];
	int err;

	snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%llukB",
		 (unsigned long long)(1ull << (shift - 10)));
	err = read_count(dir, "free_hugepages", &fr);
	if (!err)
		err = read_count(dir, "resv_hugepages", &rs);
	if (!err)
		err = read_count(dir, "nr_overcommit_hugepages", &oc);
	if (!err)
		err = read_count(dir, "surplus_hugepages", &su);
	if (err)
		return err;
	*avail = (fr > rs ? fr - rs : 0) + (oc > su ? oc - su : 0);
	return 0;
}

int rst_hugetlb_check(struct xc_rtree *t)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = 0;
	uint32_t *seen;
	int err = 0;

	for (size_t i = 0; i < t->nr; i++)
		total += t->procs[i].nr_vmas;
	seen = malloc((total + 1) * sizeof(*seen));
	if (!seen)
		return xc_fail(t->ctx, 0, "hugetlb memory", "allocate", -ENOMEM);
	/* Each page size once, from the smallest up. */
	for (uint32_t shift = 13; !err && shift <= 40; shift++) {
		uint64_t need = 0, avail;
		size_t nr_seen = 0;

		for (size_t i = 0; i < t->nr; i++) {
			const struct xc_rst *r = &t->procs[i];

			need += rst_hugetlb_need(r->vmas, r->nr_vmas, r->runs, r->nr_runs, page, shift,
						 seen, &nr_seen);
		}
		if (!need)
			continue;
		t->ctx->exit_hint = XC_EXIT_IMAGE;
		err = pool_avail(shift, &avail);
		if (err)
			err = xc_failf(t->ctx, 0, "this machine has no huge pages of that size",
				       err, "hugetlb memory in pages of %llu kB",
				       (unsigned long long)(1ull << (shift - 10)));
		else if (avail < need)
			err = xc_failf(t->ctx, 0, "not enough free huge pages (vm.nr_hugepages)",
				       -ENOMEM, "hugetlb memory: %llu pages of %llu kB needed, %llu free",
				       (unsigned long long)need,
				       (unsigned long long)(1ull << (shift - 10)),
				       (unsigned long long)avail);
		else
			t->ctx->exit_hint = 0;
	}
	free(seen);
	return err;
}
