#ifndef XC_BUILDID_H
#define XC_BUILDID_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
/* The GNU build-id note of an ELF file, read with libelf. Returns its length
 * (0: not ELF or no note), or -errno. */
int xc_elf_build_id(int fd, uint8_t *out, size_t cap);

/* The build-ids already read in this dump or restore, by file identity:
 * every process of a tree maps the same libraries, and libelf maps the
 * whole file to read a note (a ring of 128 processes maps 3 files each). A
 * file written since (size, mtime or ctime) is read again. */
struct xc_buildid_memo {
	struct xc_buildid_seen *e;
	size_t nr, cap;
};

/* xc_elf_build_id() of fd, whose fstat is *st, through the memo. */
int xc_elf_build_id_memo(struct xc_buildid_memo *m, int fd, const struct stat *st, uint8_t *out,
			 size_t cap);
void xc_buildid_memo_free(struct xc_buildid_memo *m);
#endif
