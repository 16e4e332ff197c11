#ifndef XC_BUILDID_H
#define XC_BUILDID_H
#include <stddef.h>
#include <stdint.h>
/* The GNU build-id note of an ELF file, read with libelf. Returns its length
 * (0: not ELF or no note), or -errno. */
int xc_elf_build_id(int fd, uint8_t *out, size_t cap);
#endif
