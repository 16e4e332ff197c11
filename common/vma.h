/* A mapping as /proc/PID/smaps describes it; shared by the tracer and the
 * plugins' claim_vma hook. */
#ifndef XC_VMA_H
#define XC_VMA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct xc_vma {
	uint64_t start, end;
	uint64_t pgoff;		/* bytes */
	uint32_t prot;		/* PROT_* */
	bool shared;		/* 's' in the perms column */
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint32_t vmflags;	/* XC_VMF_* from VmFlags */
	bool vm_growsdown;	/* "gd" */
	bool vm_maywrite;	/* "mw" */
	bool vm_io;		/* "io" or "pf": device memory, never dumpable */
	bool vm_uffd;		/* "um", "uw" or "ui": registered with a userfaultfd */
	bool vm_shstk;		/* "ss": shadow stack */
	bool vm_droppable;	/* "dp": MAP_DROPPABLE */
	bool vm_hugetlb;	/* "ht": hugetlb pages (MAP_HUGETLB, hugetlbfs) */
	uint32_t pkey;		/* ProtectionKey, 0: none */
	uint32_t kpage_kb;	/* KernelPageSize: 4, or the huge page size of hugetlb */
	char path[PATH_MAX];	/* "" for anonymous; "[heap]", "[stack]", ... */
};

#endif
