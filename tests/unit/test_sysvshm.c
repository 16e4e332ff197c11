/* System V segments: which attachments the dump takes (whole ones, split
 * or not, in one process or twice), and the record restore accepts
 * (tracer/sysvshm.c, restorer/sysvshm.c). */
#include "unit.h"

#include "restorer/rst.h"
#include "tracer/tracer.h"

#define PG 4096ull
#define ID 77u

static struct xc_vma vmas[8];
static uint32_t kinds[8];

static size_t layout(const uint64_t (*m)[3], size_t n)
{
	memset(vmas, 0, sizeof(vmas));
	for (size_t i = 0; i < n; i++) {
		vmas[i].start = m[i][0];
		vmas[i].end = m[i][1];
		vmas[i].pgoff = m[i][2] == (uint64_t)-1 ? 0 : m[i][2];
		vmas[i].ino = m[i][2] == (uint64_t)-1 ? 5 : ID;
		kinds[i] = m[i][2] == (uint64_t)-1 ? XC_VMA_ANON : XC_VMA_SYSVSHM;
	}
	return n;
}

static int check(const uint64_t (*m)[3], size_t n, uint64_t size, uint32_t *count, size_t *bad)
{
	return xc_sysvshm_layout(vmas, kinds, layout(m, n), ID, size, PG, count, bad);
}

static void test_layout_whole(void **state)
{
	/* -1: an anonymous mapping between them */
	static const uint64_t one[][3] = { { 0x10000, 0x13000, 0 } };
	static const uint64_t split[][3] = { { 0x10000, 0x11000, 0 }, { 0x11000, 0x12000, PG },
					     { 0x12000, 0x14000, 2 * PG } };
	static const uint64_t twice[][3] = { { 0x10000, 0x12000, 0 }, { 0x12000, 0x13000, -1 },
					     { 0x13000, 0x15000, 0 } };
	static const uint64_t back_to_back[][3] = { { 0x10000, 0x12000, 0 },
						    { 0x12000, 0x14000, 0 } };
	uint32_t count;
	size_t bad;

	(void)state;
	/* 3 pages less 100 bytes: rounded up to 3 pages */
	assert_int_equal(check(one, 1, 3 * PG - 100, &count, &bad), 0);
	assert_int_equal(count, 1);
	assert_int_equal(check(split, 3, 4 * PG, &count, &bad), 0);
	assert_int_equal(count, 3);
	assert_int_equal(check(twice, 3, 2 * PG, &count, &bad), 0);
	assert_int_equal(count, 2);
	assert_int_equal(check(back_to_back, 2, 2 * PG, &count, &bad), 0);
	assert_int_equal(count, 2);
	assert_int_equal(check(one, 0, PG, &count, &bad), 0);	/* not attached here */
	assert_int_equal(count, 0);
}

static void test_layout_part(void **state)
{
	static const uint64_t tail_gone[][3] = { { 0x10000, 0x12000, 0 } };
	static const uint64_t head_gone[][3] = { { 0x11000, 0x13000, PG } };
	static const uint64_t hole[][3] = { { 0x10000, 0x11000, 0 }, { 0x12000, 0x13000, 2 * PG } };
	static const uint64_t moved[][3] = { { 0x10000, 0x11000, 0 }, { 0x11000, 0x12000, 2 * PG } };
	static const uint64_t too_long[][3] = { { 0x10000, 0x14000, 0 } };
	uint32_t count;
	size_t bad;

	(void)state;
	assert_int_equal(check(tail_gone, 1, 3 * PG, &count, &bad), -ENOTSUP);
	assert_int_equal(bad, 0);
	assert_int_equal(check(head_gone, 1, 3 * PG, &count, &bad), -ENOTSUP);
	assert_int_equal(bad, 0);
	assert_int_equal(check(hole, 2, 3 * PG, &count, &bad), -ENOTSUP);
	assert_int_equal(bad, 0);
	assert_int_equal(check(moved, 2, 3 * PG, &count, &bad), -ENOTSUP);
	assert_int_equal(check(too_long, 1, 3 * PG, &count, &bad), -ENOTSUP);
}

/* A record with its extents: { off, len } pairs, each followed by len
 * bytes of 0xab. */
static uint32_t make_rec(uint8_t *buf, uint64_t size, const uint64_t (*ext)[2], uint32_t n)
{
	struct xc_rec_sysvshm *s = (struct xc_rec_sysvshm *)buf;
	uint8_t *p = buf + sizeof(*s);

	memset(s, 0, sizeof(*s));
	s->id = ID;
	s->size = size;
	s->mode = 0640;
	s->nr_extents = n;
	for (uint32_t i = 0; i < n; i++) {
		struct xc_sysvshm_extent e = { ext[i][0], ext[i][1] };

		memcpy(p, &e, sizeof(e));
		memset(p + sizeof(e), 0xab, e.len);
		p += sizeof(e) + e.len;
	}
	s->data_len = (uint64_t)(p - buf - sizeof(*s));
	return (uint32_t)(p - buf);
}

static void test_record(void **state)
{
	static uint8_t buf[sizeof(struct xc_rec_sysvshm) + 4 * (16 + 2 * PG)];
	static const uint64_t good[][2] = { { 0, PG }, { 2 * PG, 100 } };
	static const uint64_t overlap[][2] = { { PG, PG }, { PG, 100 } };
	static const uint64_t past_end[][2] = { { 2 * PG, PG } };
	static const uint64_t unaligned[][2] = { { 100, 10 } };
	static const uint64_t empty[][2] = { { 0, 0 } };
	struct xc_rec_sysvshm *s = (struct xc_rec_sysvshm *)buf;
	uint32_t len;

	(void)state;
	len = make_rec(buf, 2 * PG + 100, good, 2);
	assert_true(rst_sysvshm_ok(s, len, PG));
	assert_false(rst_sysvshm_ok(s, len - 1, PG));		/* truncated */
	assert_false(rst_sysvshm_ok(s, sizeof(*s) - 1, PG));
	s->nr_extents = 3;					/* more than there are */
	assert_false(rst_sysvshm_ok(s, len, PG));
	s->nr_extents = 1;					/* bytes left over */
	assert_false(rst_sysvshm_ok(s, len, PG));
	s->nr_extents = 2;
	s->mode = 01640;					/* SHM_DEST is a flag */
	assert_false(rst_sysvshm_ok(s, len, PG));
	s->mode = 0640;
	s->flags = 0x4;
	assert_false(rst_sysvshm_ok(s, len, PG));
	s->flags = XC_SHM_RMID | XC_SHM_LOCKED;
	assert_true(rst_sysvshm_ok(s, len, PG));
	s->size = 0;
	assert_false(rst_sysvshm_ok(s, len, PG));
	len = make_rec(buf, 3 * PG, overlap, 2);
	assert_false(rst_sysvshm_ok(s, len, PG));
	len = make_rec(buf, 2 * PG + 100, past_end, 1);
	assert_false(rst_sysvshm_ok(s, len, PG));
	len = make_rec(buf, 2 * PG, unaligned, 1);
	assert_false(rst_sysvshm_ok(s, len, PG));
	len = make_rec(buf, 2 * PG, empty, 1);
	assert_false(rst_sysvshm_ok(s, len, PG));
	len = make_rec(buf, PG, empty, 0);			/* all zero */
	assert_true(rst_sysvshm_ok(s, len, PG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_whole),
		cmocka_unit_test(test_layout_part),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
