#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/imgq.h"

struct item {
	struct item *next;
	int dirfd;
	char name[64];
	char *buf;
	size_t len;
};

/* Two threads: creating a file costs the file system far more CPU than
 * writing a few KiB to it (on ext4 without a journal, a walk past every
 * recently deleted inode), and two creates run side by side. */
#define IMGQ_THREADS 2

struct xc_imgq {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	struct item *head, **tail;
	int busy;		/* threads writing a file */
	bool quit;
	int err;		/* first failure, -errno */
	char bad[64];		/* its file */
	const char *step;
	pthread_t th[IMGQ_THREADS];
	int nth;
};

int xc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* After a failure nothing more is created: the dump fails at the drain. */
static void write_one(struct xc_imgq *q, const struct item *it)
{
	const char *step = "create";
	int fd, err = 0;

	if (q->err)
		return;
	fd = openat(it->dirfd, it->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
	} else {
		err = xc_write_all(fd, it->buf, it->len);
		step = "write";
		if (close(fd) && !err) {
			err = -errno;
			step = "close";
		}
	}
	if (err) {
		pthread_mutex_lock(&q->mu);
		if (!q->err) {
			q->err = err;
			q->step = step;
			snprintf(q->bad, sizeof(q->bad), "%s", it->name);
		}
		pthread_mutex_unlock(&q->mu);
	}
}

static void *writer(void *arg)
{
	struct xc_imgq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct item *it;

		while (!q->head && !q->quit)
			pthread_cond_wait(&q->work, &q->mu);
		if (!q->head)
			break;
		it = q->head;
		q->head = it->next;
		if (!q->head)
			q->tail = &q->head;
		q->busy++;
		pthread_mutex_unlock(&q->mu);
		write_one(q, it);
		free(it->buf);
		free(it);
		pthread_mutex_lock(&q->mu);
		q->busy--;
		if (!q->head && !q->busy)
			pthread_cond_broadcast(&q->idle);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct xc_imgq *xc_imgq_new(void)
{
	struct xc_imgq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->idle, NULL);
	q->tail = &q->head;
	while (q->nth < IMGQ_THREADS && !pthread_create(&q->th[q->nth], NULL, writer, q))
		q->nth++;
	if (!q->nth) {
		pthread_cond_destroy(&q->work);
		pthread_cond_destroy(&q->idle);
		pthread_mutex_destroy(&q->mu);
		free(q);
		errno = EAGAIN;
		return NULL;
	}
	return q;
}

int xc_imgq_put(struct xc_imgq *q, int dirfd, const char *name, char *buf, size_t len)
{
	struct item *it = calloc(1, sizeof(*it));

	if (!it) {
		free(buf);
		return -ENOMEM;
	}
	it->dirfd = dirfd;
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->buf = buf;
	it->len = len;
	pthread_mutex_lock(&q->mu);
	*q->tail = it;
	q->tail = &it->next;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int xc_imgq_drain(struct xc_imgq *q, const char **name, const char **step)
{
	int err;

	pthread_mutex_lock(&q->mu);
	while (q->head || q->busy)
		pthread_cond_wait(&q->idle, &q->mu);
	err = q->err;
	*name = q->bad;
	*step = q->step;
	pthread_mutex_unlock(&q->mu);
	return err;
}

void xc_imgq_free(struct xc_imgq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->quit = true;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nth; i++)
		pthread_join(q->th[i], NULL);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->idle);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
