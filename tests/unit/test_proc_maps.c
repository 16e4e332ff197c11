/* xc_parse_maps(): /proc/PID/maps and smaps text captured on a 6.18 kernel
 * (fixtures/proc/{maps,smaps}, made by fixtures/proc/capture.c), then
 * malformed input, each with the error and the line it must name. */
#include "unit.h"

#include <sys/mman.h>

#include "common/img-format.h"
#include "tracer/proc/proc.h"

#define R PROT_READ
#define W PROT_WRITE
#define X PROT_EXEC

/* One line of the fixture, as the parser must see it. */
struct want {
	uint64_t start, end, pgoff;
	uint32_t prot;
	bool shared;
	uint32_t maj, min;
	uint64_t ino;
	const char *path;
	/* smaps only; the maps fixture has no VmFlags, so all must stay 0. */
	uint32_t vmflags;
	bool growsdown, io;
};

/* Every VMA of fixtures/proc/maps, in order. The same process wrote smaps
 * right after, with the same layout. */
static const struct want fixture[] = {
	{ 0x558b7abde000, 0x558b7abdf000, 0x0000, R, 0, 0xfe, 0, 10952871, "/tmp/capture" },
	{ 0x558b7abdf000, 0x558b7abe0000, 0x1000, R | X, 0, 0xfe, 0, 10952871, "/tmp/capture" },
	{ 0x558b7abe0000, 0x558b7abe1000, 0x2000, R, 0, 0xfe, 0, 10952871, "/tmp/capture" },
	{ 0x558b7abe1000, 0x558b7abe2000, 0x2000, R, 0, 0xfe, 0, 10952871, "/tmp/capture" },
	{ 0x558b7abe2000, 0x558b7abe3000, 0x3000, R | W, 0, 0xfe, 0, 10952871, "/tmp/capture" },
	{ 0x558b7abe3000, 0x558b7ac23000, 0, R | W, 0, 0, 0, 0, "" },
	{ 0x558b9ea7c000, 0x558b9ea7e000, 0, R | W, 0, 0, 0, 0, "[heap]" },
	{ 0x7fdf800df000, 0x7fdf800e2000, 0, R | W, 0, 0, 0, 0, "" },
	{ 0x7fdf800e2000, 0x7fdf80108000, 0x000000, R, 0, 0xfe, 0, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x7fdf80108000, 0x7fdf8025e000, 0x026000, R | X, 0, 0xfe, 0, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x7fdf8025e000, 0x7fdf802b1000, 0x17c000, R, 0, 0xfe, 0, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x7fdf802b1000, 0x7fdf802b5000, 0x1cf000, R, 0, 0xfe, 0, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x7fdf802b5000, 0x7fdf802b7000, 0x1d3000, R | W, 0, 0xfe, 0, 332835,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x7fdf802b7000, 0x7fdf802c4000, 0, R | W, 0, 0, 0, 0, "" },
	{ 0x7fdf802c5000, 0x7fdf802c6000, 0, R | W, 0, 0, 0, 0, "", XC_VMF_RAND_READ },
	{ 0x7fdf802c6000, 0x7fdf802c7000, 0, R | W, 0, 0, 0, 0, "", XC_VMF_SEQ_READ },
	{ 0x7fdf802c7000, 0x7fdf802ca000, 0, R | W, 0, 0, 0, 0, "", XC_VMF_DONTDUMP },
	{ 0x7fdf802ca000, 0x7fdf802cb000, 0, R | W, 0, 0, 0, 0, "", XC_VMF_LOCKED },
	{ 0x7fdf802cb000, 0x7fdf802cc000, 0, R | W, 0, 0, 0, 0, "" },
	{ 0x7fdf802cc000, 0x7fdf802cd000, 0, R, 0, 0xfe, 0, 10954180,
	  "/tmp/xc fixture dir/gone.bin (deleted)" },
	{ 0x7fdf802cd000, 0x7fdf802cf000, 0x1000, R | W, 1, 0xfe, 0, 10954179,
	  "/tmp/xc fixture dir/data file.bin" },
	{ 0x7fdf802cf000, 0x7fdf802d1000, 0, R | W, 0, 0, 0, 0, "" },
	/* The 6.13+ vDSO layout: [vvar] and [vvar_vclock] are VM_IO|VM_PFNMAP. */
	{ 0x7fdf802d1000, 0x7fdf802d5000, 0, R, 0, 0, 0, 0, "[vvar]", XC_VMF_DONTDUMP, 0, 1 },
	{ 0x7fdf802d5000, 0x7fdf802d7000, 0, R, 0, 0, 0, 0, "[vvar_vclock]", XC_VMF_DONTDUMP,
	  0, 1 },
	{ 0x7fdf802d7000, 0x7fdf802d9000, 0, R | X, 0, 0, 0, 0, "[vdso]" },
	{ 0x7fdf802d9000, 0x7fdf802da000, 0x00000, R, 0, 0xfe, 0, 332383,
	  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
	{ 0x7fdf802da000, 0x7fdf80300000, 0x01000, R | X, 0, 0xfe, 0, 332383,
	  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
	{ 0x7fdf80300000, 0x7fdf8030a000, 0x27000, R, 0, 0xfe, 0, 332383,
	  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
	{ 0x7fdf8030a000, 0x7fdf8030c000, 0x31000, R, 0, 0xfe, 0, 332383,
	  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
	{ 0x7fdf8030c000, 0x7fdf8030e000, 0x33000, R | W, 0, 0xfe, 0, 332383,
	  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
	{ 0x7ffc3b5ba000, 0x7ffc3b5db000, 0, R | W, 0, 0, 0, 0, "[stack]", 0, 1, 0 },
	{ 0xffffffffff600000, 0xffffffffff601000, 0, X, 0, 0, 0, 0, "[vsyscall]" },
};
#define NR_FIXTURE (sizeof(fixture) / sizeof(fixture[0]))

static void check_vma(const struct xc_vma *v, const struct want *w, bool smaps, size_t i)
{
	char l[64];

	snprintf(l, sizeof(l), "vma %zu (%s)", i, w->path);
	unit_eq(l, v->start, w->start);
	unit_eq(l, v->end, w->end);
	unit_eq(l, v->pgoff, w->pgoff);
	unit_eq(l, v->prot, w->prot);
	unit_eq(l, v->shared, w->shared);
	unit_eq(l, v->dev_major, w->maj);
	unit_eq(l, v->dev_minor, w->min);
	unit_eq(l, v->ino, w->ino);
	unit_str_eq(l, v->path, w->path);
	unit_eq(l, v->vmflags, smaps ? w->vmflags : 0);
	unit_eq(l, v->vm_growsdown, smaps && w->growsdown);
	unit_eq(l, v->vm_io, smaps && w->io);
}

static void check_fixture(const char *name, bool smaps)
{
	struct xc_vma *v;
	size_t len, nr;
	unsigned bad = 0;
	char *buf = unit_fixture(name, &len);

	assert_int_equal(xc_parse_maps(buf, len, &v, &nr, &bad), 0);
	assert_int_equal(nr, NR_FIXTURE);
	for (size_t i = 0; i < nr; i++)
		check_vma(&v[i], &fixture[i], smaps, i);
	free(v);
	free(buf);
}

static void test_maps_fixture(void **state)
{
	check_fixture("proc/maps", false);
}

/* smaps: the same headers, each followed by ~24 "Key: value" lines that must
 * be skipped, and a VmFlags line that sets vmflags, gd and io. */
static void test_smaps_fixture(void **state)
{
	check_fixture("proc/smaps", true);
}

/* No trailing newline, blank lines, a path right after the inode, and no
 * bad_line pointer: all accepted. */
static void test_maps_edges(void **state)
{
	static const char text[] =
		"\n"
		"00400000-00401000 r-xs 00000000 08:01 5 /x\n"
		"\n"
		"00401000-00402000 ---p 00001000 103:02 18446744073709551615\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0";
	struct xc_vma *v;
	size_t nr;

	assert_int_equal(xc_parse_maps(text, strlen(text), &v, &nr, NULL), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(v[0].path, "/x");
	assert_true(v[0].shared);
	assert_int_equal(v[0].prot, PROT_READ | PROT_EXEC);
	assert_int_equal(v[1].prot, 0);
	assert_int_equal(v[1].dev_major, 0x103);
	assert_int_equal(v[1].dev_minor, 2);
	assert_int_equal(v[1].ino, UINT64_MAX);
	assert_string_equal(v[1].path, "");
	assert_int_equal(v[2].start, 0x7f0000000000);
	assert_int_equal(v[2].end, 0x7f0000001000);
	free(v);
}

/* Each VmFlags mnemonic sets exactly its own bit; unknown ones are ignored. */
static void test_vmflags_each(void **state)
{
	static const struct { const char *f; uint32_t bit; bool gd, io, mw, uffd, ss, dp, ht; } m[] = {
		{ "lo", XC_VMF_LOCKED }, { "dd", XC_VMF_DONTDUMP }, { "hg", XC_VMF_HUGEPAGE },
		{ "nh", XC_VMF_NOHUGEPAGE }, { "dc", XC_VMF_DONTFORK }, { "wf", XC_VMF_WIPEONFORK },
		{ "mg", XC_VMF_MERGEABLE }, { "sr", XC_VMF_SEQ_READ }, { "rr", XC_VMF_RAND_READ },
		{ "gd", 0, true, false }, { "io", 0, false, true }, { "pf", 0, false, true },
		{ "mw", 0, false, false, true }, { "mr", 0 }, { "me", 0 },
		{ "rd", 0 }, { "sh", 0 }, { "ms", 0 }, { "de", 0 }, { "sl", 0 },
		{ "nr", XC_VMF_NORESERVE }, { "lf", XC_VMF_LOCKONFAULT }, { "dp", 0, .dp = true },
		{ "um", 0, .uffd = true }, { "uw", 0, .uffd = true }, { "ui", 0, .uffd = true },
		{ "ss", 0, .ss = true }, { "ht", 0, .ht = true },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char text[160];
		struct xc_vma *v;
		size_t nr;
		unsigned bad;

		snprintf(text, sizeof(text),
			 "00400000-00401000 rw-p 00000000 00:00 0 \n"
			 "Size:                  4 kB\nVmFlags: rd wr %s ac \n", m[i].f);
		unit_eq(m[i].f, xc_parse_maps(text, strlen(text), &v, &nr, &bad), 0);
		unit_eq(m[i].f, nr, 1);
		unit_eq(m[i].f, v[0].vmflags, m[i].bit);
		unit_eq(m[i].f, v[0].vm_growsdown, m[i].gd);
		unit_eq(m[i].f, v[0].vm_io, m[i].io);
		unit_eq(m[i].f, v[0].vm_maywrite, m[i].mw);
		unit_eq(m[i].f, v[0].vm_uffd, m[i].uffd);
		unit_eq(m[i].f, v[0].vm_shstk, m[i].ss);
		unit_eq(m[i].f, v[0].vm_droppable, m[i].dp);
		unit_eq(m[i].f, v[0].vm_hugetlb, m[i].ht);
		free(v);
	}
}

/* ProtectionKey and KernelPageSize belong to the mapping above them. */
static void test_pkey(void **state)
{
	const char *text = "00400000-00401000 rw-p 00000000 00:00 0 \n"
			   "KernelPageSize:     2048 kB\n"
			   "ProtectionKey:         3\nVmFlags: rd wr ht \n"
			   "00401000-00402000 rw-p 00000000 00:00 0 \n"
			   "KernelPageSize:        4 kB\n"
			   "ProtectionKey:         0\n";
	struct xc_vma *v;
	size_t nr;
	unsigned bad;

	(void)state;
	assert_int_equal(xc_parse_maps(text, strlen(text), &v, &nr, &bad), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(v[0].pkey, 3);
	assert_int_equal(v[0].kpage_kb, 2048);
	assert_true(v[0].vm_hugetlb);
	assert_int_equal(v[1].pkey, 0);
	assert_int_equal(v[1].kpage_kb, 4);
	assert_false(v[1].vm_hugetlb);
	free(v);
}

static void test_empty(void **state)
{
	struct xc_vma *v = (struct xc_vma *)&v;	/* must be reset */
	size_t nr = 99;
	unsigned bad = 0;

	assert_int_equal(xc_parse_maps("", 0, &v, &nr, &bad), 0);
	assert_int_equal(nr, 0);
	assert_null(v);
	assert_int_equal(xc_parse_maps("\n\n", 2, &v, &nr, &bad), 0);
	assert_int_equal(nr, 0);
	assert_null(v);
}

/* Malformed input: the error and the 1-based line it is reported on. */
static const struct bad_case {
	const char *what, *text;
	int err;
	unsigned line;
} bad_cases[] = {
	{ "garbage line", "hello world\n", -EINVAL, 1 },
	{ "garbage after a VMA",
	  "00400000-00401000 r-xp 00000000 08:01 5 /x\nnot a maps line\n", -EINVAL, 2 },
	{ "garbage with a dash", "hello-world foo\n", -EINVAL, 1 },
	{ "header cut short", "00400000-00401000 r-xp 00000000 08:01\n", -EINVAL, 1 },
	{ "non-hex start", "0040zz00-00401000 r-xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "start == end", "00401000-00401000 r-xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "start > end", "00402000-00401000 r-xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "unaligned start", "00400010-00401000 r-xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "unaligned end", "00400000-00401800 r-xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "bad perms char", "00400000-00401000 r?xp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "bad share char", "00400000-00401000 r-xq 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "perms swapped", "00400000-00401000 wrxp 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "perms too short", "00400000-00401000 r-x 00000000 08:01 5 /x\n", -EINVAL, 1 },
	{ "overlapping VMAs",
	  "00400000-00402000 r-xp 00000000 08:01 5 /x\n"
	  "00401000-00403000 r--p 00000000 08:01 5 /x\n", -EINVAL, 2 },
	{ "out of order VMAs",
	  "00500000-00501000 r-xp 00000000 08:01 5 /x\n"
	  "00400000-00401000 r--p 00000000 08:01 5 /x\n", -EINVAL, 2 },
	{ "out of order after smaps lines",
	  "00500000-00501000 r-xp 00000000 08:01 5 /x\nSize: 4 kB\nVmFlags: rd ex\n"
	  "00400000-00401000 r--p 00000000 08:01 5 /x\nSize: 4 kB\n", -EINVAL, 4 },
	{ "VmFlags before any header", "VmFlags: rd wr mr mw me\n", -EINVAL, 1 },
	{ "smaps key before any header", "Size:   4 kB\n", -EINVAL, 1 },
	{ "smaps line without colon",
	  "00400000-00401000 r-xp 00000000 08:01 5 /x\nSize 4 kB\n", -EINVAL, 2 },
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct xc_vma *v = (struct xc_vma *)&v;
		size_t nr = 99;
		unsigned bad = 0;

		unit_eq(c->what, xc_parse_maps(c->text, strlen(c->text), &v, &nr, &bad), c->err);
		unit_eq(c->what, bad, c->line);
		/* Nothing half-built is handed out. */
		unit_eq(c->what, v, NULL);
		unit_eq(c->what, nr, 0);
	}
}

/* A path must fit struct xc_vma.path with its NUL: PATH_MAX - 1 bytes do,
 * PATH_MAX bytes are refused rather than cut. */
static void test_path_length(void **state)
{
	static const char hdr[] = "00400000-00401000 r--p 00000000 08:01 5 ";
	size_t hl = sizeof(hdr) - 1;
	char *text = malloc(hl + PATH_MAX + 2);
	struct xc_vma *v;
	size_t nr;
	unsigned bad = 0;

	assert_non_null(text);
	memcpy(text, hdr, hl);
	memset(text + hl, 'p', PATH_MAX);
	text[hl] = '/';
	text[hl + PATH_MAX - 1] = '\n';
	assert_int_equal(xc_parse_maps(text, hl + PATH_MAX, &v, &nr, &bad), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(strlen(v[0].path), PATH_MAX - 1);
	free(v);

	text[hl + PATH_MAX - 1] = 'p';
	text[hl + PATH_MAX] = '\n';
	assert_int_equal(xc_parse_maps(text, hl + PATH_MAX + 1, &v, &nr, &bad), -ENAMETOOLONG);
	assert_int_equal(bad, 1);
	free(text);
}

/* Many VMAs: the array grows past its first allocation and keeps order. */
static void test_many_vmas(void **state)
{
	enum { N = 1000 };
	char *text = malloc(N * 64), *p = text;
	struct xc_vma *v;
	size_t nr;
	unsigned bad;

	assert_non_null(text);
	for (unsigned i = 0; i < N; i++)
		p += sprintf(p, "%llx-%llx rw-p 00000000 00:00 0\n",
			     0x10000000ull + i * 0x2000ull, 0x10001000ull + i * 0x2000ull);
	assert_int_equal(xc_parse_maps(text, p - text, &v, &nr, &bad), 0);
	assert_int_equal(nr, N);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(v[i].start, 0x10000000ull + i * 0x2000ull);
	free(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_fixture),
		cmocka_unit_test(test_smaps_fixture),
		cmocka_unit_test(test_maps_edges),
		cmocka_unit_test(test_pkey),
		cmocka_unit_test(test_vmflags_each),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_many_vmas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
