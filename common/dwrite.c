#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dwrite.h"

/* 4 chunks of 2 MiB: deep enough that the caller rarely waits for the disk,
 * small enough to keep xckpt's memory a few MiB. */
#define DW_CHUNK (2u << 20)
#define DW_NBUF 4
#define DW_ALIGN 4096u

struct xc_dw {
	int fd;
	bool direct;
	uint8_t *buf[DW_NBUF];
	size_t len[DW_NBUF];
	uint64_t fill_seq;	/* chunk the caller fills */
	uint64_t write_seq;	/* chunks written */
	uint64_t off;		/* file offset of chunk fill_seq */
	int err;		/* first write error, -errno */
	bool quit;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t th;
	bool started;
};

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Through the page cache: start writeback of this chunk, wait for the one
 * before and drop it from the cache, so at most two chunks stay cached. */
static int write_cached(struct xc_dw *dw, const uint8_t *p, size_t len, uint64_t off)
{
	int err = pwrite_all(dw->fd, p, len, off);

	if (err)
		return err;
	sync_file_range(dw->fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
	if (off >= DW_CHUNK) {
		sync_file_range(dw->fd, (off_t)(off - DW_CHUNK), DW_CHUNK,
				SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				SYNC_FILE_RANGE_WAIT_AFTER);
		posix_fadvise(dw->fd, (off_t)(off - DW_CHUNK), DW_CHUNK, POSIX_FADV_DONTNEED);
	}
	return 0;
}

/* A full chunk at an aligned offset. A file system that takes O_DIRECT at
 * fcntl() time but refuses the write itself gets the cached path. */
static int write_chunk(struct xc_dw *dw, const uint8_t *p, size_t len, uint64_t off)
{
	if (dw->direct) {
		int err = pwrite_all(dw->fd, p, len, off);

		if (err != -EINVAL)
			return err;
		dw->direct = false;
		if (fcntl(dw->fd, F_SETFL, fcntl(dw->fd, F_GETFL) & ~O_DIRECT))
			return -errno;
	}
	return write_cached(dw, p, len, off);
}

static void *writer(void *arg)
{
	struct xc_dw *dw = arg;

	pthread_mutex_lock(&dw->mu);
	for (;;) {
		uint64_t s;
		int err;

		while (!dw->quit && dw->write_seq == dw->fill_seq)
			pthread_cond_wait(&dw->work, &dw->mu);
		if (dw->write_seq == dw->fill_seq)
			break;
		s = dw->write_seq;
		err = dw->err;	/* after an error, or when cancelled: write nothing */
		pthread_mutex_unlock(&dw->mu);
		if (!err)
			err = write_chunk(dw, dw->buf[s % DW_NBUF], DW_CHUNK, s * DW_CHUNK);
		pthread_mutex_lock(&dw->mu);
		if (err && !dw->err)
			dw->err = err;
		dw->write_seq++;
		pthread_cond_broadcast(&dw->done);
	}
	pthread_mutex_unlock(&dw->mu);
	return NULL;
}

struct xc_dw *xc_dw_new(int fd)
{
	struct xc_dw *dw = calloc(1, sizeof(*dw));
	int fl;

	if (!dw)
		return NULL;
	dw->fd = fd;
	pthread_mutex_init(&dw->mu, NULL);
	pthread_cond_init(&dw->work, NULL);
	pthread_cond_init(&dw->done, NULL);
	for (int i = 0; i < DW_NBUF; i++) {
		if (posix_memalign((void **)&dw->buf[i], DW_ALIGN, DW_CHUNK)) {
			xc_dw_free(dw);
			errno = ENOMEM;
			return NULL;
		}
	}
	fl = fcntl(fd, F_GETFL);
	dw->direct = fl >= 0 && !fcntl(fd, F_SETFL, fl | O_DIRECT);
	if (pthread_create(&dw->th, NULL, writer, dw)) {
		xc_dw_free(dw);
		errno = EAGAIN;
		return NULL;
	}
	dw->started = true;
	return dw;
}

bool xc_dw_direct(const struct xc_dw *dw)
{
	return dw->direct;
}

/* Hands the full chunk to the writer and waits until the next one is free. */
static int submit(struct xc_dw *dw)
{
	int err;

	pthread_mutex_lock(&dw->mu);
	dw->fill_seq++;
	pthread_cond_signal(&dw->work);
	while (dw->fill_seq - dw->write_seq >= DW_NBUF)
		pthread_cond_wait(&dw->done, &dw->mu);
	err = dw->err;
	pthread_mutex_unlock(&dw->mu);
	dw->len[dw->fill_seq % DW_NBUF] = 0;
	return err;
}

int xc_dw_write(struct xc_dw *dw, const void *p, size_t len)
{
	const uint8_t *c = p;

	while (len) {
		size_t i = dw->fill_seq % DW_NBUF, n = DW_CHUNK - dw->len[i];
		int err;

		if (n > len)
			n = len;
		memcpy(dw->buf[i] + dw->len[i], c, n);
		dw->len[i] += n;
		c += n;
		len -= n;
		if (dw->len[i] == DW_CHUNK) {
			err = submit(dw);
			if (err)
				return err;
		}
	}
	return 0;
}

int xc_dw_finish(struct xc_dw *dw)
{
	size_t i = dw->fill_seq % DW_NBUF, len = dw->len[i], head = len & ~(size_t)(DW_ALIGN - 1);
	uint64_t off = dw->fill_seq * (uint64_t)DW_CHUNK;
	int err;

	pthread_mutex_lock(&dw->mu);
	dw->quit = true;
	pthread_cond_signal(&dw->work);
	pthread_mutex_unlock(&dw->mu);
	pthread_join(dw->th, NULL);
	dw->started = false;
	err = dw->err;
	/* The last, partial chunk: its aligned head as the others, the tail
	 * through the page cache, which takes any length. */
	if (!err && head)
		err = write_chunk(dw, dw->buf[i], head, off);
	if (!err && dw->direct && fcntl(dw->fd, F_SETFL, fcntl(dw->fd, F_GETFL) & ~O_DIRECT))
		err = -errno;
	if (!err && len > head)
		err = pwrite_all(dw->fd, dw->buf[i] + head, len - head, off + head);
	/* The data on disk, so that the cache can let it go; the file's
	 * metadata is synced with the rest of the image (imgdir.h). */
	if (!err && !dw->direct &&
	    sync_file_range(dw->fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					      SYNC_FILE_RANGE_WAIT_AFTER))
		err = -errno;
	if (!err && !dw->direct)
		posix_fadvise(dw->fd, 0, 0, POSIX_FADV_DONTNEED);
	return err;
}

void xc_dw_free(struct xc_dw *dw)
{
	if (!dw)
		return;
	if (dw->started) {
		pthread_mutex_lock(&dw->mu);
		dw->quit = true;
		dw->err = dw->err ? dw->err : -ECANCELED;	/* write nothing more */
		pthread_cond_signal(&dw->work);
		pthread_mutex_unlock(&dw->mu);
		pthread_join(dw->th, NULL);
	}
	for (int i = 0; i < DW_NBUF; i++)
		free(dw->buf[i]);
	pthread_cond_destroy(&dw->work);
	pthread_cond_destroy(&dw->done);
	pthread_mutex_destroy(&dw->mu);
	free(dw);
}
