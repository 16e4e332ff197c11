/* Memory: the VMAs from /proc/PID/smaps, the files behind them, the mm
 * layout for prctl(PR_SET_MM_MAP), and the pages.
 *
 * Which pages go to the image (pagemap bits: 63 present, 62 swapped, 61
 * file-page or shared-anon):
 *   private anonymous   present or swapped, unless all zero; one still
 *                       shared with the parent process since fork is the
 *                       parent's (cow.c)
 *   shared anonymous    every page of its shmem file that holds data (read
 *                       from the file: the pagemap misses pages this task
 *                       has not mapped), unless all zero
 *   private file        only the copied-on-write ones (present and not bit
 *                       61, or swapped), zero or not; the rest comes back
 *                       from the file
 *   shared file         none: the file holds them
 *   System V segment    none here: the segment's content is saved once for
 *                       the whole tree (sysvshm.c)
 *   vdso/vvar           none: the kernel provides them */
#define LOG_PREFIX "mm: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/buildid.h"
#include "common/crc32c.h"
#include "common/log.h"
#include "tracer/tracer.h"

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_FILE		(1ULL << 61)
#define PM_GUARD	(1ULL << 58)	/* PM_GUARD_REGION, Linux 6.14 */


static int add_mapfile(struct xc_dump *d, const struct xc_vma *v, uint32_t *id)
{
	char link[64];
	struct stat st, pst;
	struct xc_rec_mapfile *f, *nf;
	uint32_t ghost_id = 0;
	int fd, n, err;

	for (size_t i = 0; i < d->nr_files; i++) {
		if (d->files[i].ino == v->ino &&
		    d->files[i].dev == makedev(v->dev_major, v->dev_minor)) {
			*id = d->files[i].id;
			return 0;
		}
	}
	/* map_files/ names the very file that is mapped, whatever its path
	 * says now; the path must still lead to that same file. */
	snprintf(link, sizeof(link), "map_files/%llx-%llx", (unsigned long long)v->start,
		 (unsigned long long)v->end);
	fd = openat(d->procfd, link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xc_failf(d->ctx, d->pid, "open mapped file", -errno, "mapping %s", v->path);
	if (fstat(fd, &st)) {
		close(fd);
		return xc_failf(d->ctx, d->pid, "stat mapped file", -errno, "mapping %s", v->path);
	}
	/* A file no name leads to (deleted, memfd): its content is saved. */
	if (!st.st_nlink && S_ISREG(st.st_mode)) {
		char obj[128];

		snprintf(obj, sizeof(obj), "mapping %llx-%llx %.80s", (unsigned long long)v->start,
			 (unsigned long long)v->end, v->path);
		err = dump_ghost_get(d, fd, v->path, &st, obj, &ghost_id);
		if (err) {
			close(fd);
			return err;
		}
	} else if (stat(v->path, &pst) || st.st_dev != pst.st_dev || st.st_ino != pst.st_ino) {
		close(fd);
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "file was replaced or renamed since it was mapped",
				-ENOTSUP, "mapping %s", v->path);
	}
	/* /dev/zero's private mappings are anonymous memory under its name;
	 * another device's pages are the driver's, which no image holds. */
	if (S_ISCHR(st.st_mode) && st.st_rdev != makedev(1, 5)) {
		close(fd);
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "mappings of character devices other than /dev/zero "
				"are not supported", -ENOTSUP, "mapping %s (device %u:%u)", v->path,
				major(st.st_rdev), minor(st.st_rdev));
	}
	nf = realloc(d->files, (d->nr_files + 1) * sizeof(*d->files));
	if (!nf) {
		close(fd);
		return xc_fail(d->ctx, d->pid, v->path, "allocate", -ENOMEM);
	}
	d->files = nf;
	f = &d->files[d->nr_files];
	memset(f, 0, sizeof(*f));
	f->id = (uint32_t)++d->nr_files;
	f->mode = st.st_mode;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	/* A device node's size and mtime say nothing of what it maps: its
	 * number does. */
	f->size = S_ISCHR(st.st_mode) ? st.st_rdev : (uint64_t)st.st_size;
	f->mtime_sec = S_ISCHR(st.st_mode) ? 0 : st.st_mtim.tv_sec;
	f->mtime_nsec = S_ISCHR(st.st_mode) ? 0 : st.st_mtim.tv_nsec;
	snprintf(f->path, sizeof(f->path), "%s", v->path);
	f->ghost_id = ghost_id;
	n = !S_ISREG(st.st_mode) ? 0
	    : d->tree ? xc_elf_build_id_memo(&d->tree->buildids, fd, &st, f->build_id,
					     sizeof(f->build_id))
		      : xc_elf_build_id(fd, f->build_id, sizeof(f->build_id));
	f->build_id_len = n > 0 ? (uint32_t)n : 0;
	close(fd);
	*id = f->id;
	return 0;
}

static int unsupported(struct xc_dump *d, const struct xc_vma *v, const char *why)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "mapping %llx-%llx %s",
			(unsigned long long)v->start, (unsigned long long)v->end, v->path);
}

/* What a mapping is, from its smaps entry alone. 0 with *kind set (0: kept
 * out of the image), or -ENOTSUP with *why. Pure, for the unit tests. */
int xc_vma_classify(const struct xc_vma *v, uint32_t *kind, const char **why)
{
	const char *p = v->path;

	*kind = 0;
	*why = NULL;
	if (!strcmp(p, "[vsyscall]"))
		return 0;		/* fixed by the kernel, nothing to save */
	if (!strcmp(p, "[vdso]")) {
		*kind = XC_VMA_VDSO;
		return 0;
	}
	if (!strcmp(p, "[vvar]") || !strcmp(p, "[vvar_vclock]")) {
		*kind = XC_VMA_VVAR;
		return 0;
	}
	if (v->end > ARCH_TASK_SIZE)
		*why = "address above the 47-bit space";
	else if (v->vm_io)
		*why = "device memory (VM_IO/VM_PFNMAP) cannot be dumped";
	else if (v->vm_uffd)
		*why = "mappings registered with a userfaultfd are not supported yet";
	else if (v->vm_shstk)
		*why = "shadow stacks are not supported yet";
	else if (v->vm_droppable)
		*why = "droppable mappings (MAP_DROPPABLE) are not supported yet";
	else if (v->pkey)
		*why = "memory protection keys (pkey_mprotect) are not supported yet";
	else if (v->vm_hugetlb && !strncmp(p, "/SYSV", 5))
		*why = "System V shared memory (SHM_HUGETLB) is not supported yet";
	else if (v->vm_hugetlb && strcmp(p, "/anon_hugepage (deleted)"))
		*why = "files on hugetlbfs (and MFD_HUGETLB memfds) are not supported yet";
	else if (v->vm_hugetlb)	/* MAP_HUGETLB: anonymous memory in huge pages */
		*kind = v->shared ? XC_VMA_SHANON : XC_VMA_ANON;
	else if (!*p || !strcmp(p, "[heap]") || !strcmp(p, "[stack]") || !strncmp(p, "[anon:", 6))
		*kind = v->shared ? XC_VMA_SHANON : XC_VMA_ANON;
	else if (!strncmp(p, "[anon_shmem:", 12) || (v->shared && !strcmp(p, "/dev/zero (deleted)")))
		*kind = XC_VMA_SHANON;
	else if (p[0] == '[')
		*why = "special mapping not supported";
	else if (!strncmp(p, "/SYSV", 5) && v->shared)
		*kind = XC_VMA_SYSVSHM;		/* the segment itself: sysvshm.c */
	else if (!strncmp(p, "/[aio]", 6))
		*why = "AIO rings (io_setup) are not supported yet";
	else if (!strncmp(p, "/anon_hugepage", 14))	/* without "ht": not expected */
		*why = "hugetlbfs mapping is not supported yet";
	else if (!strcmp(p, "/dev/zero (deleted)"))	/* its unwritten pages are the object's */
		*why = "a private mapping of shared anonymous memory is not supported yet";
	else if (!strncmp(p, "anon_inode:", 11))	/* a perf ring, io_uring rings, a bpf map */
		*why = "mappings of anon_inode objects (perf events, io_uring, bpf) are not supported";
	else if (p[0] != '/')
		*why = "mapping of an unknown kind";
	else
		*kind = v->shared ? XC_VMA_FILE_SHARED : XC_VMA_FILE_PRIV;
	return *why ? -ENOTSUP : 0;
}

/* The name PR_SET_VMA_ANON_NAME gave an anonymous mapping: "[anon:NAME]"
 * (private) or "[anon_shmem:NAME]" (shared) in smaps, with *named; any
 * other path leaves *named false; -ENAMETOOLONG where the name does not fit
 * out. Pure. */
int xc_vma_anon_name(const char *path, char *out, size_t len, bool *named)
{
	size_t skip = !strncmp(path, "[anon:", 6) ? 6 : !strncmp(path, "[anon_shmem:", 12) ? 12 : 0;
	size_t n = strlen(path);

	*named = false;
	out[0] = 0;
	if (!skip || n < skip + 2 || path[n - 1] != ']')
		return 0;
	n -= skip + 1;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, path + skip, n);
	out[n] = 0;
	*named = true;
	return 0;
}

/* log2 of a hugetlb mapping's page size (KernelPageSize), 0 when that is
 * not a power of two above the base page. Pure. */
uint32_t xc_vma_hpage_shift(const struct xc_vma *v)
{
	uint64_t sz = (uint64_t)v->kpage_kb << 10;

	if (!v->vm_hugetlb || sz <= 4096 || (sz & (sz - 1)))
		return 0;
	return (uint32_t)__builtin_ctzll(sz);
}

static int classify(struct xc_dump *d, size_t i)
{
	const struct xc_vma *v = &d->vmas[i];
	const char *why;

	int err = xc_plugins_claim_vma(&d->plugins, d->pid, v);

	/* A plugin's mapping stays out of the image: the plugin brings it back.
	 * Its device may write memory by DMA, which write tracking misses. */
	d->track.in.device |= !err;
	if (err != -ENOTSUP)
		return err;
	/* xckpt's own write tracking (track.c) is no state of the target's:
	 * it is not saved, and never comes back with a restore. */
	if (v->vm_uffd && dump_track_owns(d, i))
		d->vmas[i].vm_uffd = false;
	if (xc_vma_classify(v, &d->vma_kind[i], &why))
		return unsupported(d, v, why);
	if (v->vm_hugetlb && !xc_vma_hpage_shift(v)) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "hugetlb page size not understood", -ENOTSUP,
				"mapping %llx-%llx (KernelPageSize %u kB)", (unsigned long long)v->start,
				(unsigned long long)v->end, v->kpage_kb);
	}
	if (d->vma_kind[i] == XC_VMA_FILE_PRIV || d->vma_kind[i] == XC_VMA_FILE_SHARED)
		return add_mapfile(d, v, &d->vma_file[i]);
	return 0;
}

int dump_mm_collect(struct xc_dump *d)
{
	unsigned bad_line = 0;
	char *buf;
	size_t len;
	int err;

	err = xc_proc_read(d, "smaps", &buf, &len);
	if (err)
		return err;
	err = xc_parse_maps(buf, len, &d->vmas, &d->nr_vmas, &bad_line);
	free(buf);
	if (err)
		return xc_failf(d->ctx, d->pid, "parse", err, "smaps line %u", bad_line);
	d->vma_kind = calloc(d->nr_vmas + 1, sizeof(*d->vma_kind));
	d->vma_file = calloc(d->nr_vmas + 1, sizeof(*d->vma_file));
	if (!d->vma_kind || !d->vma_file)
		return xc_fail(d->ctx, d->pid, "mappings", "allocate", -ENOMEM);
	for (size_t i = 0; i < d->nr_vmas; i++) {
		err = classify(d, i);
		if (err)
			return err;
	}
	return 0;
}

static int put_vdso(struct xc_dump *d)
{
	struct xc_rec_vdso rec = { 0 };
	bool have = false;

	for (size_t i = 0; i < d->nr_vmas; i++) {
		const struct xc_vma *v = &d->vmas[i];

		if (d->vma_kind[i] == XC_VMA_VVAR) {
			if (!rec.vvar_start || v->start < rec.vvar_start)
				rec.vvar_start = v->start;
			if (v->end > rec.vvar_end)
				rec.vvar_end = v->end;
		} else if (d->vma_kind[i] == XC_VMA_VDSO) {
			size_t n = v->end - v->start;
			char *buf = malloc(n);

			if (!buf || pread(d->memfd, buf, n, v->start) != (ssize_t)n) {
				free(buf);
				return xc_fail(d->ctx, d->pid, "[vdso]", "read", -EIO);
			}
			rec.vdso_start = v->start;
			rec.vdso_end = v->end;
			rec.vdso_crc = xc_crc32c(0, buf, n);
			free(buf);
			have = true;
		}
	}
	if (!have)
		return 0;
	return xc_imgw_put(d->ctx, &d->img, XC_REC_VDSO, &rec, sizeof(rec));
}

int dump_mm(struct xc_dump *d)
{
	struct xc_rec_mm mm = { 0 };
	char *auxv, exe[PATH_MAX];
	size_t len;
	ssize_t n;
	int err;

	mm.start_code = d->pstat.start_code;
	mm.end_code = d->pstat.end_code;
	mm.start_data = d->pstat.start_data;
	mm.end_data = d->pstat.end_data;
	mm.start_brk = d->pstat.start_brk;
	mm.brk = d->brk;
	mm.start_stack = d->pstat.start_stack;
	mm.arg_start = d->pstat.arg_start;
	mm.arg_end = d->pstat.arg_end;
	mm.env_start = d->pstat.env_start;
	mm.env_end = d->pstat.env_end;
	n = readlinkat(d->procfd, "exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		for (size_t i = 0; i < d->nr_files; i++)
			if (!strcmp(d->files[i].path, exe))
				mm.exe_file = d->files[i].id;
	}
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_MM, &mm, sizeof(mm));
	if (err)
		return err;
	err = xc_proc_read(d, "auxv", &auxv, &len);
	if (err)
		return err;
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_AUXV, auxv, len & ~(size_t)15);
	free(auxv);
	for (size_t i = 0; !err && i < d->nr_files; i++)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_MAPFILE, &d->files[i], sizeof(d->files[i]));
	for (size_t i = 0; !err && i < d->nr_vmas; i++) {
		const struct xc_vma *v = &d->vmas[i];
		struct xc_rec_vma r = { 0 };
		bool named;

		if (!d->vma_kind[i])
			continue;
		r.start = v->start;
		r.end = v->end;
		r.pgoff = v->pgoff;
		r.kind = d->vma_kind[i];
		r.prot = v->prot;
		r.vmflags = v->vmflags;
		r.file_id = d->vma_file[i];
		r.hpage_shift = xc_vma_hpage_shift(v);
		if (xc_vma_anon_name(v->path, r.name, sizeof(r.name), &named))
			return xc_failf(d->ctx, d->pid, "name of an anonymous mapping too long",
					-ENAMETOOLONG, "mapping %llx-%llx",
					(unsigned long long)v->start, (unsigned long long)v->end);
		/* The kernel numbers its shared memory objects with 32 bits
		 * (get_next_ino()); mappings of one object, in one process or
		 * several, come back mapping one object. */
		if (r.kind == XC_VMA_SHANON) {
			if (!v->ino || v->ino > UINT32_MAX)
				return xc_failf(d->ctx, d->pid, "shared memory object with an inode "
						"number past 32 bits: not supported", -ENOTSUP,
						"mapping %llx-%llx", (unsigned long long)v->start,
						(unsigned long long)v->end);
			r.shm_ino = (uint32_t)v->ino;
		}
		/* A segment's inode number is its id (sysvshm.c). */
		if (r.kind == XC_VMA_SYSVSHM)
			r.shm_ino = (uint32_t)v->ino;
		if (!strcmp(v->path, "[heap]"))
			r.flags |= XC_VMA_F_HEAP;
		if (!strcmp(v->path, "[stack]"))
			r.flags |= XC_VMA_F_STACK;
		if (v->vm_growsdown)
			r.flags |= XC_VMA_F_GROWSDOWN;
		if (v->vm_maywrite)
			r.flags |= XC_VMA_F_MAYWRITE;
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_VMA, &r, sizeof(r));
	}
	if (!err)
		err = put_vdso(d);
	return err;
}

static bool page_is_zero(const uint64_t *p, size_t page)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < page / 8; i += 8)
		acc |= p[i] | p[i + 1] | p[i + 2] | p[i + 3] | p[i + 4] | p[i + 5] | p[i + 6] | p[i + 7];
	return !acc;
}

bool xc_page_wanted(uint32_t kind, uint64_t pm)
{
	if (!(pm & (PM_PRESENT | PM_SWAP)))
		return false;
	if (kind == XC_VMA_FILE_PRIV)
		return !(pm & PM_FILE) || (pm & PM_SWAP);
	return kind == XC_VMA_ANON || kind == XC_VMA_SHANON;
}

#define CHUNK_PAGES 256

/* process_vm_readv is the cheaper path; /proc/PID/mem also reads mappings
 * the target itself may not read (PROT_NONE, execute-only). */
static ssize_t read_mem(struct xc_dump *d, const struct xc_vma *v, void *buf, size_t len,
			uint64_t addr)
{
	struct iovec lo = { buf, len }, re = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (v->prot & PROT_READ) {
		n = process_vm_readv(d->pid, &lo, 1, &re, 1, 0);
		if (n == (ssize_t)len)
			return n;
	}
	return pread(d->memfd, buf, len, (off_t)addr);
}

/* Room in the page writer's block for up to max pages: memory is read
 * straight into it, with no copy. */
static uint8_t *room(struct xc_dump *d, size_t max, size_t *n)
{
	uint8_t *p = xc_pagew_room(&d->pages, n);

	if (*n > max)
		*n = max;
	return p;
}

/* Commit n pages read at addr into the room at buf, all-zero ones left out
 * where the restored mapping reads as zero anyway (the pages after one are
 * moved down over it). */
static int add_pages(struct xc_dump *d, size_t i, uint8_t *buf, uint64_t addr, size_t n)
{
	size_t page = d->pages.page, kept = 0;

	for (size_t k = 0; k < n; k++) {
		const uint8_t *pg = buf + k * page;
		xc_page_hash h, ph;
		int err;

		d->pages_scanned++;
		/* A zero page of a private file mapping is a COW'd page the
		 * program cleared: the file would bring back other bytes. */
		if (d->vma_kind[i] != XC_VMA_FILE_PRIV && page_is_zero((const uint64_t *)pg, page)) {
			d->pages_zero++;
			continue;
		}
		h = xc_page_hash_of(pg, page);
		if (d->parent && xc_pview_hash(d->parent, addr + k * page, &ph) && ph == h) {
			d->pages_in_parent++;
			err = xc_pagew_commit(d->ctx, &d->pages, addr + k * page, h, true);
			if (err)
				return err;
			continue;
		}
		if (kept != k)
			memcpy(buf + kept * page, pg, page);
		kept++;
		/* Fills the block only with the last page of the room. */
		err = xc_pagew_commit(d->ctx, &d->pages, addr + k * page, h, false);
		if (err)
			return err;
	}
	return 0;
}

/* Shared anonymous memory lives in a shmem file: pages this process has not
 * mapped (another process faulted them, MADV_DONTNEED dropped the mapping,
 * or they are swapped) do not show in its pagemap. Read the file itself,
 * hole by hole with SEEK_DATA/SEEK_HOLE, without faulting anything into the
 * target. */
static int dump_shanon_pages(struct xc_dump *d, size_t i, uint64_t *done, uint64_t total)
{
	const struct xc_vma *v = &d->vmas[i];
	size_t page = d->pages.page;
	uint64_t end = v->pgoff + (v->end - v->start);
	char link[64];
	off_t data, hole;
	int fd, err = 0;

	xc_pagew_break(&d->pages);
	snprintf(link, sizeof(link), "map_files/%llx-%llx", (unsigned long long)v->start,
		 (unsigned long long)v->end);
	fd = openat(d->procfd, link, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && d->live && errno == ENOENT)
		return 0;	/* unmapped since: nothing of it to keep */
	if (fd < 0)
		return xc_failf(d->ctx, d->pid, "open shared memory", -errno, "mapping %llx-%llx",
				(unsigned long long)v->start, (unsigned long long)v->end);
	for (data = (off_t)v->pgoff; !err && (uint64_t)data < end; data = hole) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0 || (uint64_t)data >= end)
			break;		/* ENXIO: no data up to the end */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
		for (off_t o = data; !err && o < hole; ) {
			size_t n;
			uint8_t *buf = room(d, ((uint64_t)(hole - o) + page - 1) / page, &n);
			ssize_t r;

			r = pread(fd, buf, n * page, o);
			if (r != (ssize_t)(n * page))
				err = xc_failf(d->ctx, d->pid, "read shared memory",
					       r < 0 ? -errno : -EIO, "mapping %llx-%llx",
					       (unsigned long long)v->start, (unsigned long long)v->end);
			else
				err = add_pages(d, i, buf, v->start + (o - v->pgoff), n);
			o += (off_t)(n * page);
		}
	}
	close(fd);
	*done += v->end - v->start;
	xc_progress(d->ctx, "memory", *done, total);
	return err;
}

/* Read run pages at addr into the page writer's blocks, room by room. */
/* Page by page, for a process that runs while it is read (a live
 * pre-dump): a page unmapped since the pagemap was read is left out, as if
 * absent; the final dump finds whatever is there by then. */
static int read_live(struct xc_dump *d, size_t i, uint64_t addr, size_t run)
{
	size_t page = d->pages.page;

	for (; run; run--, addr += page) {
		size_t one;
		uint8_t *buf = room(d, 1, &one);
		int err;

		if (read_mem(d, &d->vmas[i], buf, page, addr) != (ssize_t)page) {
			d->pages_gone++;
			continue;
		}
		err = add_pages(d, i, buf, addr, 1);
		if (err)
			return err;
	}
	return 0;
}

static int read_run(struct xc_dump *d, size_t i, uint64_t addr, size_t run)
{
	const struct xc_vma *v = &d->vmas[i];
	size_t page = d->pages.page;

	while (run) {
		size_t n;
		uint8_t *buf = room(d, run, &n);
		ssize_t r = read_mem(d, v, buf, n * page, addr);
		int err;

		if (r != (ssize_t)(n * page) && d->live)
			return read_live(d, i, addr, run);
		if (r != (ssize_t)(n * page))
			return xc_failf(d->ctx, d->pid, "read memory", r < 0 ? -errno : -EIO,
					"mapping %llx-%llx at %llx", (unsigned long long)v->start,
					(unsigned long long)v->end, (unsigned long long)addr);
		err = add_pages(d, i, buf, addr, n);
		if (err)
			return err;
		addr += n * page;
		run -= n;
	}
	return 0;
}

static int guard_refusal(struct xc_dump *d, const struct xc_vma *v, uint64_t addr)
{
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, "guard pages (MADV_GUARD_INSTALL) are not supported yet",
			-ENOTSUP, "mapping %llx-%llx at %llx", (unsigned long long)v->start,
			(unsigned long long)v->end, (unsigned long long)addr);
}

static int read_noted(struct xc_dump *d, size_t i, uint64_t addr, size_t n)
{
	int err = read_run(d, i, addr, n);

	return err ? err : dump_track_note_read(d, addr, n);
}

/* A VMA whose writes are tracked since the parent: PAGEMAP_SCAN gave its
 * present and swapped ranges with what they are (track.c), in place of the
 * pagemap. Written pages are read; the others come from the parent unread,
 * but for any the parent lacks. */
static int dump_vma_tracked(struct xc_dump *d, size_t i, uint64_t *done, uint64_t total)
{
	const struct xc_vma *v = &d->vmas[i];
	size_t page = d->pages.page;
	uint64_t last = v->start;

	for (size_t k = 0; k < d->track.scan.n; k++) {
		const struct xc_track_region *r = &d->track.scan.v[k];
		uint64_t pm = xc_track_pagemap_bits(r->categories), addr = r->start;
		size_t n = (r->end - r->start) / page, got;
		int err = 0;

		if (xc_track_is_guard(r->categories))
			return guard_refusal(d, v, r->start);
		if (!xc_page_wanted(d->vma_kind[i], pm))
			continue;
		/* The shared zero page: nothing to read. */
		if (d->vma_kind[i] == XC_VMA_ANON && xc_track_is_zero_page(r->categories)) {
			d->pages_scanned += n;
			d->pages_zero += n;
			continue;
		}
		if (xc_track_is_written(r->categories))
			err = read_noted(d, i, addr, n);
		while (!err && !xc_track_is_written(r->categories) && n) {
			err = dump_track_take(d, addr, n, &got);
			addr += got * page;
			n -= got;
			if (!err && n) {
				got = dump_track_parent_gap(d, addr, n);
				err = read_noted(d, i, addr, got);
				addr += got * page;
				n -= got;
			}
		}
		if (err)
			return err;
		*done += r->end - last;
		last = r->end;
		xc_progress(d->ctx, "memory", *done, total);
		if (xc_interrupted())
			return xc_check_interrupt(d->ctx, d->pid);
	}
	*done += v->end - last;
	return 0;
}

/* Read the pages of one private VMA that the pagemap says are wanted, in
 * chunks, and hand them to add_pages(). */
static int dump_vma_pages(struct xc_dump *d, size_t i, int pmfd, uint64_t *pm, uint64_t *done,
			  uint64_t total)
{
	const struct xc_vma *v = &d->vmas[i];
	size_t page = d->pages.page;
	int err;

	xc_pagew_break(&d->pages);
	err = dump_track_vma(d, i, pmfd);
	if (err)
		return err;
	if (d->track.vma_usable)
		return dump_vma_tracked(d, i, done, total);
	for (uint64_t a = v->start; a < v->end; a += CHUNK_PAGES * page) {
		size_t n = (v->end - a) / page, off = 0;
		ssize_t r;

		if (n > CHUNK_PAGES)
			n = CHUNK_PAGES;
		r = pread(pmfd, pm, n * 8, a / page * 8);
		if (r != (ssize_t)(n * 8))
			return xc_failf(d->ctx, d->pid, "read pagemap", r < 0 ? -errno : -EIO,
					"mapping %llx-%llx", (unsigned long long)v->start,
					(unsigned long long)v->end);
		for (size_t k = 0; k < n; k++)
			if (pm[k] & PM_GUARD)
				return guard_refusal(d, v, a + k * page);
		while (off < n) {
			size_t run = 0;
			xc_page_hash h;

			while (off < n && !xc_page_wanted(d->vma_kind[i], pm[off]))
				off++;
			/* The parent process's page, still shared since fork. */
			if (off < n && dump_cow_page(d, i, a + off * page, &h)) {
				d->pages_scanned++;
				d->pages_forked++;
				err = xc_pagew_commit_forked(d->ctx, &d->pages, a + off * page, h);
				if (err)
					return err;
				off++;
				continue;
			}
			while (off + run < n && xc_page_wanted(d->vma_kind[i], pm[off + run]) &&
			       !dump_cow_page(d, i, a + (off + run) * page, &h))
				run++;
			if (!run)
				break;
			err = read_noted(d, i, a + off * page, run);
			if (err)
				return err;
			off += run;
		}
		*done += n * page;
		xc_progress(d->ctx, "memory", *done, total);
		if (xc_interrupted())
			return xc_check_interrupt(d->ctx, d->pid);
	}
	return 0;
}

int dump_pages(struct xc_dump *d)
{
	uint64_t total = 0, done = 0, *pm;
	int pmfd, err = 0;

	pmfd = openat(d->procfd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0)
		return xc_fail(d->ctx, d->pid, "pagemap", "open", -errno);
	pm = malloc(CHUNK_PAGES * 8);
	if (!pm) {
		err = xc_fail(d->ctx, d->pid, "pages", "allocate", -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < d->nr_vmas; i++)
		if (d->vma_kind[i] == XC_VMA_ANON || d->vma_kind[i] == XC_VMA_SHANON ||
		    d->vma_kind[i] == XC_VMA_FILE_PRIV)
			total += d->vmas[i].end - d->vmas[i].start;
	err = dump_cow_open(d);
	for (size_t i = 0; !err && i < d->nr_vmas; i++) {
		uint32_t k = d->vma_kind[i];

		if (k == XC_VMA_SHANON)
			err = dump_shanon_pages(d, i, &done, total);
		else if (k == XC_VMA_ANON || k == XC_VMA_FILE_PRIV)
			err = dump_vma_pages(d, i, pmfd, pm, &done, total);
	}
out:
	dump_cow_close(d);
	free(pm);
	close(pmfd);
	return err;
}

int dump_parent_check(struct xc_tree *t)
{
	struct xc_ctx *ctx = t->ctx;
	struct xc_pview *levels;
	char real[PATH_MAX];
	size_t n = 0;
	int err;

	if (!realpath(ctx->parent, real)) {
		ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_fail(ctx, 0, ctx->parent, "open parent image", -errno);
	}
	if (strlen(real) >= sizeof(t->parent_path))
		return xc_fail(ctx, 0, real, "parent image path (255 bytes at most)", -ENAMETOOLONG);
	snprintf(t->parent_path, sizeof(t->parent_path), "%s", real);
	levels = calloc(XC_CHAIN_MAX, sizeof(*levels));
	if (!levels)
		return xc_fail(ctx, 0, real, "allocate", -ENOMEM);
	/* The parent first, whatever it was made from, then the rest of the
	 * chain as the parent names it. */
	err = xc_pview_open(ctx, &levels[0], real, 0, 0, false);
	if (!err && levels[0].parent.depth >= XC_CHAIN_MAX - 1) {
		ctx->exit_hint = XC_EXIT_IMAGE;
		err = xc_failf(ctx, 0, "chain too long", -EMLINK, "parent image %s", real);
	}
	if (!err)
		t->parent = (struct xc_rec_parent){ levels[0].created_ns, levels[0].parent.depth + 1, 0 };
	xc_pview_close(&levels[0]);
	if (!err)
		err = xc_chain_open(ctx, levels, &n, real, &t->parent, 0, false);
	for (size_t i = 0; i < n; i++)
		xc_pview_close(&levels[i]);
	free(levels);
	return err;
}

int dump_parent_open(struct xc_dump *d, const struct xc_tree *t)
{
	struct xc_pview top;
	int err;

	/* Opened before the seize (pstree.c), while the process still ran:
	 * reading the parent's index (8 bytes a page) is not freeze time. */
	if (!t->parent.depth || d->parent_looked)
		return 0;
	d->parent_looked = true;
	/* A process new since the parent has nothing to compare with. */
	err = xc_pview_open(d->ctx, &top, t->parent_path, 0, t->parent.created_ns, false);
	if (!err && !xc_inventory_has(&top, d->pid)) {
		xc_pview_close(&top);
		return 0;
	}
	xc_pview_close(&top);
	if (err)
		return err;
	d->parent = calloc(1, sizeof(*d->parent));
	if (!d->parent)
		return xc_fail(d->ctx, d->pid, t->parent_path, "allocate", -ENOMEM);
	return xc_pview_open(d->ctx, d->parent, t->parent_path, d->pid, t->parent.created_ns, false);
}

void dump_parent_close(struct xc_dump *d)
{
	if (d->parent)
		xc_pview_close(d->parent);
	free(d->parent);
	d->parent = NULL;
}
