/* The image codec: record framing (common/img.c), page streams
 * (common/img-pages.c) and CRC-32C (common/crc32c.c).
 *
 * The reader's promise is that a damaged file is refused as a whole, with
 * -EBADMSG (or -EPROTO for another version, arch or page size) and the
 * offset of the record at fault, before anything is handed out. So the
 * corruption tests are exhaustive on small files: every truncation length
 * and every single-bit flip. Files live in a mkdtemp() directory that the
 * teardown removes. */
#include "unit.h"

#include <sys/wait.h>

#include "arch/arch.h"
#include "common/blockcode.h"
#include "common/crc32c.h"
#include "common/ctx.h"
#include "common/img-format.h"
#include "common/img-pages.h"
#include "common/img.h"
#include "common/log.h"

#define PAGE 4096u

struct tdir {
	char *path;
	int fd;
	struct xc_ctx ctx;
};

static int setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->path = unit_mkdtemp();
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->fd >= 0);
	xc_ctx_init(&t->ctx);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tdir *t = *state;

	close(t->fd);
	unit_rmdir(t->path);
	free(t);
	return 0;
}

static char *slurp(struct tdir *t, const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t->path, name);
	return unit_read_path(path, len);
}

static void spew(struct tdir *t, const char *name, const void *buf, size_t len)
{
	int fd = openat(t->fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- record framing ---------------------------------------------------- */

/* Payloads of 0, odd and exact-multiple-of-8 lengths, a two-part one whose
 * halves are odd, and an optional (bit 15) kind. */
static const struct {
	uint32_t kind;
	size_t l1, l2;		/* l2 != 0: written with xc_imgw_put2 */
} sample[] = {
	{ XC_REC_TASK, 0 },	{ XC_REC_MM, 1 },	  { XC_REC_VMA, 7 },
	{ XC_REC_FD, 8 },	{ XC_REC_AUXV, 13 },	  { XC_REC_XSTATE, 16, 4099 },
	{ XC_REC_PROCESS, 5, 3 }, { XC_REC_BACKTRACE, 3 },  { XC_REC_FILE, 11 },
	{ XC_REC_UNIXSK, sizeof(struct xc_rec_unixsk) }, { XC_REC_SKQUEUE, 16 + 116, 9 },
	{ XC_REC_INETSK, sizeof(struct xc_rec_inetsk) }, { XC_REC_SKOPT, sizeof(struct xc_rec_skopt) },
};
#define NR_SAMPLE (sizeof(sample) / sizeof(sample[0]))

static uint8_t *sample_payload(size_t i)
{
	size_t len = sample[i].l1 + sample[i].l2;
	uint8_t *p = malloc(len + 1);

	assert_non_null(p);
	unit_fill_random(p, len, i + 1);
	return p;
}

static void write_sample(struct tdir *t, const char *name, uint32_t file_kind)
{
	struct xc_imgw w;

	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, name, file_kind), 0);
	for (size_t i = 0; i < NR_SAMPLE; i++) {
		uint8_t *p = sample_payload(i);
		size_t l1 = sample[i].l1, l2 = sample[i].l2;

		if (l2)
			assert_int_equal(xc_imgw_put2(&t->ctx, &w, sample[i].kind, p, l1, p + l1, l2), 0);
		else
			assert_int_equal(xc_imgw_put(&t->ctx, &w, sample[i].kind, p, l1), 0);
		free(p);
	}
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
}

/* Offsets of the sample's record headers, END's last; returns the size. */
static size_t sample_layout(size_t starts[NR_SAMPLE + 1])
{
	size_t off = sizeof(struct xc_file_hdr);

	for (size_t i = 0; i < NR_SAMPLE; i++) {
		starts[i] = off;
		off += sizeof(struct xc_rec_hdr) + pad8(sample[i].l1 + sample[i].l2);
	}
	starts[NR_SAMPLE] = off;
	return off + sizeof(struct xc_rec_hdr) + sizeof(struct xc_rec_end);
}

/* The bytes on disk are what common/img-format.h describes: header fields,
 * 16-byte record headers, zero padding to 8, END with the record count. */
static void test_write_layout(void **state)
{
	struct tdir *t = *state;
	size_t starts[NR_SAMPLE + 1], len;
	struct xc_file_hdr fh;
	struct xc_rec_hdr h;
	struct xc_rec_end e;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	assert_int_equal(len, sample_layout(starts));
	memcpy(&fh, buf, sizeof(fh));
	assert_memory_equal(fh.magic, "XCKPTIMG", 8);
	assert_int_equal(fh.version, XC_IMG_VERSION);
	assert_int_equal(fh.file_kind, XC_FILE_PROC);
	assert_int_equal(fh.arch, ARCH_IMG_ID);
	assert_int_equal(fh.page_size, sysconf(_SC_PAGESIZE));
	assert_int_equal(fh.reserved, 0);
	for (size_t i = 0; i < NR_SAMPLE; i++) {
		size_t plen = sample[i].l1 + sample[i].l2;
		uint8_t *p = sample_payload(i);
		char l[32];

		snprintf(l, sizeof(l), "record %zu", i);
		memcpy(&h, buf + starts[i], sizeof(h));
		unit_eq(l, h.kind, sample[i].kind);
		unit_eq(l, h.len, plen);
		unit_eq(l, h.flags, 0);
		unit_eq(l, h.crc, xc_rec_crc(&h, buf + starts[i] + sizeof(h)));
		unit_eq(l, memcmp(buf + starts[i] + sizeof(h), p, plen), 0);
		for (size_t k = plen; k < pad8(plen); k++)
			unit_eq(l, buf[starts[i] + sizeof(h) + k], 0);
		free(p);
	}
	memcpy(&h, buf + starts[NR_SAMPLE], sizeof(h));
	memcpy(&e, buf + starts[NR_SAMPLE] + sizeof(h), sizeof(e));
	assert_int_equal(h.kind, XC_REC_END);
	assert_int_equal(h.len, sizeof(e));
	assert_int_equal(e.nr_records, NR_SAMPLE);
	free(buf);
}

/* Reads the sample's records from r, then END (twice). */
static void read_sample(struct xc_imgr *r, int pass)
{
	const void *payload;
	uint32_t kind, len;

	for (size_t i = 0; i < NR_SAMPLE; i++) {
		uint8_t *p = sample_payload(i);
		char l[32];

		snprintf(l, sizeof(l), "pass %d record %zu", pass, i);
		unit_eq(l, xc_imgr_next(r, &kind, &payload, &len), 1);
		unit_eq(l, kind, sample[i].kind);
		unit_eq(l, len, sample[i].l1 + sample[i].l2);
		unit_eq(l, memcmp(payload, p, len), 0);
		/* Records are 8-aligned, so payloads can be read in place. */
		unit_eq(l, (uintptr_t)payload % 8, 0);
		free(p);
	}
	assert_int_equal(xc_imgr_next(r, &kind, &payload, &len), 0);
	assert_int_equal(xc_imgr_next(r, &kind, &payload, &len), 0);
}

static void test_roundtrip(void **state)
{
	struct tdir *t = *state;
	struct xc_imgr r;

	write_sample(t, "proc.img", XC_FILE_PROC);
	assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, "proc.img", XC_FILE_PROC), 0);
	for (int pass = 0; pass < 2; pass++) {
		read_sample(&r, pass);
		xc_imgr_rewind(&r);
	}
	xc_imgr_close(&r);
	assert_int_equal(t->ctx.first_err.code, 0);
}

/* A file with no records is header + END. */
static void test_empty_file(void **state)
{
	struct tdir *t = *state;
	struct xc_imgw w;
	struct xc_imgr r;
	const void *payload;
	uint32_t kind, len;
	size_t size;

	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "inv.img", XC_FILE_INVENTORY), 0);
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	free(slurp(t, "inv.img", &size));
	assert_int_equal(size, sizeof(struct xc_file_hdr) + sizeof(struct xc_rec_hdr) +
				       sizeof(struct xc_rec_end));
	assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, "inv.img", XC_FILE_INVENTORY), 0);
	assert_int_equal(xc_imgr_next(&r, &kind, &payload, &len), 0);
	xc_imgr_close(&r);
}

/* A payload forgotten after reading: its whole pages read as zeros, the
 * bytes around them and the records after it are intact; in an arena
 * (shared memory) as in the heap. */
static void forget_case(struct tdir *t, struct xc_arena *arena)
{
	enum { BIG = 5 * PAGE + 123 };
	const char *name = arena ? "shared.img" : "f.img";
	uint8_t *big = malloc(BIG), tail[40];
	const uint8_t *p;
	const void *payload;
	uint32_t kind, len;
	struct xc_imgw w;
	struct xc_imgr r;
	size_t zero = 0, pages = 0;

	assert_non_null(big);
	unit_fill_random(big, BIG, 5);
	unit_fill_random(tail, sizeof(tail), 6);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, name, XC_FILE_PROC), 0);
	assert_int_equal(xc_imgw_put(&t->ctx, &w, XC_REC_PAGE_HASHES, big, BIG), 0);
	assert_int_equal(xc_imgw_put(&t->ctx, &w, XC_REC_REGS, tail, sizeof(tail)), 0);
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	if (arena)
		assert_int_equal(xc_imgr_open_shared(&t->ctx, &r, arena, t->fd, name, XC_FILE_PROC), 0);
	else
		assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, name, XC_FILE_PROC), 0);
	assert_int_equal(xc_imgr_next(&r, &kind, &payload, &len), 1);
	assert_int_equal(len, BIG);
	xc_imgr_forget(&r, payload, len);
	p = payload;
	for (size_t i = 0; i < BIG; i++) {
		uintptr_t a = (uintptr_t)(p + i);
		bool inside = ((uintptr_t)p + PAGE - 1) / PAGE * PAGE <= a &&
			      a < ((uintptr_t)p + BIG) / PAGE * PAGE;

		pages += inside;
		if (inside)
			zero += !p[i];
		else if (p[i] != big[i])
			fail_msg("byte %zu outside the whole pages changed", i);
	}
	assert_true(pages >= 4 * PAGE);		/* 4 or 5 whole pages inside */
	assert_int_equal(zero, pages);
	assert_int_equal(xc_imgr_next(&r, &kind, &payload, &len), 1);
	assert_int_equal(kind, XC_REC_REGS);
	assert_memory_equal(payload, tail, sizeof(tail));
	assert_int_equal(xc_imgr_next(&r, &kind, &payload, &len), 0);
	xc_imgr_close(&r);
	free(big);
}

static void test_imgr_forget(void **state)
{
	struct xc_arena a = { 0 };

	forget_case(*state, NULL);
	forget_case(*state, &a);
	assert_int_equal(a.nr, 1);
	xc_arena_free(&a);
}

/* Files opened into an arena: the same records, 8-aligned, both in one
 * chunk, in memory a forked child shares (its write is seen here: no page
 * of it is copied at fork, which is why a restore keeps the process images
 * there); freed whole, after the readers are closed. */
static void test_imgr_shared(void **state)
{
	struct tdir *t = *state;
	struct xc_arena a = { 0 };
	struct xc_imgr r1, r2;
	unsigned char was;
	int status;
	pid_t pid;

	write_sample(t, "proc.img", XC_FILE_PROC);
	assert_int_equal(xc_imgr_open_shared(&t->ctx, &r1, &a, t->fd, "proc.img", XC_FILE_PROC), 0);
	assert_int_equal(xc_imgr_open_shared(&t->ctx, &r2, &a, t->fd, "proc.img", XC_FILE_PROC), 0);
	assert_true(r1.shared && r2.shared);
	assert_int_equal(a.nr, 1);
	assert_true(r2.buf >= r1.buf + r1.len);
	read_sample(&r2, 0);
	was = (unsigned char)r1.buf[0];
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		((volatile unsigned char *)r1.buf)[0] = (unsigned char)~was;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	assert_int_equal((unsigned char)r1.buf[0], (unsigned char)~was);
	xc_imgr_close(&r1);
	xc_imgr_close(&r2);
	assert_false(r1.shared);
	xc_arena_free(&a);
	assert_int_equal(a.nr, 0);
	assert_int_equal(t->ctx.first_err.code, 0);
}

/* put2 is one record checksummed as one: same bytes as put of the
 * concatenation. */
static void test_put2_is_put(void **state)
{
	struct tdir *t = *state;
	uint8_t p[29];
	struct xc_imgw w;
	size_t la, lb;
	char *a, *b;

	unit_fill_random(p, sizeof(p), 99);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "a.img", XC_FILE_PROC), 0);
	assert_int_equal(xc_imgw_put2(&t->ctx, &w, XC_REC_REGS, p, 11, p + 11, 18), 0);
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "b.img", XC_FILE_PROC), 0);
	assert_int_equal(xc_imgw_put(&t->ctx, &w, XC_REC_REGS, p, sizeof(p)), 0);
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	a = slurp(t, "a.img", &la);
	b = slurp(t, "b.img", &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

/* Writer refusals: an existing file is never overwritten (images are made
 * in a fresh temp dir), and a record over XC_REC_MAX_LEN is -EFBIG. */
static void test_writer_errors(void **state)
{
	struct tdir *t = *state;
	struct xc_imgw w;
	char *big;

	write_sample(t, "proc.img", XC_FILE_PROC);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "proc.img", XC_FILE_PROC), -EEXIST);
	assert_int_equal(t->ctx.first_err.code, -EEXIST);
	assert_string_equal(t->ctx.first_err.obj, "proc.img");

	xc_ctx_init(&t->ctx);
	big = malloc(XC_REC_MAX_LEN + 1);	/* never touched: refused before reading */
	assert_non_null(big);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "big.img", XC_FILE_PROC), 0);
	assert_int_equal(xc_imgw_put(&t->ctx, &w, XC_REC_AUXV, big, XC_REC_MAX_LEN + 1), -EFBIG);
	assert_int_equal(xc_imgw_put2(&t->ctx, &w, XC_REC_AUXV, big, XC_REC_MAX_LEN, big, 1),
			 -EFBIG);
	assert_int_equal(t->ctx.first_err.code, -EFBIG);
	xc_imgw_abort(&w);
	free(big);
}

static void test_reader_missing_file(void **state)
{
	struct tdir *t = *state;
	struct xc_imgr r;

	assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, "nope.img", XC_FILE_PROC), -ENOENT);
	assert_int_equal(t->ctx.first_err.code, -ENOENT);
}

/* Cut the file at every length: never accepted, and the offset named is a
 * record header at or before the cut (0 inside the file header). */
static void test_truncated_every_length(void **state)
{
	struct tdir *t = *state;
	size_t starts[NR_SAMPLE + 1], len, bad;
	const char *why;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	sample_layout(starts);
	assert_int_equal(xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), 0);
	for (size_t cut = 0; cut < len; cut++) {
		char l[32];
		size_t want = 0;

		for (size_t i = 0; i <= NR_SAMPLE && cut >= sizeof(struct xc_file_hdr); i++)
			if (starts[i] <= cut)
				want = starts[i];
		snprintf(l, sizeof(l), "cut at %zu", cut);
		bad = 12345;
		why = NULL;
		unit_eq(l, xc_img_validate(buf, cut, XC_FILE_PROC, &bad, &why), -EBADMSG);
		unit_eq(l, bad, want);
		assert_non_null(why);
	}
	free(buf);
}

/* The same through xc_imgr_open on disk: -EBADMSG, a bad-image exit code,
 * and one error naming the file and the offset. */
static void test_truncated_on_disk(void **state)
{
	struct tdir *t = *state;
	size_t starts[NR_SAMPLE + 1], len;
	const size_t cuts[] = { 0, 31, 32, 33, 100 };
	struct xc_imgr r;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	sample_layout(starts);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]) + 1; i++) {
		size_t cut = i < sizeof(cuts) / sizeof(cuts[0]) ? cuts[i] : len - 1;
		char l[32];

		snprintf(l, sizeof(l), "cut at %zu", cut);
		xc_ctx_init(&t->ctx);
		spew(t, "cut.img", buf, cut);
		unit_eq(l, xc_imgr_open(&t->ctx, &r, t->fd, "cut.img", XC_FILE_PROC), -EBADMSG);
		unit_eq(l, t->ctx.exit_hint, XC_EXIT_IMAGE);
		unit_eq(l, t->ctx.first_err.code, -EBADMSG);
		unit_str_eq(l, t->ctx.first_err.obj, "cut.img");
		unit_eq(l, strstr(t->ctx.first_err.step, "offset ") != NULL, 1);
	}
	free(buf);
}

/* Bit-flip bookkeeping: go through every flip, then fail once with how
 * many went wrong and at which bytes, so one run shows the whole pattern. */
struct flip_log {
	size_t wrong, accepted;
	char bytes[400];	/* the first bytes at fault */
	size_t last;		/* last byte listed, + 1 */
};

static void flip_note(struct flip_log *fl, size_t byte, int bit, int err, uint64_t off, bool ok)
{
	size_t n = strlen(fl->bytes);

	if (ok)
		return;
	fl->wrong++;
	fl->accepted += err == 0;
	if (fl->last != byte + 1 && n + 48 < sizeof(fl->bytes))
		snprintf(fl->bytes + n, sizeof(fl->bytes) - n, " %zu (bit %d: err %d, off %llu)",
			 byte, bit, err, (unsigned long long)off);
	fl->last = byte + 1;
}

static void flip_check(const struct flip_log *fl, size_t len)
{
	if (fl->wrong)
		fail_msg("%zu of %zu single-bit flips mishandled, %zu of them accepted; bytes:%s",
			 fl->wrong, len * 8, fl->accepted, fl->bytes);
}

/* Flip every bit of the file, one at a time: each flip is refused, with
 * -EPROTO for version/arch/page size and -EBADMSG otherwise, at the header
 * field or the record that holds the bit. Record padding and the reserved
 * header word count: a reader that ignores them lets damage through. */
static void test_bitflip_every_bit(void **state)
{
	struct tdir *t = *state;
	size_t starts[NR_SAMPLE + 1], len, bad;
	struct flip_log fl = { 0 };
	const char *why;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	sample_layout(starts);
	for (size_t byte = 0; byte < len; byte++) {
		int want_err = -EBADMSG;
		size_t want_off = 0;

		if (byte < sizeof(struct xc_file_hdr)) {
			/* magic 0-7, version 8, kind 12, arch 16, page size 20, reserved 24 */
			want_off = byte < 8 ? 0 : byte < 24 ? byte & ~3u : 24;
			if (want_off == 8 || want_off == 16 || want_off == 20)
				want_err = -EPROTO;
		} else {
			for (size_t i = 0; i <= NR_SAMPLE; i++)
				if (starts[i] <= byte)
					want_off = starts[i];
		}
		for (int bit = 0; bit < 8; bit++) {
			int err;

			buf[byte] ^= 1 << bit;
			bad = 12345;
			err = xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why);
			flip_note(&fl, byte, bit, err, bad, err == want_err && bad == want_off);
			buf[byte] ^= 1 << bit;
		}
	}
	flip_check(&fl, len);
	assert_int_equal(xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), 0);
	free(buf);
}

/* Rewrite a header field, as an older or newer xckpt or another machine
 * would have written it. */
static void test_header_fields(void **state)
{
	static const struct {
		const char *what;
		size_t field;
		uint32_t value;
		int err;
		size_t off;
	} cases[] = {
		{ "version 0", offsetof(struct xc_file_hdr, version), 0, -EPROTO, 8 },
		{ "next version", offsetof(struct xc_file_hdr, version), XC_IMG_VERSION + 1, -EPROTO, 8 },
		{ "pages kind", offsetof(struct xc_file_hdr, file_kind), XC_FILE_PAGES, -EBADMSG, 12 },
		{ "inventory kind", offsetof(struct xc_file_hdr, file_kind), XC_FILE_INVENTORY,
		  -EBADMSG, 12 },
		{ "aarch64", offsetof(struct xc_file_hdr, arch), XC_ARCH_AARCH64, -EPROTO, 16 },
		{ "64k pages", offsetof(struct xc_file_hdr, page_size), 65536, -EPROTO, 20 },
	};
	struct tdir *t = *state;
	size_t len, bad;
	const char *why;
	struct xc_imgr r;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].what;
		uint32_t old;

		memcpy(&old, buf + cases[i].field, 4);
		memcpy(buf + cases[i].field, &cases[i].value, 4);
		unit_eq(l, xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), cases[i].err);
		unit_eq(l, bad, cases[i].off);
		/* Through the file reader too: same code, a bad-image exit. */
		xc_ctx_init(&t->ctx);
		spew(t, "edit.img", buf, len);
		unit_eq(l, xc_imgr_open(&t->ctx, &r, t->fd, "edit.img", XC_FILE_PROC), cases[i].err);
		unit_eq(l, t->ctx.exit_hint, XC_EXIT_IMAGE);
		memcpy(buf + cases[i].field, &old, 4);
	}
	/* Asking for the wrong kind is the same fault as a wrong kind on disk. */
	assert_int_equal(xc_img_validate(buf, len, XC_FILE_INVENTORY, &bad, &why), -EBADMSG);
	assert_int_equal(bad, 12);
	free(buf);
}

/* Bytes after END: one or a whole zero record's worth. */
static void test_trailing_bytes(void **state)
{
	struct tdir *t = *state;
	size_t len, bad;
	const char *why;
	char *buf, *big;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	big = calloc(1, len + 16);
	assert_non_null(big);
	memcpy(big, buf, len);
	assert_int_equal(xc_img_validate(big, len + 1, XC_FILE_PROC, &bad, &why), -EBADMSG);
	assert_int_equal(bad, len);
	assert_int_equal(xc_img_validate(big, len + 16, XC_FILE_PROC, &bad, &why), -EBADMSG);
	assert_int_equal(bad, len);
	free(big);
	free(buf);
}

/* Rewrite a record header and its checksum so that only the semantic check
 * under test can catch it. */
static void reseal(char *buf, size_t off)
{
	struct xc_rec_hdr h;

	memcpy(&h, buf + off, sizeof(h));
	h.crc = xc_rec_crc(&h, buf + off + sizeof(h));
	memcpy(buf + off, &h, sizeof(h));
}

/* END must count the records before it, and be the right size; a record
 * may not claim more than XC_REC_MAX_LEN, even with a valid checksum. */
static void test_end_record(void **state)
{
	struct tdir *t = *state;
	size_t starts[NR_SAMPLE + 1], len, bad, end;
	struct xc_rec_end e;
	struct xc_rec_hdr h;
	const char *why;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	sample_layout(starts);
	end = starts[NR_SAMPLE];

	for (int delta = -1; delta <= 1; delta += 2) {
		e.nr_records = NR_SAMPLE + delta;
		memcpy(buf + end + sizeof(h), &e, sizeof(e));
		reseal(buf, end);
		assert_int_equal(xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), -EBADMSG);
		assert_int_equal(bad, end);
	}
	e.nr_records = NR_SAMPLE;
	memcpy(buf + end + sizeof(h), &e, sizeof(e));
	reseal(buf, end);
	assert_int_equal(xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), 0);

	/* END with a zero-length payload: a file that ends 8 bytes early. */
	memcpy(&h, buf + end, sizeof(h));
	h.len = 0;
	memcpy(buf + end, &h, sizeof(h));
	reseal(buf, end);
	assert_int_equal(xc_img_validate(buf, len - 8, XC_FILE_PROC, &bad, &why), -EBADMSG);
	assert_int_equal(bad, end);
	free(buf);

	/* A first record claiming more than the maximum. */
	buf = slurp(t, "proc.img", &len);
	memcpy(&h, buf + starts[0], sizeof(h));
	h.len = XC_REC_MAX_LEN + 8;
	memcpy(buf + starts[0], &h, sizeof(h));
	assert_int_equal(xc_img_validate(buf, len, XC_FILE_PROC, &bad, &why), -EBADMSG);
	assert_int_equal(bad, starts[0]);
	free(buf);
}

/* The file made by test_reader_error_* : cut inside END's header, which
 * gives the longest reason the reader has. Returns "offset N: reason". */
static void write_cut_sample(struct tdir *t, char *want, size_t cap)
{
	size_t starts[NR_SAMPLE + 1], len, bad;
	const char *why;
	char *buf;

	write_sample(t, "proc.img", XC_FILE_PROC);
	buf = slurp(t, "proc.img", &len);
	sample_layout(starts);
	assert_int_equal(xc_img_validate(buf, starts[NR_SAMPLE] + 8, XC_FILE_PROC, &bad, &why),
			 -EBADMSG);
	snprintf(want, cap, "offset %zu: %s", bad, why);
	spew(t, "cut.img", buf, starts[NR_SAMPLE] + 8);
	free(buf);
}

/* A failed open records one error for the user, and main() prints its step:
 * the step must hold the whole reason, not a cut one. */
static void test_reader_error_step(void **state)
{
	struct tdir *t = *state;
	struct xc_imgr r;
	char want[128];

	write_cut_sample(t, want, sizeof(want));
	assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, "cut.img", XC_FILE_PROC), -EBADMSG);
	assert_string_equal(t->ctx.first_err.step, want);
}

/* A failure that came earlier in the run keeps its report: log.h says later
 * failures only log at debug. */
static void test_reader_error_keeps_first(void **state)
{
	struct tdir *t = *state;
	struct xc_imgr r;
	char want[128];

	write_cut_sample(t, want, sizeof(want));
	xc_fail(&t->ctx, 42, "earlier object", "earlier step", -EIO);
	assert_int_equal(xc_imgr_open(&t->ctx, &r, t->fd, "cut.img", XC_FILE_PROC), -EBADMSG);
	assert_int_equal(t->ctx.first_err.code, -EIO);
	assert_int_equal(t->ctx.first_err.pid, 42);
	assert_string_equal(t->ctx.first_err.obj, "earlier object");
	assert_string_equal(t->ctx.first_err.step, "earlier step");
}

/* ---- page streams ------------------------------------------------------ */

/* A compressible page: text lines, as a heap of strings would be. */
static void fill_text(uint8_t *p, uint64_t vaddr)
{
	size_t n = 0;

	while (n < PAGE) {
		char line[64];
		int l = snprintf(line, sizeof(line), "page %#llx line %zu: the quick brown fox\n",
				 (unsigned long long)vaddr, n / 48);
		size_t c = n + l <= PAGE ? (size_t)l : PAGE - n;

		memcpy(p + n, line, c);
		n += c;
	}
}

/* The content of the page at vaddr: random (incompressible) or text. */
static void page_content(uint8_t *p, uint64_t vaddr, bool random)
{
	if (random)
		unit_fill_random(p, PAGE, vaddr);
	else
		fill_text(p, vaddr);
}

/* Several runs: one crossing a block boundary, one contiguous with the
 * previous but cut by xc_pagew_break (a VMA boundary), a single page, one
 * after a gap without a break. 721 pages: blocks of 256, 256 and 209 pages,
 * the first all random so that compression does not pay. */
static const struct seg {
	uint64_t vaddr;
	uint32_t pages;
	bool random, brk;
} segs[] = {
	{ 0x10000000, 300, true, false },
	{ 0x10000000 + 300 * PAGE, 100, false, true },
	{ 0x20000000, 1, true, false },
	{ 0x30000000, 300, false, false },
	{ 0x30000000 + 301 * PAGE, 20, true, false },
};
#define NR_SEGS (sizeof(segs) / sizeof(segs[0]))
#define NR_PAGES 721

static void write_pages(struct tdir *t, const char *name, int codec, int threads,
			struct xc_pagew *pw)
{
	uint8_t page[PAGE];

	assert_int_equal(sysconf(_SC_PAGESIZE), PAGE);
	assert_int_equal(xc_pagew_open(&t->ctx, pw, t->fd, name, codec, 1, threads), 0);
	for (size_t s = 0; s < NR_SEGS; s++) {
		if (segs[s].brk)
			xc_pagew_break(pw);
		for (uint32_t i = 0; i < segs[s].pages; i++) {
			uint64_t va = segs[s].vaddr + (uint64_t)i * PAGE;

			page_content(page, va, segs[s].random);
			assert_int_equal(xc_pagew_add(&t->ctx, pw, va, page), 0);
		}
	}
	assert_int_equal(xc_pagew_finish(&t->ctx, pw), 0);
}

/* The page stream in index order: (vaddr, random) of logical page n. */
static void nth_page(size_t n, uint64_t *vaddr, bool *random)
{
	for (size_t s = 0; s < NR_SEGS; s++) {
		if (n < segs[s].pages) {
			*vaddr = segs[s].vaddr + n * PAGE;
			*random = segs[s].random;
			return;
		}
		n -= segs[s].pages;
	}
	fail_msg("page %zu past the stream", n);
}

/* Index as the writer built it, then every page back through the reader. */
static void drop_cache(struct tdir *t, const char *name)
{
	int fd = openat(t->fd, name, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
}

static void check_pages(struct tdir *t, const char *name, const struct xc_pagew *pw, int codec)
{
	static const struct xc_page_run runs[] = {
		{ 0x10000000, 300 }, { 0x10000000 + 300 * PAGE, 100 }, { 0x20000000, 1 },
		{ 0x30000000, 300 }, { 0x30000000 + 301 * PAGE, 20 },
	};
	uint8_t *out = malloc(XC_PAGE_BLOCK_PAGES * PAGE), want[PAGE];
	struct xc_pager pr;
	const char *why;
	size_t len, n = 0;
	char *file;

	assert_non_null(out);
	assert_int_equal(pw->nr_runs, sizeof(runs) / sizeof(runs[0]));
	for (size_t i = 0; i < pw->nr_runs; i++) {
		char l[32];

		snprintf(l, sizeof(l), "run %zu", i);
		unit_eq(l, pw->runs[i].vaddr, runs[i].vaddr);
		unit_eq(l, pw->runs[i].nr_pages, runs[i].nr_pages);
		unit_eq(l, pw->runs[i].flags, 0);
	}
	assert_int_equal(pw->nr_blocks, 3);
	assert_int_equal(pw->raw_bytes, (uint64_t)NR_PAGES * PAGE);
	file = slurp(t, name, &len);
	for (size_t i = 0; i < pw->nr_blocks; i++) {
		const struct xc_page_block *b = &pw->blocks[i];
		struct xc_rec_hdr h;
		char l[32];

		snprintf(l, sizeof(l), "block %zu", i);
		unit_eq(l, b->raw_len, (i < 2 ? 256 : NR_PAGES - 512) * PAGE);
		/* All random: stored raw even when zstd was asked for; the
		 * others are coded, plain or shuffled as the probe finds. */
		if (i == 0 || codec == XC_CODEC_NONE)
			unit_eq(l, b->codec, XC_CODEC_NONE);
		else
			unit_eq(l, b->codec == XC_CODEC_ZSTD || b->codec == XC_CODEC_SHUF8_ZSTD, 1);
		if (b->codec == XC_CODEC_NONE)
			unit_eq(l, b->comp_len, b->raw_len);
		else
			unit_eq(l, b->comp_len < b->raw_len / 4, 1);
		memcpy(&h, file + b->file_off, sizeof(h));
		unit_eq(l, h.kind, XC_REC_PAGE_DATA);
		unit_eq(l, h.len, b->comp_len);
		unit_eq(l, b->crc, xc_crc32c(0, file + b->file_off + sizeof(h), h.len));
		/* The writer derives it from b->crc (xc_rec_crc_of()). */
		unit_eq(l, h.crc, xc_rec_crc(&h, file + b->file_off + sizeof(h)));
	}
	free(file);
	assert_int_equal(xc_page_index_check(pw->runs, pw->nr_runs, pw->blocks, pw->nr_blocks,
					     PAGE, &why), 0);

	/* Out of the page cache, so that the blocks are read with O_DIRECT
	 * where the file system takes it (a cached block is read through the
	 * cache). */
	drop_cache(t, name);
	assert_int_equal(xc_pager_open(&t->ctx, &pr, t->fd, name, pw->runs, pw->nr_runs,
				       pw->blocks, pw->nr_blocks), 0);
	xc_pager_direct_begin(&pr);
	assert_int_equal(pr.nr_pages, NR_PAGES);
	for (size_t i = 0; i < pw->nr_blocks; i++) {
		memset(out, 0xee, XC_PAGE_BLOCK_PAGES * PAGE);
		assert_int_equal(xc_pager_block(&t->ctx, &pr, i, out), 0);
		for (size_t k = 0; k < pw->blocks[i].raw_len / PAGE; k++, n++) {
			uint64_t va = 0;
			bool rnd = false;
			char l[48];

			nth_page(n, &va, &rnd);
			page_content(want, va, rnd);
			snprintf(l, sizeof(l), "page %zu (%#llx)", n, (unsigned long long)va);
			unit_eq(l, memcmp(out + k * PAGE, want, PAGE), 0);
		}
	}
	assert_int_equal(n, NR_PAGES);
	xc_pager_close(&pr);
	assert_int_equal(t->ctx.first_err.code, 0);
	free(out);
}

static void test_pages_zstd(void **state)
{
	struct tdir *t = *state;
	struct xc_pagew pw;

	write_pages(t, "pages.img", XC_CODEC_ZSTD, 0, &pw);
	check_pages(t, "pages.img", &pw, XC_CODEC_ZSTD);
	xc_pagew_free(&pw);
}

static void test_pages_none(void **state)
{
	struct tdir *t = *state;
	struct xc_pagew pw;
	size_t len;

	write_pages(t, "pages.img", XC_CODEC_NONE, 0, &pw);
	check_pages(t, "pages.img", &pw, XC_CODEC_NONE);
	free(slurp(t, "pages.img", &len));
	assert_int_equal(len, sizeof(struct xc_file_hdr) + 3 * sizeof(struct xc_rec_hdr) +
				      (size_t)NR_PAGES * PAGE + sizeof(struct xc_rec_hdr) +
				      sizeof(struct xc_rec_end));
	xc_pagew_free(&pw);
}

/* Compression on worker threads must not change a byte of the file: blocks
 * come back in submission order (common/zpool.h). */
static void test_pages_threads_same_file(void **state)
{
	struct tdir *t = *state;
	struct xc_pagew a, b;
	size_t la, lb;
	char *fa, *fb;

	write_pages(t, "t0.img", XC_CODEC_ZSTD, 0, &a);
	write_pages(t, "t3.img", XC_CODEC_ZSTD, 3, &b);
	check_pages(t, "t3.img", &b, XC_CODEC_ZSTD);
	fa = slurp(t, "t0.img", &la);
	fb = slurp(t, "t3.img", &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(fa, fb, la);
	assert_int_equal(a.nr_blocks, b.nr_blocks);
	assert_memory_equal(a.blocks, b.blocks, a.nr_blocks * sizeof(*a.blocks));
	free(fa);
	free(fb);
	xc_pagew_free(&a);
	xc_pagew_free(&b);
}

/* Exactly two full blocks: no empty third block; and no pages at all: an
 * empty but valid file and index. */
static void test_pages_block_edges(void **state)
{
	struct tdir *t = *state;
	uint8_t page[PAGE];
	struct xc_pagew pw;
	struct xc_pager pr;

	assert_int_equal(xc_pagew_open(&t->ctx, &pw, t->fd, "full.img", XC_CODEC_ZSTD, 1, 2), 0);
	for (uint64_t i = 0; i < 2 * XC_PAGE_BLOCK_PAGES; i++) {
		page_content(page, i * PAGE, i % 2);
		assert_int_equal(xc_pagew_add(&t->ctx, &pw, 0x400000 + i * PAGE, page), 0);
	}
	assert_int_equal(xc_pagew_finish(&t->ctx, &pw), 0);
	assert_int_equal(pw.nr_runs, 1);
	assert_int_equal(pw.runs[0].nr_pages, 2 * XC_PAGE_BLOCK_PAGES);
	assert_int_equal(pw.nr_blocks, 2);
	assert_int_equal(pw.blocks[1].raw_len, XC_PAGE_BLOCK_PAGES * PAGE);
	assert_int_equal(xc_pager_open(&t->ctx, &pr, t->fd, "full.img", pw.runs, pw.nr_runs,
				       pw.blocks, pw.nr_blocks), 0);
	xc_pager_close(&pr);
	xc_pagew_free(&pw);

	assert_int_equal(xc_pagew_open(&t->ctx, &pw, t->fd, "none.img", XC_CODEC_ZSTD, 1, 0), 0);
	assert_int_equal(xc_pagew_finish(&t->ctx, &pw), 0);
	assert_int_equal(pw.nr_runs, 0);
	assert_int_equal(pw.nr_blocks, 0);
	assert_int_equal(xc_pager_open(&t->ctx, &pr, t->fd, "none.img", NULL, 0, NULL, 0), 0);
	assert_int_equal(pr.nr_pages, 0);
	xc_pager_close(&pr);
	xc_pagew_free(&pw);
}

static void flip_on_disk(struct tdir *t, const char *name, uint64_t off, uint8_t mask)
{
	int fd = openat(t->fd, name, O_RDWR | O_CLOEXEC);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= mask;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static int pager_try(struct tdir *t, const char *name, const struct xc_pagew *pw,
		     const struct xc_page_block *blocks, size_t nr_blocks)
{
	struct xc_pager pr;
	int err;

	xc_ctx_init(&t->ctx);
	err = xc_pager_open(&t->ctx, &pr, t->fd, name, pw->runs, pw->nr_runs, blocks, nr_blocks);
	if (!err) {
		/* What the open does not read is checked as each block is. */
		uint8_t *out = malloc(XC_PAGE_BLOCK_PAGES * PAGE);

		assert_non_null(out);
		for (size_t i = 0; !err && i < nr_blocks; i++)
			err = xc_pager_block(&t->ctx, &pr, i, out);
		free(out);
		xc_pager_close(&pr);
	}
	if (err)
		assert_int_equal(t->ctx.exit_hint, XC_EXIT_IMAGE);
	return err;
}

/* An index and a file that agree, but on a record longer than any coding
 * of a block: refused when the block is read, naming where. */
static void test_pages_record_too_long(void **state)
{
	size_t n = xc_code_bound(XC_PAGE_BLOCK_PAGES * PAGE) + 4096;
	struct tdir *t = *state;
	struct xc_page_run run = { 0x400000, XC_PAGE_BLOCK_PAGES, 0 };
	struct xc_page_block blk = { sizeof(struct xc_file_hdr), XC_PAGE_BLOCK_PAGES * PAGE, 0,
				     XC_CODEC_ZSTD, 0 };
	uint8_t *payload = malloc(n), *out = malloc(XC_PAGE_BLOCK_PAGES * PAGE);
	struct xc_pager pr;
	struct xc_imgw w;

	assert_non_null(payload);
	assert_non_null(out);
	unit_fill_random(payload, n, 3);
	blk.comp_len = (uint32_t)n;
	blk.crc = xc_crc32c(0, payload, n);
	assert_int_equal(xc_imgw_open(&t->ctx, &w, t->fd, "long.img", XC_FILE_PAGES), 0);
	assert_int_equal(xc_imgw_put(&t->ctx, &w, XC_REC_PAGE_DATA, payload, n), 0);
	assert_int_equal(xc_imgw_close(&t->ctx, &w), 0);
	assert_int_equal(xc_pager_open(&t->ctx, &pr, t->fd, "long.img", &run, 1, &blk, 1), 0);
	assert_int_equal(xc_pager_block(&t->ctx, &pr, 0, out), -EBADMSG);
	assert_int_equal(t->ctx.exit_hint, XC_EXIT_IMAGE);
	assert_non_null(strstr(t->ctx.first_err.step, "offset 32: record larger"));
	xc_pager_close(&pr);
	free(payload);
	free(out);
}

/* A flipped byte in a block's data is caught when its block is read, by
 * the record checksum; and if the record were resealed, by the index's own
 * checksum of the block. An index that does not match the file (offset,
 * length, count) is refused too. */
static void test_pages_corrupt(void **state)
{
	struct tdir *t = *state;
	struct xc_page_block blocks[3];
	struct xc_pagew pw;
	uint64_t off;
	size_t len;
	char *file;

	write_pages(t, "pages.img", XC_CODEC_ZSTD, 0, &pw);
	assert_int_equal(pw.nr_blocks, 3);
	memcpy(blocks, pw.blocks, sizeof(blocks));
	off = blocks[1].file_off + sizeof(struct xc_rec_hdr) + blocks[1].comp_len / 2;

	flip_on_disk(t, "pages.img", off, 0x10);
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), -EBADMSG);

	file = slurp(t, "pages.img", &len);
	reseal(file, blocks[1].file_off);
	spew(t, "pages.img", file, len);
	free(file);
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), -EBADMSG);

	flip_on_disk(t, "pages.img", off, 0x10);
	file = slurp(t, "pages.img", &len);
	reseal(file, blocks[1].file_off);
	spew(t, "pages.img", file, len);
	free(file);
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), 0);

	blocks[1].file_off += 8;
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), -EBADMSG);
	blocks[1].file_off -= 8;
	blocks[2].comp_len++;
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), -EBADMSG);
	blocks[2].comp_len--;
	blocks[2].crc ^= 1;
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), -EBADMSG);
	blocks[2].crc ^= 1;
	/* Index and file disagree on the number of blocks. */
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 2), -EBADMSG);
	assert_int_equal(pager_try(t, "pages.img", &pw, blocks, 3), 0);
	xc_pagew_free(&pw);
}

/* A small zstd page file (a few dozen bytes per block): every truncation
 * and every bit flip must make xc_pager_open or a block read fail. */
static void test_pages_every_bit(void **state)
{
	struct tdir *t = *state;
	struct flip_log fl = { 0 };
	uint8_t page[PAGE];
	struct xc_pagew pw;
	size_t len;
	char *file;

	assert_int_equal(xc_pagew_open(&t->ctx, &pw, t->fd, "small.img", XC_CODEC_ZSTD, 1, 0), 0);
	for (uint64_t i = 0; i < 3; i++) {
		fill_text(page, 0);
		assert_int_equal(xc_pagew_add(&t->ctx, &pw, 0x600000 + i * PAGE, page), 0);
	}
	assert_int_equal(xc_pagew_finish(&t->ctx, &pw), 0);
	file = slurp(t, "small.img", &len);
	assert_int_equal(pw.nr_blocks, 1);
	assert_int_not_equal(pw.blocks[0].codec, XC_CODEC_NONE);
	assert_true(len < 512);

	for (size_t cut = 0; cut < len; cut++) {
		char l[32];

		snprintf(l, sizeof(l), "cut at %zu", cut);
		spew(t, "small.img", file, cut);
		unit_eq(l, pager_try(t, "small.img", &pw, pw.blocks, 1) < 0, 1);
	}
	spew(t, "small.img", file, len);
	for (size_t byte = 0; byte < len; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			int err;

			flip_on_disk(t, "small.img", byte, 1 << bit);
			err = pager_try(t, "small.img", &pw, pw.blocks, 1);
			flip_note(&fl, byte, bit, err, 0, err == -EBADMSG || err == -EPROTO);
			flip_on_disk(t, "small.img", byte, 1 << bit);
		}
	}
	flip_check(&fl, len);
	assert_int_equal(pager_try(t, "small.img", &pw, pw.blocks, 1), 0);
	free(file);
	xc_pagew_free(&pw);
}

/* The pure index check: valid indexes, then each rule broken on its own. */
static void test_page_index_check(void **state)
{
	enum { N = XC_PAGE_BLOCK_PAGES };
	static const struct {
		const char *what;
		struct xc_page_run runs[2];
		size_t nr_runs;
		struct xc_page_block blocks[2];
		size_t nr_blocks;
		const char *why;	/* a word of the reason, NULL: valid */
	} cases[] = {
		{ "valid", { { 0x1000, 2 }, { 0x4000, 1 } }, 2, { { 32, 3 * PAGE, 3 * PAGE, 0 } }, 1 },
		{ "valid, two blocks", { { 0x1000, N }, { 0x10000000, 5 } }, 2,
		  { { 32, N * PAGE, 100, XC_CODEC_ZSTD }, { 200, 5 * PAGE, 9, XC_CODEC_ZSTD } }, 2 },
		{ "empty", { { 0 } }, 0, { { 0 } }, 0 },
		{ "run of no pages", { { 0x1000, 0 } }, 1, { { 0 } }, 0, "run" },
		{ "unaligned run", { { 0x1800, 1 } }, 1, { { 32, PAGE, PAGE, 0 } }, 1, "run" },
		{ "overlapping runs", { { 0x1000, 2 }, { 0x2000, 1 } }, 2,
		  { { 32, 3 * PAGE, 3 * PAGE, 0 } }, 1, "overlap" },
		{ "runs out of order", { { 0x4000, 1 }, { 0x1000, 1 } }, 2,
		  { { 32, 2 * PAGE, 2 * PAGE, 0 } }, 1, "order" },
		{ "run wraps the address space", { { 0xfffffffffffff000, 2 }, { 0x1000, 1 } }, 2,
		  { { 32, 3 * PAGE, 3 * PAGE, 0 } }, 1, "run" },
		{ "blocks short of the runs", { { 0x1000, 3 } }, 1, { { 32, 2 * PAGE, 2 * PAGE, 0 } }, 1,
		  "cover" },
		{ "blocks past the runs", { { 0x1000, 1 } }, 1, { { 32, 2 * PAGE, 2 * PAGE, 0 } }, 1,
		  "cover" },
		{ "no blocks", { { 0x1000, 1 } }, 1, { { 0 } }, 0, "cover" },
		{ "raw_len 0", { { 0 } }, 0, { { 32, 0, 0, 0 } }, 1, "block" },
		{ "raw_len not pages", { { 0x1000, 1 } }, 1, { { 32, PAGE + 1, PAGE + 1, 0 } }, 1,
		  "block" },
		{ "raw_len over a block", { { 0x1000, N + 1 } }, 1,
		  { { 32, (N + 1) * PAGE, (N + 1) * PAGE, 0 } }, 1, "block" },
		{ "unknown codec", { { 0x1000, 1 } }, 1, { { 32, PAGE, 10, 7 } }, 1, "block" },
		{ "first codec unknown", { { 0x1000, 1 } }, 1,
		  { { 32, PAGE, 10, XC_CODEC_COUNT } }, 1, "block" },
		{ "valid, shuffled", { { 0x1000, 1 } }, 1, { { 32, PAGE, 10, XC_CODEC_SHUF8_ZSTD } }, 1 },
		{ "raw block with comp_len != raw_len", { { 0x1000, 1 } }, 1, { { 32, PAGE, 10, 0 } }, 1,
		  "block" },
		{ "short block before the last", { { 0x1000, 3 } }, 1,
		  { { 32, PAGE, PAGE, 0 }, { 64, 2 * PAGE, 2 * PAGE, 0 } }, 2, "block" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int err = xc_page_index_check(cases[i].runs, cases[i].nr_runs, cases[i].blocks,
					      cases[i].nr_blocks, PAGE, &why);

		unit_eq(cases[i].what, err, cases[i].why ? -EBADMSG : 0);
		if (cases[i].why && !strstr(why, cases[i].why))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", cases[i].what, why, cases[i].why);
	}
}

/* ---- CRC-32C ----------------------------------------------------------- */

static void test_crc32c_vectors(void **state)
{
	uint8_t b[32];

	assert_int_equal(xc_crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(xc_crc32c_sw(0, "123456789", 9), 0xe3069283);
	assert_int_equal(xc_crc32c(0, "", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeros, of ones, ascending. */
	memset(b, 0, sizeof(b));
	assert_int_equal(xc_crc32c(0, b, 32), 0x8a9136aa);
	assert_int_equal(xc_crc32c_sw(0, b, 32), 0x8a9136aa);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(xc_crc32c(0, b, 32), 0x62a8ab43);
	assert_int_equal(xc_crc32c_sw(0, b, 32), 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		b[i] = i;
	assert_int_equal(xc_crc32c(0, b, 32), 0x46dd794e);
	assert_int_equal(xc_crc32c_sw(0, b, 32), 0x46dd794e);
	/* Chaining: crc(crc(a), b) == crc(a || b). */
	assert_int_equal(xc_crc32c(xc_crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	assert_int_equal(xc_crc32c_sw(xc_crc32c_sw(0, "12345678", 8), "9", 1), 0xe3069283);
}

/* combine(crc(a), crc(b), len(b)) == crc(a || b) at every split of a
 * buffer, empty parts included, and across a length of a few MiB. */
static void test_crc32c_combine(void **state)
{
	size_t big = 3u << 20;
	uint8_t *b = malloc(big);
	uint32_t whole;

	assert_non_null(b);
	for (size_t i = 0; i < big; i++)
		b[i] = (uint8_t)(i * 2654435761u >> 13);
	whole = xc_crc32c(0, b, 300);
	for (size_t cut = 0; cut <= 300; cut++)
		unit_eq("combine at a cut", xc_crc32c_combine(xc_crc32c(0, b, cut),
							      xc_crc32c(0, b + cut, 300 - cut),
							      300 - cut), whole);
	assert_int_equal(xc_crc32c_combine(xc_crc32c(0, b, 16), xc_crc32c(0, b + 16, big - 16),
					   big - 16), xc_crc32c(0, b, big));
	assert_int_equal(xc_crc32c_combine(0, 0, 0), 0);
	free(b);
}

/* The hardware path (when the CPU has it) and the table path agree for
 * every length up to 300, a few large ones, every start alignment, and
 * non-zero seeds. */
static void test_crc32c_hw_matches_sw(void **state)
{
	enum { MAX = 70000 };
	uint8_t *buf = malloc(MAX + 8);
	static const size_t big[] = { 1023, 4096, 4097, 65536, 69999 };

	assert_non_null(buf);
	unit_fill_random(buf, MAX + 8, 7);
	for (size_t align = 0; align < 8; align++) {
		for (size_t len = 0; len <= 300 + 5; len++) {
			size_t l = len <= 300 ? len : big[len - 301];
			uint32_t seed = (uint32_t)(len * 2654435761u);
			char lbl[48];

			snprintf(lbl, sizeof(lbl), "align %zu len %zu", align, l);
			unit_eq(lbl, xc_crc32c(0, buf + align, l), xc_crc32c_sw(0, buf + align, l));
			unit_eq(lbl, xc_crc32c(seed, buf + align, l),
				xc_crc32c_sw(seed, buf + align, l));
		}
	}
	free(buf);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_layout),
		T(test_roundtrip),
		T(test_empty_file),
		T(test_put2_is_put),
		T(test_imgr_forget),
		T(test_imgr_shared),
		T(test_writer_errors),
		T(test_reader_missing_file),
		T(test_truncated_every_length),
		T(test_truncated_on_disk),
		T(test_bitflip_every_bit),
		T(test_header_fields),
		T(test_trailing_bytes),
		T(test_end_record),
		T(test_reader_error_step),
		T(test_reader_error_keeps_first),
		T(test_pages_zstd),
		T(test_pages_none),
		T(test_pages_threads_same_file),
		T(test_pages_block_edges),
		T(test_pages_corrupt),
		T(test_pages_record_too_long),
		T(test_pages_every_bit),
		cmocka_unit_test(test_page_index_check),
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_combine),
		cmocka_unit_test(test_crc32c_hw_matches_sw),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
