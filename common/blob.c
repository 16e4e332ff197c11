#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blob.h"

#include "arch/arch.h"

static int load_segments(Elf *e, struct xc_blob *b, const char **why)
{
	size_t n, page = sysconf(_SC_PAGESIZE);
	uint64_t end = 0;
	const char *raw;
	size_t rawlen;

	if (elf_getphdrnum(e, &n)) {
		*why = "no program headers";
		return -ENOEXEC;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
	}
	if (!end || end > (64u << 20)) {
		*why = "bad load segments";
		return -ENOEXEC;
	}
	b->size = (end + page - 1) & ~(page - 1);
	b->image = calloc(1, b->size);
	if (!b->image)
		return -ENOMEM;
	raw = elf_rawfile(e, &rawlen);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset + ph.p_filesz > rawlen || ph.p_filesz > ph.p_memsz) {
			*why = "segment outside the file";
			return -ENOEXEC;
		}
		memcpy(b->image + ph.p_vaddr, raw + ph.p_offset, ph.p_filesz);
	}
	return 0;
}

static int load_section(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, struct xc_blob *b,
			const char **why)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	if (!d)
		return 0;
	if (sh->sh_type == SHT_SYMTAB) {
		size_t cnt = sh->sh_size / sh->sh_entsize;
		b->syms = calloc(cnt, sizeof(*b->syms));
		if (!b->syms)
			return -ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			GElf_Sym s;
			const char *name;
			if (!gelf_getsym(d, i, &s) || s.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh->sh_link, s.st_name);
			if (!name || !*name || strlen(name) >= sizeof(b->syms[0].name))
				continue;
			strcpy(b->syms[b->nr_syms].name, name);
			b->syms[b->nr_syms++].off = s.st_value;
		}
	} else if (sh->sh_type == SHT_RELA) {
		size_t cnt = sh->sh_size / sh->sh_entsize;
		b->relocs = realloc(b->relocs, (b->nr_relocs + cnt) * sizeof(*b->relocs));
		b->addends = realloc(b->addends, (b->nr_relocs + cnt) * sizeof(*b->addends));
		if (!b->relocs || !b->addends)
			return -ENOMEM;
		for (size_t i = 0; i < cnt; i++) {
			GElf_Rela r;
			if (!gelf_getrela(d, i, &r))
				continue;
			if (GELF_R_TYPE(r.r_info) != ARCH_ELF_R_RELATIVE) {
				*why = "relocation other than RELATIVE (blob must be self-contained)";
				return -ENOEXEC;
			}
			if (r.r_offset + 8 > b->size) {
				*why = "relocation outside the image";
				return -ENOEXEC;
			}
			b->relocs[b->nr_relocs] = r.r_offset;
			b->addends[b->nr_relocs++] = r.r_addend;
		}
	} else if (sh->sh_type == SHT_REL) {
		*why = "REL relocations are not supported";
		return -ENOEXEC;
	}
	return 0;
}

int xc_blob_load(const void *elf, size_t len, struct xc_blob *b, const char **why)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	Elf *e;
	int err;

	memset(b, 0, sizeof(*b));
	*why = "";
	if (elf_version(EV_CURRENT) == EV_NONE) {
		*why = "libelf too old";
		return -ENOEXEC;
	}
	e = elf_memory((char *)elf, len);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || eh.e_type != ET_DYN) {
		*why = "not an ELF shared object";
		if (e)
			elf_end(e);
		return -ENOEXEC;
	}
	err = load_segments(e, b, why);
	while (!err && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh))
			err = load_section(e, scn, &sh, b, why);
	}
	elf_end(e);
	if (err)
		xc_blob_free(b);
	return err;
}

int64_t xc_blob_sym(const struct xc_blob *b, const char *name)
{
	for (size_t i = 0; i < b->nr_syms; i++)
		if (!strcmp(b->syms[i].name, name))
			return (int64_t)b->syms[i].off;
	return -1;
}

void xc_blob_place(const struct xc_blob *b, void *dst, uint64_t base)
{
	memcpy(dst, b->image, b->size);
	for (size_t i = 0; i < b->nr_relocs; i++) {
		uint64_t v = base + b->addends[i];
		memcpy((char *)dst + b->relocs[i], &v, sizeof(v));
	}
}

void xc_blob_free(struct xc_blob *b)
{
	free(b->image);
	free(b->relocs);
	free(b->addends);
	free(b->syms);
	memset(b, 0, sizeof(*b));
}
