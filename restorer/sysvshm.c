/* System V shared memory (parent side): the SYSVSHM records of
 * inventory.img, checked at load; each segment made again before any
 * process exists, with its id (through /proc/sys/kernel/shm_next_id), key,
 * size, mode, owner and creator, filled with its content; the blob of every
 * process then attaches it at its addresses (shmat with SHM_REMAP, and
 * SHM_RDONLY where the attachment was read-only); once every process is
 * back, the segments that were marked for removal are marked again.
 *
 * A segment that still exists with the same id, key, size and creator and
 * that nothing has attached is the dumped one, left behind when the tree
 * was killed (segments outlive their processes): it is taken again, its
 * content, mode and owner set back to the image's. Any other segment
 * holding the id or the key refuses the restore before anything is made. */
#define LOG_PREFIX "sysvshm: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#define NEXT_ID "/proc/sys/kernel/shm_next_id"

enum { SHM_NEW, SHM_REUSED, SHM_MADE };

/* A record alone: its extents inside the record and the segment, in
 * order, and the fields in range. Pure, for the unit tests. */
bool rst_sysvshm_ok(const struct xc_rec_sysvshm *s, uint32_t len, size_t page)
{
	const uint8_t *p = (const uint8_t *)(s + 1);
	uint64_t left, end = 0;

	if (len < sizeof(*s) || s->data_len != len - sizeof(*s) || !s->size ||
	    s->size > (1ull << 46) || s->mode & ~0777u || s->flags & ~(XC_SHM_RMID | XC_SHM_LOCKED) ||
	    s->id > INT32_MAX)
		return false;
	left = s->data_len;
	for (uint32_t i = 0; i < s->nr_extents; i++) {
		struct xc_sysvshm_extent e;

		if (left < sizeof(e))
			return false;
		memcpy(&e, p, sizeof(e));
		p += sizeof(e);
		left -= sizeof(e);
		if (!e.len || e.len > left || e.off % page || e.off < end || e.off + e.len > s->size ||
		    e.off + e.len < e.off)
			return false;
		end = e.off + e.len;
		p += e.len;
		left -= e.len;
	}
	return left == 0;
}

int rst_sysvshm_take(struct xc_rtree *t, const void *p, uint32_t len)
{
	const struct xc_rec_sysvshm *s = p, **n;

	if (!rst_sysvshm_ok(s, len, (size_t)sysconf(_SC_PAGESIZE)))
		return -EBADMSG;
	for (size_t i = 0; i < t->nr_sysv; i++)
		if (t->sysv[i]->id == s->id || (s->key && t->sysv[i]->key == s->key))
			return -EBADMSG;
	n = realloc(t->sysv, (t->nr_sysv + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->sysv = n;
	t->sysv[t->nr_sysv++] = s;
	return 0;
}

static const struct xc_rec_sysvshm *find(const struct xc_rtree *t, uint32_t id)
{
	for (size_t i = 0; i < t->nr_sysv; i++)
		if (t->sysv[i]->id == id)
			return t->sysv[i];
	return NULL;
}

/* A process's attachments: each names a segment of the image and is whole
 * (5.6): a run of VMAs from offset 0 to the segment's size in pages, at
 * consecutive addresses and offsets. */
bool rst_sysvshm_vmas_ok(const struct xc_rst *r, size_t page)
{
	const struct xc_rec_vma *head = NULL;
	uint64_t whole = 0;

	for (size_t i = 0; i < r->nr_vmas; i++) {
		const struct xc_rec_vma *v = r->vmas[i];
		const struct xc_rec_sysvshm *s;
		bool cont = head && v->kind == XC_VMA_SYSVSHM && v->shm_ino == head->shm_ino &&
			    v->start == r->vmas[i - 1]->end && v->pgoff == v->start - head->start;

		if (head && !cont) {
			if (r->vmas[i - 1]->end - head->start != whole)
				return false;
			head = NULL;
		}
		if (v->kind != XC_VMA_SYSVSHM || cont)
			continue;
		s = find(r->tree, v->shm_ino);
		if (!s || v->pgoff || v->file_id)
			return false;
		head = v;
		whole = (s->size + page - 1) / page * page;
	}
	return !head || r->vmas[r->nr_vmas - 1]->end - head->start == whole;
}

static int fail(struct xc_rtree *t, const struct xc_rec_sysvshm *s, const char *step, int err)
{
	return xc_failf(t->ctx, 0, step, err, "System V segment %u (key %#x)", s->id,
			(unsigned)s->key);
}

/* Whether the id can be taken again: free, or held by the dumped segment
 * itself, unattached (*reuse). */
static int check_one(struct xc_rtree *t, const struct xc_rec_sysvshm *s, bool *reuse)
{
	struct shmid_ds ds;
	int other;

	*reuse = false;
	if (shmctl((int)s->id, IPC_STAT, &ds) == 0) {
		char why[96];

		if (ds.shm_perm.__key != s->key || ds.shm_segsz != s->size ||
		    ds.shm_perm.cuid != s->cuid || ds.shm_perm.cgid != s->cgid)
			return fail(t, s, "id is taken by another segment", -EEXIST);
		if (ds.shm_nattch || (ds.shm_perm.mode & SHM_DEST)) {
			snprintf(why, sizeof(why), "still attached (%lu mappings: do the dumped "
				 "processes run?)", (unsigned long)ds.shm_nattch);
			return fail(t, s, why, -EBUSY);
		}
		*reuse = true;
		return 0;
	}
	if (errno != EINVAL && errno != EIDRM)
		return fail(t, s, "shmctl IPC_STAT", -errno);
	if (s->key && (other = shmget(s->key, 0, 0)) >= 0) {
		char why[80];
		snprintf(why, sizeof(why), "key is taken by segment %d", other);
		return fail(t, s, why, -EEXIST);
	}
	return 0;
}

static int write_next_id(const char *val)
{
	int fd = open(NEXT_ID, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	close(fd);
	return err;
}

/* shmget as the segment's creator: this thread alone takes its uid and gid
 * for the call (the raw system calls change one thread's credentials;
 * xckpt runs nothing else meanwhile), so that cuid and cgid are the
 * original ones. */
static int get_as_creator(const struct xc_rec_sysvshm *s)
{
	uid_t eu = geteuid();
	gid_t eg = getegid();
	bool as = eu == 0 && (s->cuid != eu || s->cgid != eg);
	int id, err = 0;

	if (as && (syscall(SYS_setresgid, -1, s->cgid, -1) || syscall(SYS_setresuid, -1, s->cuid, -1)))
		err = -errno;
	id = err ? -1 : shmget(s->key, s->size, IPC_CREAT | IPC_EXCL | (int)s->mode);
	if (id < 0 && !err)
		err = -errno;
	if (as) {
		syscall(SYS_setresuid, -1, eu, -1);
		syscall(SYS_setresgid, -1, eg, -1);
	}
	return err ? err : id;
}

/* A new segment with the recorded id: the kernel takes the id from
 * shm_next_id for the next segment made in this IPC namespace. */
static int make(struct xc_rtree *t, const struct xc_rec_sysvshm *s)
{
	char want[16], old[16] = "-1";
	int fd, id, err;
	ssize_t n;

	fd = open(NEXT_ID, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(t, s, "open " NEXT_ID " (making a segment with its id needs root)", -errno);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	old[n > 0 ? n : 2] = 0;
	snprintf(want, sizeof(want), "%u", s->id);
	err = write_next_id(want);
	if (err)
		return fail(t, s, "write " NEXT_ID " (making a segment with its id needs root)", err);
	id = get_as_creator(s);
	write_next_id(old);
	if (id < 0)
		return fail(t, s, "shmget", id);
	if ((uint32_t)id != s->id) {
		shmctl(id, IPC_RMID, NULL);
		return fail(t, s, "shmget gave another id (a segment made meanwhile?)", -EEXIST);
	}
	return 0;
}

/* Mode, owner, lock and content, as dumped. */
static int set_up(struct xc_rtree *t, const struct xc_rec_sysvshm *s, bool reused)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const uint8_t *p = (const uint8_t *)(s + 1);
	struct shmid_ds ds;
	uint8_t *m;

	if (shmctl((int)s->id, IPC_STAT, &ds))
		return fail(t, s, "shmctl IPC_STAT", -errno);
	ds.shm_perm.uid = s->uid;
	ds.shm_perm.gid = s->gid;
	ds.shm_perm.mode = s->mode;
	if (shmctl((int)s->id, IPC_SET, &ds))
		return fail(t, s, "shmctl IPC_SET", -errno);
	m = shmat((int)s->id, NULL, 0);
	if (m == (void *)-1)
		return fail(t, s, "shmat", -errno);
	/* A segment taken again holds what was written after the dump. */
	if (reused && madvise(m, (s->size + page - 1) / page * page, MADV_REMOVE)) {
		int err = -errno;
		shmdt(m);
		return fail(t, s, "clear (madvise MADV_REMOVE)", err);
	}
	for (uint32_t i = 0; i < s->nr_extents; i++) {
		struct xc_sysvshm_extent e;

		memcpy(&e, p, sizeof(e));
		memcpy(m + e.off, p + sizeof(e), e.len);
		p += sizeof(e) + e.len;
	}
	shmdt(m);
	if ((s->flags & XC_SHM_LOCKED) && shmctl((int)s->id, SHM_LOCK, NULL))
		return fail(t, s, "shmctl SHM_LOCK", -errno);
	if (!(s->flags & XC_SHM_LOCKED) && (ds.shm_perm.mode & SHM_LOCKED) &&
	    shmctl((int)s->id, SHM_UNLOCK, NULL))
		return fail(t, s, "shmctl SHM_UNLOCK", -errno);
	return 0;
}

int rst_sysvshm_create(struct xc_rtree *t)
{
	bool reuse;
	int err = 0;

	if (!t->nr_sysv)
		return 0;
	t->sysv_state = calloc(t->nr_sysv, 1);
	if (!t->sysv_state)
		return xc_fail(t->ctx, 0, "System V segments", "allocate", -ENOMEM);
	/* Every id and key first: nothing is made if one is taken. */
	for (size_t i = 0; !err && i < t->nr_sysv; i++) {
		err = check_one(t, t->sysv[i], &reuse);
		t->sysv_state[i] = reuse ? SHM_REUSED : SHM_NEW;
	}
	for (size_t i = 0; !err && i < t->nr_sysv; i++) {
		if (t->sysv_state[i] == SHM_NEW) {
			err = make(t, t->sysv[i]);
			if (!err)
				t->sysv_state[i] = SHM_MADE;
		}
		if (!err)
			err = set_up(t, t->sysv[i], t->sysv_state[i] == SHM_REUSED);
	}
	return err;
}

/* Every process has attached its segments: those that were marked for
 * removal are marked again, and go with their last attachment. */
int rst_sysvshm_finish(struct xc_rtree *t)
{
	for (size_t i = 0; i < t->nr_sysv; i++)
		if ((t->sysv[i]->flags & XC_SHM_RMID) && shmctl((int)t->sysv[i]->id, IPC_RMID, NULL))
			return fail(t, t->sysv[i], "shmctl IPC_RMID", -errno);
	return 0;
}

/* A failed restore removes the segments it made (their processes are
 * killed: each goes with its last attachment). */
void rst_sysvshm_undo(struct xc_rtree *t)
{
	for (size_t i = 0; t->sysv_state && i < t->nr_sysv; i++)
		if (t->sysv_state[i] == SHM_MADE)
			shmctl((int)t->sysv[i]->id, IPC_RMID, NULL);
}
