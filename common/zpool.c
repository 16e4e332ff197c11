#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockcode.h"
#include "common/crc32c.h"
#include "common/ctx.h"
#include "common/img.h"
#include "common/zpool.h"

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
	uint8_t *raw, *out;
	size_t raw_len, out_len;
	int codec;
	uint32_t crc, rec_crc;
	int err;
	enum slot_state state;
};

struct xc_zpool {
	int codec, level, nthreads;
	uint32_t rec_kind;
	size_t block_cap, out_cap;
	struct slot *slots;
	int nslots;
	uint64_t fill_seq, emit_seq, work_seq;	/* next to fill, to emit, to take */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool quit;
	pthread_t *threads;
	struct xc_coder *inline_coder;
};

int xc_zpool_auto_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* Code one slot: raw when compression is off, else what the probe says
 * suits the block best (blockcode.h). */
static void compress_slot(struct xc_zpool *zp, struct xc_coder *coder, struct slot *s)
{
	struct xc_rec_hdr h = { .kind = zp->rec_kind };
	const uint8_t *data;

	s->codec = XC_CODEC_NONE;
	s->out_len = s->raw_len;
	s->err = 0;
	if (zp->codec != XC_CODEC_NONE)
		s->err = xc_code_auto(coder, &s->codec, s->raw, s->raw_len, s->out, &s->out_len);
	if (s->err)
		return;
	/* Here rather than on the writing thread, which is the bottleneck. */
	data = s->codec == XC_CODEC_NONE ? s->raw : s->out;
	h.len = (uint32_t)s->out_len;
	s->crc = xc_crc32c(0, data, s->out_len);
	s->rec_crc = xc_rec_crc_of(&h, s->crc);
}

static void *worker(void *arg)
{
	struct xc_zpool *zp = arg;
	struct xc_coder *coder = xc_coder_new(zp->level, zp->block_cap);

	pthread_mutex_lock(&zp->mu);
	for (;;) {
		struct slot *s;

		while (!zp->quit && zp->work_seq == zp->fill_seq)
			pthread_cond_wait(&zp->work, &zp->mu);
		if (zp->quit)
			break;
		s = &zp->slots[zp->work_seq++ % zp->nslots];
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&zp->mu);
		if (coder)
			compress_slot(zp, coder, s);
		else
			s->err = -ENOMEM;
		pthread_mutex_lock(&zp->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&zp->done);
	}
	pthread_mutex_unlock(&zp->mu);
	xc_coder_free(coder);
	return NULL;
}

struct xc_zpool *xc_zpool_new(int codec, int level, int threads, size_t block_cap,
			      uint32_t rec_kind)
{
	struct xc_zpool *zp = calloc(1, sizeof(*zp));

	if (!zp)
		return NULL;
	zp->rec_kind = rec_kind;
	zp->codec = codec;
	zp->level = level;
	zp->block_cap = block_cap;
	zp->out_cap = xc_code_bound(block_cap);
	zp->nslots = threads ? 2 * threads + 2 : 1;
	zp->slots = calloc(zp->nslots, sizeof(*zp->slots));
	pthread_mutex_init(&zp->mu, NULL);
	pthread_cond_init(&zp->work, NULL);
	pthread_cond_init(&zp->done, NULL);
	if (!zp->slots)
		goto fail;
	for (int i = 0; i < zp->nslots; i++) {
		zp->slots[i].raw = malloc(block_cap);
		zp->slots[i].out = malloc(zp->out_cap);
		if (!zp->slots[i].raw || !zp->slots[i].out)
			goto fail;
	}
	if (!threads) {
		zp->inline_coder = xc_coder_new(level, block_cap);
		if (!zp->inline_coder)
			goto fail;
		return zp;
	}
	zp->threads = calloc(threads, sizeof(*zp->threads));
	if (!zp->threads)
		goto fail;
	for (; zp->nthreads < threads; zp->nthreads++)
		if (pthread_create(&zp->threads[zp->nthreads], NULL, worker, zp))
			goto fail;
	return zp;
fail:
	xc_zpool_free(zp);
	errno = ENOMEM;
	return NULL;
}

/* Emit the oldest block; wait for it when it is still being compressed. */
static int emit_one(struct xc_zpool *zp, xc_zpool_emit_fn emit, void *arg)
{
	struct slot *s = &zp->slots[zp->emit_seq % zp->nslots];
	int err;

	if (zp->threads) {
		pthread_mutex_lock(&zp->mu);
		while (s->state != SLOT_DONE)
			pthread_cond_wait(&zp->done, &zp->mu);
		pthread_mutex_unlock(&zp->mu);
	}
	err = s->err;
	if (!err) {
		struct xc_zblock b = { s->codec == XC_CODEC_NONE ? s->raw : s->out, s->out_len,
				       s->raw_len, s->codec, s->crc, s->rec_crc };

		err = emit(arg, &b);
	}
	s->state = SLOT_FREE;
	zp->emit_seq++;
	return err;
}

uint8_t *xc_zpool_buffer(struct xc_zpool *zp, xc_zpool_emit_fn emit, void *arg, int *err)
{
	struct slot *s;

	/* The slot of fill_seq is free once fill_seq - nslots has been emitted. */
	while (zp->fill_seq - zp->emit_seq >= (uint64_t)zp->nslots) {
		*err = emit_one(zp, emit, arg);
		if (*err)
			return NULL;
	}
	s = &zp->slots[zp->fill_seq % zp->nslots];
	s->state = SLOT_FILLING;
	return s->raw;
}

void xc_zpool_submit(struct xc_zpool *zp, size_t raw_len)
{
	struct slot *s = &zp->slots[zp->fill_seq % zp->nslots];

	s->raw_len = raw_len;
	if (!zp->threads) {
		compress_slot(zp, zp->inline_coder, s);
		s->state = SLOT_DONE;
		zp->fill_seq++;
		return;
	}
	pthread_mutex_lock(&zp->mu);
	s->state = SLOT_READY;
	zp->fill_seq++;
	pthread_cond_signal(&zp->work);
	pthread_mutex_unlock(&zp->mu);
}

int xc_zpool_drain(struct xc_zpool *zp, xc_zpool_emit_fn emit, void *arg)
{
	int err = 0;

	while (!err && zp->emit_seq < zp->fill_seq)
		err = emit_one(zp, emit, arg);
	return err;
}

bool xc_zpool_fits(const struct xc_zpool *zp, int codec, int level, int threads,
		   size_t block_cap, uint32_t rec_kind)
{
	return zp->codec == codec && zp->level == level && zp->nthreads == threads &&
	       zp->block_cap == block_cap && zp->rec_kind == rec_kind &&
	       zp->emit_seq == zp->fill_seq;
}

void xc_zpool_free(struct xc_zpool *zp)
{
	if (!zp)
		return;
	pthread_mutex_lock(&zp->mu);
	zp->quit = true;
	pthread_cond_broadcast(&zp->work);
	pthread_mutex_unlock(&zp->mu);
	for (int i = 0; i < zp->nthreads; i++)
		pthread_join(zp->threads[i], NULL);
	free(zp->threads);
	for (int i = 0; zp->slots && i < zp->nslots; i++) {
		free(zp->slots[i].raw);
		free(zp->slots[i].out);
	}
	free(zp->slots);
	xc_coder_free(zp->inline_coder);
	pthread_cond_destroy(&zp->work);
	pthread_cond_destroy(&zp->done);
	pthread_mutex_destroy(&zp->mu);
	free(zp);
}
