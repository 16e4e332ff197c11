#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "common/buildid.h"

static int scan_notes(Elf_Data *d, uint8_t *out, size_t cap)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)d->d_buf + name_off, "GNU", 4)) {
			size_t n = nh.n_descsz < cap ? nh.n_descsz : cap;
			memcpy(out, (char *)d->d_buf + desc_off, n);
			return (int)n;
		}
	}
	return 0;
}

int xc_elf_build_id(int fd, uint8_t *out, size_t cap)
{
	Elf *e;
	size_t n;
	int ret = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return 0;
	if (elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &n)) {
		elf_end(e);
		return 0;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(e, ph.p_offset, ph.p_filesz,
					 ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (d)
			ret = scan_notes(d, out, cap);
	}
	elf_end(e);
	return ret;
}
