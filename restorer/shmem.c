/* Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS) that several
 * mappings share: after fork, in the parent and the child; or in one
 * process, after mremap(). xckpt makes each such object once, before it
 * creates any process, as one mapping of its own reopened through
 * /proc/self/map_files (so that it is the kernel's "/dev/zero" object, as
 * the original); every process inherits the fd and maps it at the recorded
 * offset, and the pages written into one mapping are the object's. A
 * shared anonymous mapping alone on its object is made by the blob with
 * mmap(MAP_SHARED | MAP_ANONYMOUS), as before. Shared hugetlb memory
 * (MAP_HUGETLB) is such an object too, on hugetlbfs: made in pages of its
 * recorded size. */
#define LOG_PREFIX "shmem: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

static struct rst_shm *find(struct xc_rtree *t, uint32_t ino)
{
	for (size_t i = 0; i < t->nr_shms; i++)
		if (t->shms[i].ino == ino)
			return &t->shms[i];
	return NULL;
}

/* Parent side: every object with more than one mapping in the image. */
int rst_shmem_create(struct xc_rtree *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];

		for (size_t k = 0; k < r->nr_vmas; k++) {
			const struct xc_rec_vma *v = r->vmas[k];
			struct rst_shm *s;

			if (v->kind != XC_VMA_SHANON || !v->shm_ino)
				continue;
			s = find(t, v->shm_ino);
			if (!s) {
				s = realloc(t->shms, (t->nr_shms + 1) * sizeof(*s));
				if (!s)
					return xc_fail(t->ctx, 0, "shared memory", "allocate", -ENOMEM);
				t->shms = s;
				s = &t->shms[t->nr_shms++];
				*s = (struct rst_shm){ .ino = v->shm_ino, .fd = -1,
						       .hpage_shift = v->hpage_shift };
			}
			if (s->hpage_shift != v->hpage_shift) {
				t->ctx->exit_hint = XC_EXIT_IMAGE;
				return xc_failf(t->ctx, r->pid, "mapped with two page sizes", -EBADMSG,
						"shared memory object %u", s->ino);
			}
			s->users++;
			if (v->pgoff + (v->end - v->start) > s->size)
				s->size = v->pgoff + (v->end - v->start);
		}
	}
	for (size_t i = 0; i < t->nr_shms; i++) {
		struct rst_shm *s = &t->shms[i];
		char path[64];
		void *p;

		if (s->users < 2)
			continue;
		p = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS |
			 (s->hpage_shift ? MAP_HUGETLB | s->hpage_shift << MAP_HUGE_SHIFT : 0), -1, 0);
		if (p == MAP_FAILED)
			return xc_failf(t->ctx, 0, "mmap", -errno, "shared memory object %u (%llu bytes)",
					s->ino, (unsigned long long)s->size);
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
			 (unsigned long)p + s->size);
		s->fd = open(path, O_RDWR | O_CLOEXEC);
		if (s->fd < 0) {
			int err = -errno;
			munmap(p, s->size);
			return xc_failf(t->ctx, 0, "open through map_files", err,
					"shared memory object %u", s->ino);
		}
		munmap(p, s->size);
	}
	return 0;
}

/* Child side, before the inherited fds go: its own copies of the objects
 * its mappings use, above its fds, for the blob to map and close. */
int rst_shmem_take(struct xc_rst *r)
{
	const struct xc_rtree *t = r->tree;

	r->shm_fds = malloc((t->nr_shms + 1) * sizeof(int));
	if (!r->shm_fds)
		return rst_child_fail(r, "shared memory", "allocate", -ENOMEM);
	for (size_t i = 0; i < t->nr_shms; i++) {
		bool mine = false;

		r->shm_fds[i] = -1;
		for (size_t k = 0; k < r->nr_vmas && !mine; k++)
			mine = r->vmas[k]->kind == XC_VMA_SHANON && r->vmas[k]->shm_ino == t->shms[i].ino;
		if (!mine || t->shms[i].fd < 0)
			continue;
		r->shm_fds[i] = fcntl(t->shms[i].fd, F_DUPFD_CLOEXEC, r->svc_base);
		if (r->shm_fds[i] < 0)
			return rst_child_fail(r, "shared memory", "dup", -errno);
	}
	return 0;
}

/* The fd a mapping uses, -1 for one made by mmap(MAP_ANONYMOUS). */
int rst_shmem_fd(const struct xc_rst *r, const struct xc_rec_vma *v)
{
	const struct xc_rtree *t = r->tree;

	for (size_t i = 0; v->kind == XC_VMA_SHANON && v->shm_ino && i < t->nr_shms; i++)
		if (t->shms[i].ino == v->shm_ino)
			return r->shm_fds ? r->shm_fds[i] : -1;
	return -1;
}
