#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
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

#define XC_BUILDID_MAX 64	/* as the image's build_id field is at most */

struct xc_buildid_seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int n;
	uint8_t id[XC_BUILDID_MAX];
};

static bool same_file(const struct xc_buildid_seen *s, const struct stat *st)
{
	return s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       s->ctime.tv_sec == st->st_ctim.tv_sec && s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

int xc_elf_build_id_memo(struct xc_buildid_memo *m, int fd, const struct stat *st, uint8_t *out,
			 size_t cap)
{
	struct xc_buildid_seen *s;
	int n;

	for (size_t i = 0; i < m->nr; i++) {
		s = &m->e[i];
		if (same_file(s, st)) {
			n = (size_t)s->n < cap ? s->n : (int)cap;
			memcpy(out, s->id, (size_t)n);
			return n;
		}
	}
	n = xc_elf_build_id(fd, out, cap);
	if (n < 0 || cap > XC_BUILDID_MAX)
		return n;	/* not kept: an error may not last */
	if (m->nr == m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 16;
		void *ne = realloc(m->e, nc * sizeof(*m->e));

		if (!ne)
			return n;	/* only a shortcut */
		m->e = ne;
		m->cap = nc;
	}
	s = &m->e[m->nr++];
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->ctime = st->st_ctim;
	s->n = n;
	memcpy(s->id, out, (size_t)n);
	return n;
}

void xc_buildid_memo_free(struct xc_buildid_memo *m)
{
	free(m->e);
	m->e = NULL;
	m->nr = m->cap = 0;
}
