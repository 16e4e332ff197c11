/* System V shared memory: every segment attached by a process of the tree,
 * saved once for the whole tree in inventory.img (SYSVSHM): its id, key,
 * mode, owner, creator, size, flags and content. The attachments are VMAs
 * of kind XC_VMA_SYSVSHM in each process (mm.c); a segment's inode number
 * in /proc/PID/maps is its id.
 *
 * Refused, named: a segment attached by a process outside the dump (its
 * shm_nattch counts more mappings than the tree holds; the restored tree
 * would have a copy of its own), a segment of another IPC namespace, a
 * SHM_HUGETLB segment, and an attachment of which a part was unmapped or
 * moved (restore attaches whole segments). The content is read through
 * /proc/PID/map_files, which attaches nothing: the segment's times and
 * last pid stay as they were. Segments that no process of the tree has
 * attached are not the tree's: they stay in the namespace, untouched. */
#define LOG_PREFIX "sysvshm: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define HUGETLBFS_MAGIC_ 0x958458f6

/* The attachments of segment id among n VMAs in address order: each must
 * be whole, a run of VMAs (split by mprotect or madvise) that starts at
 * offset 0 and covers size rounded up to pages, at consecutive addresses
 * and offsets. 0 with *count the number of its VMAs, or -ENOTSUP with *bad
 * the index of the first VMA that breaks the rule. Pure, for the unit
 * tests. */
int xc_sysvshm_layout(const struct xc_vma *vmas, const uint32_t *kind, size_t n, uint32_t id,
		      uint64_t size, size_t page, uint32_t *count, size_t *bad)
{
	uint64_t whole = (size + page - 1) / page * page, base = 0, next = 0;
	bool open = false;

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct xc_vma *v = &vmas[i];
		bool mine = kind[i] == XC_VMA_SYSVSHM && v->ino == id;

		if (open && (!mine || v->start != next || v->pgoff != v->start - base)) {
			if (next - base != whole) {
				*bad = i - 1;
				return -ENOTSUP;
			}
			open = false;
		}
		if (!mine)
			continue;
		++*count;
		if (!open) {
			if (v->pgoff) {
				*bad = i;
				return -ENOTSUP;
			}
			base = v->start;
			open = true;
		}
		next = v->end;
		if (next - base > whole) {
			*bad = i;
			return -ENOTSUP;
		}
	}
	if (open && next - base != whole) {
		*bad = n - 1;
		return -ENOTSUP;
	}
	return 0;
}

static struct xc_sysvshm *find(struct xc_tree *t, uint32_t id)
{
	for (size_t i = 0; i < t->nr_shms; i++)
		if (t->shms[i].rec.id == id)
			return &t->shms[i];
	return NULL;
}

static int refuse(struct xc_ctx *ctx, pid_t pid, const struct xc_sysvshm *s, const char *why)
{
	ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(ctx, pid, why, -ENOTSUP, "System V segment %u (key %#x)", s->rec.id,
			(unsigned)s->rec.key);
}

/* The key the segment was made with, from its name "/SYSV%08x": after
 * IPC_RMID the kernel reports IPC_PRIVATE, but the name keeps it. */
static int32_t name_key(const char *path)
{
	return (int32_t)strtoul(path + 5, NULL, 16);
}

static int same_ipc_ns(struct xc_dump *d, bool *same)
{
	struct stat mine, theirs;

	if (stat("/proc/self/ns/ipc", &mine) || fstatat(d->procfd, "ns/ipc", &theirs, 0))
		return xc_fail(d->ctx, d->pid, "IPC namespace", "stat", -errno);
	*same = mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
	return 0;
}

/* A segment first seen at VMA k of d: what IPC_STAT says of it. */
static int add(struct xc_tree *t, struct xc_dump *d, size_t k, struct xc_sysvshm **out)
{
	const struct xc_vma *v = &d->vmas[k];
	struct xc_sysvshm *s, *ns;
	struct shmid_ds ds;
	bool same = false;
	int err = same_ipc_ns(d, &same);

	if (err)
		return err;
	ns = realloc(t->shms, (t->nr_shms + 1) * sizeof(*ns));
	if (!ns)
		return xc_fail(t->ctx, d->pid, "System V segments", "allocate", -ENOMEM);
	t->shms = ns;
	s = &t->shms[t->nr_shms++];
	memset(s, 0, sizeof(*s));
	s->rec.id = (uint32_t)v->ino;
	s->rec.key = name_key(v->path);
	s->pid = d->pid;
	s->vma = k;
	if (!same)
		return refuse(t->ctx, d->pid, s, "attached in another IPC namespace: not supported");
	if (shmctl((int)s->rec.id, IPC_STAT, &ds) < 0)
		return xc_failf(t->ctx, d->pid, "shmctl IPC_STAT", -errno,
				"System V segment %u (key %#x)", s->rec.id, (unsigned)s->rec.key);
	s->rec.size = ds.shm_segsz;
	s->rec.mode = ds.shm_perm.mode & 0777;
	s->rec.flags = (ds.shm_perm.mode & SHM_DEST ? XC_SHM_RMID : 0) |
		       (ds.shm_perm.mode & SHM_LOCKED ? XC_SHM_LOCKED : 0);
	s->rec.uid = ds.shm_perm.uid;
	s->rec.gid = ds.shm_perm.gid;
	s->rec.cuid = ds.shm_perm.cuid;
	s->rec.cgid = ds.shm_perm.cgid;
	s->nattch = ds.shm_nattch;
	/* A live segment answers to the key of its name. */
	if (!(s->rec.flags & XC_SHM_RMID) && ds.shm_perm.__key != s->rec.key)
		return refuse(t->ctx, d->pid, s, "key differs from the one in its name");
	*out = s;
	return 0;
}

static bool page_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Appends len bytes at off of the segment to s->data, as a new extent or
 * growing the last one when it ends at off. */
static int append(struct xc_sysvshm *s, uint64_t off, const uint8_t *p, size_t len)
{
	struct xc_sysvshm_extent *last = s->last_ext ?
		(struct xc_sysvshm_extent *)(s->data + s->last_ext - 1) : NULL;
	size_t need = s->rec.data_len + len + (last && last->off + last->len == off ? 0 : sizeof(*last));
	uint8_t *nd;

	if (need > XC_REC_MAX_LEN - sizeof(s->rec))
		return -EFBIG;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : (1u << 20);
		while (cap < need)
			cap *= 2;
		nd = realloc(s->data, cap);
		if (!nd)
			return -ENOMEM;
		s->data = nd;
		s->cap = cap;
		last = s->last_ext ? (struct xc_sysvshm_extent *)(s->data + s->last_ext - 1) : NULL;
	}
	if (!last || last->off + last->len != off) {
		last = (struct xc_sysvshm_extent *)(s->data + s->rec.data_len);
		*last = (struct xc_sysvshm_extent){ .off = off, .len = 0 };
		s->last_ext = s->rec.data_len + 1;
		s->rec.data_len += sizeof(*last);
		s->rec.nr_extents++;
	}
	memcpy(s->data + s->rec.data_len, p, len);
	s->rec.data_len += len;
	last->len += len;
	return 0;
}

/* The content, hole by hole (SEEK_DATA/SEEK_HOLE), all-zero pages left
 * out: they read as zero in a new segment. */
static int read_content(struct xc_tree *t, struct xc_dump *d, struct xc_sysvshm *s)
{
	const struct xc_vma *v = &d->vmas[s->vma];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), bufsz = 256 * page;
	uint8_t *buf = malloc(bufsz);
	char link[64];
	struct statfs sf;
	off_t data, hole;
	int fd, err = 0;

	snprintf(link, sizeof(link), "map_files/%llx-%llx", (unsigned long long)v->start,
		 (unsigned long long)v->end);
	fd = openat(d->procfd, link, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0) {
		err = buf ? -errno : -ENOMEM;
		free(buf);
		if (fd >= 0)
			close(fd);
		return xc_failf(t->ctx, d->pid, "open through map_files", err,
				"System V segment %u (key %#x)", s->rec.id, (unsigned)s->rec.key);
	}
	if (!fstatfs(fd, &sf) && sf.f_type == HUGETLBFS_MAGIC_) {
		err = refuse(t->ctx, d->pid, s, "SHM_HUGETLB segments are not supported yet");
		goto out;
	}
	for (data = 0; !err && (uint64_t)data < s->rec.size; data = hole) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0 || (uint64_t)data >= s->rec.size)
			break;		/* ENXIO: no data up to the end */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > s->rec.size)
			hole = (off_t)s->rec.size;
		for (off_t o = data; !err && o < hole; ) {
			size_t n = (uint64_t)(hole - o) < bufsz ? (size_t)(hole - o) : bufsz;
			ssize_t r = pread(fd, buf, n, o);

			if (r != (ssize_t)n) {
				err = xc_failf(t->ctx, d->pid, "read", r < 0 ? -errno : -EIO,
					       "System V segment %u (key %#x)", s->rec.id,
					       (unsigned)s->rec.key);
				break;
			}
			for (size_t p = 0; !err && p < n; p += page) {
				size_t l = n - p < page ? n - p : page;

				if (page_zero(buf + p, l))
					continue;
				err = append(s, (uint64_t)o + p, buf + p, l);
				if (err == -EFBIG)
					err = refuse(t->ctx, d->pid, s,
						     "content larger than an image record (1 GiB)");
				else if (err)
					err = xc_fail(t->ctx, d->pid, "System V segment", "allocate",
						      err);
			}
			o += (off_t)n;
		}
	}
out:
	free(buf);
	close(fd);
	return err;
}

int xc_tree_sysvshm(struct xc_tree *t)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int err = 0;

	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;

		for (size_t k = 0; d && !err && k < d->nr_vmas; k++) {
			struct xc_sysvshm *s = NULL;

			if (d->vma_kind[k] != XC_VMA_SYSVSHM || find(t, (uint32_t)d->vmas[k].ino))
				continue;
			err = add(t, d, k, &s);
			if (!err)
				err = read_content(t, d, s);
		}
	}
	/* Every attachment whole, and every one of them in the tree. */
	for (size_t k = 0; !err && k < t->nr_shms; k++) {
		struct xc_sysvshm *s = &t->shms[k];
		uint64_t held = 0;

		for (size_t i = 0; !err && i < t->nr; i++) {
			struct xc_dump *d = t->p[i].d;
			uint32_t n;
			size_t bad;

			if (!d)
				continue;
			if (xc_sysvshm_layout(d->vmas, d->vma_kind, d->nr_vmas, s->rec.id, s->rec.size,
					      page, &n, &bad)) {
				d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
				err = xc_failf(t->ctx, d->pid, "attached in part (a piece unmapped or "
					       "moved): not supported", -ENOTSUP,
					       "System V segment %u (mapping %llx-%llx)", s->rec.id,
					       (unsigned long long)d->vmas[bad].start,
					       (unsigned long long)d->vmas[bad].end);
			}
			held += n;
		}
		/* shm_nattch counts mappings: each VMA of an attachment. */
		if (!err && s->nattch > held) {
			char why[128];
			snprintf(why, sizeof(why), "also attached outside the dump (%llu mappings, "
				 "%llu in the tree): not supported", (unsigned long long)s->nattch,
				 (unsigned long long)held);
			err = refuse(t->ctx, s->pid, s, why);
		} else if (!err && s->nattch < held) {
			err = refuse(t->ctx, s->pid, s, "mapped other than by shmat: not supported");
		}
	}
	return err;
}

int xc_tree_write_sysvshm(struct xc_tree *t, struct xc_imgw *w)
{
	int err = 0;

	for (size_t i = 0; !err && i < t->nr_shms; i++)
		err = xc_imgw_put2(t->ctx, w, XC_REC_SYSVSHM, &t->shms[i].rec,
				   sizeof(t->shms[i].rec), t->shms[i].data, t->shms[i].rec.data_len);
	return err;
}

void xc_tree_sysvshm_free(struct xc_tree *t)
{
	for (size_t i = 0; i < t->nr_shms; i++)
		free(t->shms[i].data);
	free(t->shms);
	t->shms = NULL;
	t->nr_shms = 0;
}
