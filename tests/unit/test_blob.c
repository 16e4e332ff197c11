/* The blob loader (common/blob.c): the parasite and restorer blobs embedded
 * in xccore, a fixture blob with RELATIVE relocations (fixtures/blob/reloc.c;
 * the real blobs have none today), and damaged ELF files.
 *
 * Expected values come from a second, minimal ELF64 reader written here
 * against <elf.h>, not from libelf, so the two can disagree. Damaged input
 * runs in a child process where a crash is possible, so a crash is a test
 * failure that names the case instead of the end of the run. */
#include "unit.h"

#include <elf.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/blob.h"

extern const char xc_parasite_elf[], xc_parasite_elf_end[];
extern const char xc_restorer_elf[], xc_restorer_elf_end[];

/* ---- a minimal, independent ELF64 reader ------------------------------- */

static const Elf64_Ehdr *ehdr(const void *elf)
{
	return elf;
}

static const Elf64_Shdr *shdr(const void *elf, size_t i)
{
	return (const Elf64_Shdr *)((const char *)elf + ehdr(elf)->e_shoff) + i;
}

static const Elf64_Phdr *phdr(const void *elf, size_t i)
{
	return (const Elf64_Phdr *)((const char *)elf + ehdr(elf)->e_phoff) + i;
}

/* Index of the first section of a type, or -1. */
static int find_section(const void *elf, uint32_t type)
{
	for (size_t i = 0; i < ehdr(elf)->e_shnum; i++)
		if (shdr(elf, i)->sh_type == type)
			return (int)i;
	return -1;
}

/* st_value of a defined symbol in .symtab, or -1. */
static int64_t elf_sym(const void *elf, const char *name)
{
	int s = find_section(elf, SHT_SYMTAB);
	const Elf64_Shdr *sh, *str;

	assert_true(s >= 0);
	sh = shdr(elf, s);
	str = shdr(elf, sh->sh_link);
	for (size_t i = 0; i < sh->sh_size / sizeof(Elf64_Sym); i++) {
		const Elf64_Sym *sym = (const Elf64_Sym *)((const char *)elf + sh->sh_offset) + i;

		if (sym->st_shndx != SHN_UNDEF &&
		    !strcmp((const char *)elf + str->sh_offset + sym->st_name, name))
			return (int64_t)sym->st_value;
	}
	return -1;
}

/* Whether off lies in a PT_LOAD segment mapped executable. */
static bool in_exec_segment(const void *elf, uint64_t off)
{
	for (size_t i = 0; i < ehdr(elf)->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(elf, i);

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && off >= ph->p_vaddr &&
		    off < ph->p_vaddr + ph->p_memsz)
			return true;
	}
	return false;
}

/* Relocation entries in all SHT_RELA sections. */
static size_t elf_nr_relas(const void *elf)
{
	size_t n = 0;

	for (size_t i = 0; i < ehdr(elf)->e_shnum; i++)
		if (shdr(elf, i)->sh_type == SHT_RELA)
			n += shdr(elf, i)->sh_size / sizeof(Elf64_Rela);
	return n;
}

/* The loaded image is the PT_LOAD segments at their vaddr, zero-filled
 * past p_filesz, in a page-rounded size. */
static void check_image(const struct xc_blob *b, const char *elf)
{
	size_t page = sysconf(_SC_PAGESIZE);
	uint64_t end = 0;

	for (size_t i = 0; i < ehdr(elf)->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(elf, i);

		if (ph->p_type != PT_LOAD)
			continue;
		assert_memory_equal(b->image + ph->p_vaddr, elf + ph->p_offset, ph->p_filesz);
		for (uint64_t k = ph->p_filesz; k < ph->p_memsz; k++)
			assert_int_equal(b->image[ph->p_vaddr + k], 0);
		if (ph->p_vaddr + ph->p_memsz > end)
			end = ph->p_vaddr + ph->p_memsz;
	}
	assert_true(end > 0);
	assert_int_equal(b->size, (end + page - 1) & ~(page - 1));
}

/* ---- the real blobs ---------------------------------------------------- */

struct embedded {
	const char *name;
	const char *elf;
	size_t len;
	const char *has[3], *lacks[3];
};

static struct embedded parasite(void)
{
	return (struct embedded){ "parasite", xc_parasite_elf,
				  (size_t)(xc_parasite_elf_end - xc_parasite_elf),
				  { "xc_parasite_entry" },
				  { "xc_restorer_entry", "xc_restorer_syscall", "no_such_symbol" } };
}

static struct embedded restorer(void)
{
	return (struct embedded){ "restorer", xc_restorer_elf,
				  (size_t)(xc_restorer_elf_end - xc_restorer_elf),
				  { "xc_restorer_entry", "xc_restorer_syscall" },
				  { "xc_parasite_entry", "no_such_symbol" } };
}

/* Loads an embedded blob and checks it against the ELF: image, symbols
 * (code entry points, so in an executable segment), and placement. */
static void check_embedded(const struct embedded *e)
{
	const uint64_t base = 0x7f1234560000ull;
	struct xc_blob b;
	const char *why = NULL;
	uint8_t *dst;

	assert_memory_equal(e->elf, ELFMAG, SELFMAG);
	assert_int_equal(xc_blob_load(e->elf, e->len, &b, &why), 0);
	check_image(&b, e->elf);
	for (size_t i = 0; i < 3 && e->has[i]; i++) {
		int64_t off = xc_blob_sym(&b, e->has[i]);

		unit_eq(e->has[i], off, elf_sym(e->elf, e->has[i]));
		unit_eq(e->has[i], off >= 0 && (uint64_t)off < b.size, 1);
		unit_eq(e->has[i], in_exec_segment(e->elf, off), 1);
	}
	for (size_t i = 0; i < 3 && e->lacks[i]; i++)
		unit_eq(e->lacks[i], xc_blob_sym(&b, e->lacks[i]), -1);
	assert_int_equal(xc_blob_sym(&b, ""), -1);

	/* Placing is a copy of the image with each RELATIVE word set to
	 * base + addend (the real blobs carry none today: a plain copy). */
	assert_int_equal(b.nr_relocs, elf_nr_relas(e->elf));
	dst = malloc(b.size);
	assert_non_null(dst);
	xc_blob_place(&b, dst, base);
	for (size_t i = 0; i < b.nr_relocs; i++) {
		uint64_t v;

		memcpy(&v, dst + b.relocs[i], 8);
		assert_int_equal(v, base + b.addends[i]);
		memcpy(dst + b.relocs[i], b.image + b.relocs[i], 8);
	}
	assert_memory_equal(dst, b.image, b.size);
	free(dst);
	xc_blob_free(&b);
	assert_null(b.image);
	assert_int_equal(b.nr_syms, 0);
}

static void test_parasite(void **state)
{
	struct embedded e = parasite();

	check_embedded(&e);
}

/* The restorer has two code symbols: where it starts, and the syscall
 * instruction through which the parent unmaps it at the end. They differ. */
static void test_restorer(void **state)
{
	struct embedded e = restorer();
	struct xc_blob b;
	const char *why;

	check_embedded(&e);
	assert_int_equal(xc_blob_load(e.elf, e.len, &b, &why), 0);
	assert_int_not_equal(xc_blob_sym(&b, "xc_restorer_entry"),
			     xc_blob_sym(&b, "xc_restorer_syscall"));
	xc_blob_free(&b);
}

/* ---- relocations ------------------------------------------------------- */

static void test_place_relocates(void **state)
{
	const uint64_t bases[] = { 0x7f0000000000ull, 0x555500001000ull, 0 };
	size_t len;
	char *elf = unit_read_path(UNIT_BLOB_RELOC, &len);
	struct xc_blob b;
	const char *why;
	int64_t msg, ptrs, counter;
	uint8_t *dst;

	assert_int_equal(xc_blob_load(elf, len, &b, &why), 0);
	check_image(&b, elf);
	msg = xc_blob_sym(&b, "unit_msg");
	ptrs = xc_blob_sym(&b, "unit_ptrs");
	counter = xc_blob_sym(&b, "unit_counter");
	assert_int_equal(msg, elf_sym(elf, "unit_msg"));
	assert_int_equal(ptrs, elf_sym(elf, "unit_ptrs"));
	assert_int_equal(counter, elf_sym(elf, "unit_counter"));
	assert_true(msg >= 0 && ptrs >= 0 && counter >= 0);

	/* unit_ptrs = { unit_msg, unit_msg + 2, &unit_counter }: three RELATIVE
	 * words whose addends are the link-time addresses. */
	assert_int_equal(b.nr_relocs, 3);
	for (size_t i = 0; i < 3; i++) {
		const int64_t want[] = { msg, msg + 2, counter };
		size_t k;

		for (k = 0; k < 3 && b.relocs[k] != (uint64_t)ptrs + 8 * i; k++)
			;
		assert_true(k < 3);
		assert_int_equal(b.addends[k], want[i]);
	}

	dst = malloc(b.size);
	assert_non_null(dst);
	for (size_t n = 0; n < sizeof(bases) / sizeof(bases[0]); n++) {
		uint64_t base = bases[n], v[3];

		memset(dst, 0xcc, b.size);
		xc_blob_place(&b, dst, base);
		memcpy(v, dst + ptrs, sizeof(v));
		assert_int_equal(v[0], base + msg);
		assert_int_equal(v[1], base + msg + 2);
		assert_int_equal(v[2], base + counter);
		/* Everything but the relocated words is the image, unchanged. */
		assert_memory_equal(dst, b.image, ptrs);
		assert_memory_equal(dst + ptrs + 24, b.image + ptrs + 24, b.size - ptrs - 24);
		assert_memory_equal(dst + msg, "relocate me", 12);
	}
	free(dst);
	xc_blob_free(&b);
	free(elf);
}

/* A relocation against an undefined symbol would need a dynamic linker in
 * the target: refused, and nothing is left allocated. */
static void test_undefined_symbol_refused(void **state)
{
	size_t len;
	char *elf = unit_read_path(UNIT_BLOB_UNDEF, &len);
	struct xc_blob b;
	const char *why = NULL;

	assert_int_equal(xc_blob_load(elf, len, &b, &why), -ENOEXEC);
	assert_non_null(strstr(why, "RELATIVE"));
	assert_null(b.image);
	assert_null(b.syms);
	assert_null(b.relocs);
	free(elf);
}

/* ---- damaged ELF files ------------------------------------------------- */

/* What went wrong with damaged inputs, gathered so that one run reports
 * every case at fault rather than the first. */
struct problems {
	size_t n;
	char text[1024];
};

static void problem(struct problems *p, const char *what, const char *msg)
{
	size_t n = strlen(p->text);

	p->n++;
	if (n + 8 < sizeof(p->text))
		snprintf(p->text + n, sizeof(p->text) - n, "\n  %s: %s", what, msg);
}

static void problems_check(const struct problems *p)
{
	if (p->n)
		fail_msg("%zu damaged ELF case(s) not refused cleanly:%s", p->n, p->text);
}

/* In a child, crashes must end the child, not run cmocka's handler there. */
static void default_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Runs xc_blob_load on a damaged copy in a child, where a crash cannot take
 * the test run down. It must be refused with -ENOEXEC, a reason, and nothing
 * left allocated; a crash or anything else is noted in *p. */
static void refused_in_child(struct problems *p, const char *what, const void *elf, size_t len)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (!pid) {
		struct xc_blob b;
		const char *why = NULL;
		int err;

		default_signals();
		err = xc_blob_load(elf, len, &b, &why);

		if (!err) {
			/* Accepted: is what it gives at least inside the image? */
			for (size_t i = 0; i < b.nr_relocs; i++)
				if (b.relocs[i] > b.size || b.size - b.relocs[i] < 8)
					_exit(3);
			_exit(2);
		}
		if (err != -ENOEXEC)
			_exit(4);
		if (!why || !*why || b.image || b.syms || b.relocs)
			_exit(5);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		problem(p, what, strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 2)
		problem(p, what, "accepted");
	else if (WEXITSTATUS(status) == 3)
		problem(p, what, "accepted, with a relocation outside the image");
	else if (WEXITSTATUS(status) == 4)
		problem(p, what, "refused, but not with -ENOEXEC");
	else if (WEXITSTATUS(status) == 5)
		problem(p, what, "refused without a reason or with memory left");
	else if (WEXITSTATUS(status))
		problem(p, what, "unexpected child exit");
}

static void test_random_bytes(void **state)
{
	static const size_t lens[] = { 0, 1, 4, 63, 64, 65, 4096, 10000 };
	struct problems p = { 0 };
	char *buf = malloc(10000);

	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char l[64];

		unit_fill_random(buf, lens[i], i + 1);
		snprintf(l, sizeof(l), "%zu random bytes", lens[i]);
		refused_in_child(&p, l, buf, lens[i]);
		/* Random bytes behind a valid ELF magic. */
		if (lens[i] >= SELFMAG) {
			memcpy(buf, ELFMAG, SELFMAG);
			snprintf(l, sizeof(l), "%zu random bytes after the magic", lens[i]);
			refused_in_child(&p, l, buf, lens[i]);
		}
	}
	problems_check(&p);
	free(buf);
}

/* What a truncated load did, sent from the child to the parent. */
struct cut_msg {
	size_t cut;
	int what;	/* 0: about to try, 1: loaded something other than the whole blob */
};

/* Every truncation of a blob, all in one child (a fork per length would be
 * slow). A truncated blob must not load as if whole: either it is refused,
 * or what it gives is exactly the whole blob's image, relocations and
 * symbols (only bytes the loader does not read were cut). */
static void check_truncations(struct problems *p, const char *name, const char *elf, size_t len)
{
	struct xc_blob whole;
	struct cut_msg m;
	size_t reached = 0, nbad = 0, first_bad = 0, last_bad = 0;
	const char *why;
	int fds[2], status;
	char what[96];
	pid_t pid;

	assert_int_equal(xc_blob_load(elf, len, &whole, &why), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		default_signals();
		close(fds[0]);
		for (m.cut = 0; m.cut < len; m.cut++) {
			struct xc_blob b;
			int err;

			m.what = 0;
			(void)!write(fds[1], &m, sizeof(m));
			err = xc_blob_load(elf, m.cut, &b, &why);
			if (err == -ENOEXEC && !b.image && !b.syms && !b.relocs)
				continue;
			if (err || b.size != whole.size || b.nr_syms != whole.nr_syms ||
			    b.nr_relocs != whole.nr_relocs || memcmp(b.image, whole.image, b.size) ||
			    memcmp(b.syms, whole.syms, b.nr_syms * sizeof(*b.syms))) {
				m.what = 1;
				(void)!write(fds[1], &m, sizeof(m));
			}
			if (!err)
				xc_blob_free(&b);
		}
		_exit(0);
	}
	close(fds[1]);
	while (read(fds[0], &m, sizeof(m)) == sizeof(m)) {
		if (!m.what) {
			reached = m.cut;
			continue;
		}
		if (!nbad++)
			first_bad = m.cut;
		last_bad = m.cut;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		snprintf(what, sizeof(what), "%s cut to %zu of %zu bytes", name, reached, len);
		problem(p, what, strsignal(WTERMSIG(status)));
	}
	if (nbad) {
		char msg[128];

		snprintf(what, sizeof(what), "%s cut to %zu..%zu of %zu bytes", name, first_bad,
			 last_bad, len);
		snprintf(msg, sizeof(msg), "%zu lengths accepted, as a blob with no sections at all "
			 "(no symbols, no relocations)", nbad);
		problem(p, what, msg);
	}
	xc_blob_free(&whole);
}

static void test_truncated(void **state)
{
	struct embedded par = parasite(), res = restorer();
	struct problems p = { 0 };
	size_t len;
	char *elf = unit_read_path(UNIT_BLOB_RELOC, &len);

	check_truncations(&p, "parasite", par.elf, par.len);
	check_truncations(&p, "restorer", res.elf, res.len);
	check_truncations(&p, "reloc fixture", elf, len);
	problems_check(&p);
	free(elf);
}

/* One field of the ELF damaged at a time, on a copy of the reloc fixture
 * (it has every section kind the loader reads). Each must be refused. */
static void test_damaged_headers(void **state)
{
	size_t len;
	char *orig = unit_read_path(UNIT_BLOB_RELOC, &len);
	char *elf = malloc(len);
	struct problems p = { 0 };
	int load = -1, sym, rela;

	assert_non_null(elf);
	for (size_t i = 0; i < ehdr(orig)->e_phnum && load < 0; i++)
		if (phdr(orig, i)->p_type == PT_LOAD)
			load = (int)i;
	sym = find_section(orig, SHT_SYMTAB);
	rela = find_section(orig, SHT_RELA);
	assert_true(load >= 0 && sym >= 0 && rela >= 0);

#define DAMAGE(what, stmt)                                                  \
	do {                                                                \
		Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;                         \
		Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff) + load;  \
		Elf64_Shdr *sh = (Elf64_Shdr *)(elf + eh->e_shoff);         \
		(void)ph;                                                   \
		(void)sh;                                                   \
		memcpy(elf, orig, len);                                     \
		stmt;                                                       \
		refused_in_child(&p, what, elf, len);                       \
	} while (0)

	DAMAGE("ET_EXEC", eh->e_type = ET_EXEC);
	DAMAGE("ET_REL", eh->e_type = ET_REL);
	DAMAGE("32-bit class", eh->e_ident[EI_CLASS] = ELFCLASS32);
	DAMAGE("bad magic", eh->e_ident[EI_MAG1] = 'X');
	DAMAGE("program headers past the end", eh->e_phoff = len);
	DAMAGE("no PT_LOAD", for (int i = 0; i < eh->e_phnum; i++)
		((Elf64_Phdr *)(elf + eh->e_phoff))[i].p_type = PT_NULL);
	DAMAGE("segment data past the end", ph->p_offset = len);
	DAMAGE("segment file size past the end", ph->p_filesz = len + 1; ph->p_memsz = len + 1);
	DAMAGE("filesz > memsz", ph->p_filesz = ph->p_memsz + 1);
	DAMAGE("segment of 1 TiB", ph->p_memsz = 1ull << 40);
	DAMAGE("segment wrapping around", ph->p_vaddr = UINT64_MAX - 0xfff; ph->p_memsz = 0x2000);
	DAMAGE("relocation outside the image", ((Elf64_Rela *)(elf + sh[rela].sh_offset))->r_offset =
						       1ull << 32);
	DAMAGE("relocation wrapping around", ((Elf64_Rela *)(elf + sh[rela].sh_offset))->r_offset =
						     UINT64_MAX - 3);
	DAMAGE("REL instead of RELA", sh[rela].sh_type = SHT_REL; sh[rela].sh_entsize = 16;
	       sh[rela].sh_size = 16 * 4);
	/* Section data libelf cannot read must not be skipped as if empty:
	 * the blob would run with its pointers unrelocated or no symbols. */
	DAMAGE("RELA data past the end", sh[rela].sh_offset = len);
	DAMAGE("symtab data past the end", sh[sym].sh_offset = len);
	DAMAGE("symtab entsize 0", sh[sym].sh_entsize = 0);
	DAMAGE("rela entsize 0", sh[rela].sh_entsize = 0);
#undef DAMAGE
	problems_check(&p);
	free(elf);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parasite),
		cmocka_unit_test(test_restorer),
		cmocka_unit_test(test_place_relocates),
		cmocka_unit_test(test_undefined_symbol_refused),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_damaged_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
