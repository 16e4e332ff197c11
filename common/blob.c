#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blob.h"

#include "arch/arch.h"

/* Blobs are a few pages; anything larger is not one of ours. */
#define BLOB_MAX (64ULL << 20)

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
		/* Bounded before adding, so nothing below can wrap. */
		if (ph.p_vaddr > BLOB_MAX || ph.p_memsz > BLOB_MAX - ph.p_vaddr) {
			*why = "bad load segments";
			return -ENOEXEC;
		}
		if (ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
	}
	if (!end) {
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
		if (ph.p_offset > rawlen || ph.p_filesz > rawlen - ph.p_offset ||
		    ph.p_filesz > ph.p_memsz) {
			*why = "segment outside the file";
			return -ENOEXEC;
		}
		memcpy(b->image + ph.p_vaddr, raw + ph.p_offset, ph.p_filesz);
	}
	return 0;
}

/* Section contents are checked as carefully as segments: the loader must
 * refuse a damaged blob rather than place it half-relocated. */
static int section_count(const GElf_Shdr *sh, size_t entsize, size_t *cnt, const char **why)
{
	if (sh->sh_entsize != entsize || sh->sh_size % entsize) {
		*why = "bad section entry size";
		return -ENOEXEC;
	}
	*cnt = sh->sh_size / entsize;
	return 0;
}

static int load_symtab(Elf *e, Elf_Data *d, const GElf_Shdr *sh, struct xc_blob *b,
		       const char **why)
{
	size_t cnt;
	int err = section_count(sh, sizeof(Elf64_Sym), &cnt, why);

	if (err)
		return err;
	if (b->syms) {
		*why = "more than one symbol table";
		return -ENOEXEC;
	}
	b->syms = calloc(cnt ? cnt : 1, sizeof(*b->syms));
	if (!b->syms)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		GElf_Sym s;
		const char *name;

		if (!gelf_getsym(d, i, &s)) {
			*why = "unreadable symbol";
			return -ENOEXEC;
		}
		if (s.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name || strlen(name) >= sizeof(b->syms[0].name))
			continue;
		strcpy(b->syms[b->nr_syms].name, name);
		b->syms[b->nr_syms++].off = s.st_value;
	}
	return 0;
}

static int load_rela(Elf_Data *d, const GElf_Shdr *sh, struct xc_blob *b, const char **why)
{
	uint64_t *relocs, *addends;
	size_t cnt;
	int err = section_count(sh, sizeof(Elf64_Rela), &cnt, why);

	if (err)
		return err;
	relocs = realloc(b->relocs, (b->nr_relocs + cnt + 1) * sizeof(*relocs));
	if (!relocs)
		return -ENOMEM;
	b->relocs = relocs;
	addends = realloc(b->addends, (b->nr_relocs + cnt + 1) * sizeof(*addends));
	if (!addends)
		return -ENOMEM;
	b->addends = addends;
	for (size_t i = 0; i < cnt; i++) {
		GElf_Rela r;

		if (!gelf_getrela(d, i, &r)) {
			*why = "unreadable relocation";
			return -ENOEXEC;
		}
		if (GELF_R_TYPE(r.r_info) != ARCH_ELF_R_RELATIVE) {
			*why = "relocation other than RELATIVE (blob must be self-contained)";
			return -ENOEXEC;
		}
		if (b->size < 8 || r.r_offset > b->size - 8) {
			*why = "relocation outside the image";
			return -ENOEXEC;
		}
		b->relocs[b->nr_relocs] = r.r_offset;
		b->addends[b->nr_relocs++] = r.r_addend;
	}
	return 0;
}

static int load_section(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, struct xc_blob *b,
			const char **why)
{
	Elf_Data *d;

	if (sh->sh_type == SHT_REL) {
		*why = "REL relocations are not supported";
		return -ENOEXEC;
	}
	if (sh->sh_type != SHT_SYMTAB && sh->sh_type != SHT_RELA)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d || d->d_size != sh->sh_size) {
		*why = "unreadable symbol or relocation section";
		return -ENOEXEC;
	}
	return sh->sh_type == SHT_SYMTAB ? load_symtab(e, d, sh, b, why) : load_rela(d, sh, b, why);
}

/* libelf reads section headers lazily; check that the table lies in the
 * buffer before walking it, or a truncated blob loads with no sections. */
static int check_shdrs(Elf *e, const GElf_Ehdr *eh, size_t len, const char **why)
{
	size_t n;

	if (elf_getshdrnum(e, &n) || !n || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > len || n > (len - eh->e_shoff) / sizeof(Elf64_Shdr)) {
		*why = "section headers missing or outside the file";
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
	if (!e || elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 ||
	    !gelf_getehdr(e, &eh) || eh.e_type != ET_DYN) {
		*why = "not an ELF shared object";
		if (e)
			elf_end(e);
		return -ENOEXEC;
	}
	err = check_shdrs(e, &eh, len, why);
	if (!err)
		err = load_segments(e, b, why);
	while (!err && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh)) {
			*why = "unreadable section header";
			err = -ENOEXEC;
		} else {
			err = load_section(e, scn, &sh, b, why);
		}
	}
	if (!err && !b->syms) {
		*why = "no symbol table";
		err = -ENOEXEC;
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
