/* Loader for the freestanding blobs (parasite, restorer). They are linked as
 * PIC shared objects and embedded as ELF files; libelf gives their load
 * segments, symbols and relative relocations, so no offsets are kept by
 * hand. */
#ifndef XC_BLOB_H
#define XC_BLOB_H

#include <stddef.h>
#include <stdint.h>

struct xc_blob {
	uint8_t *image;		/* flat copy of the PT_LOAD segments, from vaddr 0 */
	size_t size;		/* page-rounded */
	uint64_t *relocs;	/* offsets of R_*_RELATIVE words */
	uint64_t *addends;
	size_t nr_relocs;
	struct xc_blob_sym { char name[48]; uint64_t off; } *syms;
	size_t nr_syms;
};

/* -errno; *why says what is wrong with the ELF. */
int xc_blob_load(const void *elf, size_t len, struct xc_blob *b, const char **why);
/* Offset of a symbol, or -1. */
int64_t xc_blob_sym(const struct xc_blob *b, const char *name);
/* Copy the image into dst (b->size bytes) relocated for base. */
void xc_blob_place(const struct xc_blob *b, void *dst, uint64_t base);
void xc_blob_free(struct xc_blob *b);

#endif
