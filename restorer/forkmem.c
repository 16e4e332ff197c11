/* What a fork of xckpt costs. The tree is made by nested forks (pstree.c):
 * each new process is a copy of xckpt that forks its own children. A fork
 * links the child's copy of every private mapping that holds anonymous
 * pages to the mapping's anon_vma in the parent and in each ancestor
 * before it: a chain as long as the process is deep, which every fork
 * copies into the kernel's interval trees and every unmap walks again. A
 * 128-process chain (a ring) spent most of its creation there: O(depth^2)
 * per such mapping, and xckpt has two dozen (each library's data and
 * relocated part, the TLS block, ...).
 *
 * So a process that is about to fork makes each small such mapping new:
 * a fresh anonymous mapping between two guard pages (so that the kernel
 * merges it with nothing and it gets an anon_vma of its own, not a
 * neighbour's), the same bytes and protection, moved onto the old range
 * with mremap. Its children's chains then start from it, whatever its
 * depth. The heap and the stack stay as they are: too large to copy for
 * each process, or in use. The copy costs about as much (0.4 ms) as
 * forking and unmapping with chains a few dozen links longer, so it is
 * made every FRESH_EVERY generations: chains stay that short. */
#define LOG_PREFIX "forkmem: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Larger mappings are copied for each process at more than the chain
 * costs them. */
#define FRESH_MAX (64u << 10)
/* Measured on a ring of 128: every generation, create 170 ms; every 4th,
 * 87 ms; every 8th, 76 ms but each process's unmap of xckpt slower. */
#define FRESH_EVERY 4

static int prot_of(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* A mapping that starts where the last one ends joins it: a library's
 * relocated part, its data and its bss are copied and moved as one. */
static int add(struct xc_rtree *t, uint64_t start, uint64_t end, int prot)
{
	struct rst_fresh *n = realloc(t->fresh, (t->nr_fresh + 1) * sizeof(*n));
	bool join = t->nr_fresh && n && n[t->nr_fresh - 1].end == start;

	if (!n)
		return -ENOMEM;
	t->fresh = n;
	n[t->nr_fresh++] = (struct rst_fresh){ start, end, prot, join };
	return 0;
}

int rst_forkmem_plan(struct xc_rtree *t)
{
	unsigned long long s, e, start = 0, end = 0, kb;
	char line[512], perms[8], path[256];
	int prot = 0;
	bool cand = false;
	int err = 0;
	FILE *f;

	free(t->fresh);
	t->fresh = NULL;
	t->nr_fresh = 0;
	/* No process of a smaller tree is deep enough to make any new. */
	if (t->nr <= FRESH_EVERY)
		return 0;
	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return xc_fail(t->ctx, 0, "/proc/self/smaps", "open", -errno);
	while (!err && fgets(line, sizeof(line), f)) {
		int n;

		path[0] = 0;
		n = sscanf(line, "%llx-%llx %7s %*s %*s %*s %255s", &s, &e, perms, path);
		if (n >= 3) {
			/* Private, accessible, not [heap], [stack], [vdso]...;
			 * not code (a debugger's breakpoints make pages of it
			 * anonymous): the copy is writable, not executable,
			 * until it is in place. */
			start = s;
			end = e;
			prot = prot_of(perms);
			cand = perms[3] == 'p' && prot && !(prot & PROT_EXEC) && path[0] != '[' &&
			       e - s <= FRESH_MAX;
			continue;
		}
		if (cand && sscanf(line, "Anonymous: %llu kB", &kb) == 1 && kb) {
			err = add(t, start, end, prot);
			cand = false;
		}
	}
	fclose(f);
	return err ? xc_fail(t->ctx, 0, "mappings", "allocate", err) : 0;
}

/* Mappings i.. that join into one range: returns its end, *last the index
 * of its last mapping. */
static uint64_t run_end(const struct xc_rtree *t, size_t i, size_t *last)
{
	while (i + 1 < t->nr_fresh && t->fresh[i + 1].join)
		i++;
	*last = i;
	return t->fresh[i].end;
}

int rst_forkmem_fresh(const struct xc_rtree *t, unsigned depth, const char **step)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), span = page, last;
	char *g, *slot;
	int err = 0;

	if (!t->nr_fresh || depth % FRESH_EVERY)
		return 0;
	/* One reservation for all the copies, each between guard pages. */
	for (size_t i = 0; i < t->nr_fresh; i++)
		span += t->fresh[i].end - t->fresh[i].start + page;
	*step = "map a copy of xckpt's memory";
	g = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g == MAP_FAILED)
		return -errno;
	slot = g + page;
	for (size_t i = 0; i < t->nr_fresh && !err; i = last + 1) {
		uint64_t start = t->fresh[i].start, end = run_end(t, i, &last);
		size_t len = end - start;
		char *n;

		/* MAP_NORESERVE: no other anonymous mapping of xckpt has the
		 * flag, so the copy, once moved, merges with none of its
		 * neighbours (an untouched bss would take its anon_vma, and
		 * then a chain again in the next generation). Populated: one
		 * call instead of a fault per page. */
		*step = "map a copy of xckpt's memory";
		n = mmap(slot, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE | MAP_POPULATE, -1, 0);
		if (n == MAP_FAILED) {
			err = -errno;
			break;
		}
		memcpy(n, (const void *)(uintptr_t)start, len);
		/* In one step: the old range stays whole until the new one
		 * takes its place. A failure here leaves it unmapped: it ends
		 * the process. */
		*step = "move the copy of xckpt's memory (mremap)";
		if (mremap(n, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(uintptr_t)start) ==
		    MAP_FAILED) {
			err = -errno;
			break;
		}
		*step = "mprotect the copy of xckpt's memory";
		for (size_t k = i; k <= last && !err; k++) {
			const struct rst_fresh *m = &t->fresh[k];

			if (m->prot != (PROT_READ | PROT_WRITE) &&
			    mprotect((void *)(uintptr_t)m->start, m->end - m->start, m->prot))
				err = -errno;
		}
		slot += len + page;
	}
	munmap(g, span);
	return err;
}
