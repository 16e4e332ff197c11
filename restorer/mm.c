/* Memory. Child side: lay out the blob's region (code, args, VMA list,
 * per thread an rt_sigreturn frame and a stack) in a hole of the target's address space that
 * is free here too, and jump into it. Parent side: write the pages into the
 * new task's mappings while the blob waits at its first trap. */
#define LOG_PREFIX "mm: "
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/blob.h"
#include "common/crc32c.h"
#include "common/log.h"
#include "common/zpool.h"
#include "restorer/rst.h"

extern const char xc_restorer_elf[], xc_restorer_elf_end[];

#define RST_STACK (64u << 10)

#ifndef PR_SET_VMA		/* Linux 5.17; older headers */
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

struct layout {
	size_t args, vmas, groups, sigs, fds, locks, auxv, filters, threads, frames, tstacks, stack,
	       size;
};

static size_t align(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

static void plan(const struct xc_rst *r, size_t blob_size, struct layout *l)
{
	size_t o = blob_size;

	l->args = o;
	o = align(o + sizeof(struct rst_args), 64);
	l->vmas = o;
	o = align(o + r->nr_vmas * sizeof(struct rst_vma), 64);
	l->groups = o;
	o = align(o + 64 * sizeof(uint32_t), 64);
	l->sigs = o;
	o = align(o + r->nr_sigs * sizeof(struct xc_rst_siginfo), 64);
	l->fds = o;
	o = align(o + (r->nr_files + r->tree->nr_shms + 1) * sizeof(int32_t), 64);
	l->locks = o;
	o = align(o + rst_locks_nr_posix(r) * sizeof(struct rst_lock), 64);
	l->auxv = o;
	o = align(o + r->auxv_len, 64);
	l->filters = o;
	o = align(o + rst_seccomp_size(r), 64);
	l->threads = o;
	o = align(o + r->nr_thr * sizeof(struct rst_thread), 64);
	l->frames = o;
	for (size_t i = 0; i < r->nr_thr; i++)
		o = align(o + arch_sigframe_size(r->thr[i].xstate_hdr->size), 64);
	l->tstacks = align(o, 64);
	o = l->tstacks + (r->nr_thr - 1) * (size_t)RST_THREAD_STACK;
	l->stack = o;
	o += RST_STACK;
	l->size = align(o, (size_t)sysconf(_SC_PAGESIZE));
}

static void *try_at(uint64_t addr, size_t size)
{
	void *p = mmap((void *)(uintptr_t)addr, size, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (p != (void *)(uintptr_t)addr) {	/* old kernels ignore the flag */
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* A hole in the target's layout that is also free in ours. */
static void *place(const struct xc_rst *r, size_t size)
{
	uint64_t lo = 1ULL << 24, page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i <= r->nr_vmas; i++) {
		uint64_t hi = i < r->nr_vmas ? r->vmas[i]->start : ARCH_TASK_SIZE - page;
		void *p;

		if (hi > lo + size + 2 * page) {
			uint64_t top = (hi - size - page) & ~(page - 1);
			if ((p = try_at(top, size)) || (p = try_at(lo + page, size)) ||
			    (p = try_at(((lo + hi) / 2) & ~(page - 1), size)))
				return p;
		}
		if (i < r->nr_vmas && r->vmas[i]->end > lo)
			lo = r->vmas[i]->end;
	}
	return NULL;
}

static void fill_vmas(struct xc_rst *r, struct rst_vma *out, uint32_t *n)
{
	size_t run = 0, page = sysconf(_SC_PAGESIZE);

	*n = 0;
	for (size_t i = 0; i < r->nr_vmas; i++) {
		const struct xc_rec_vma *v = r->vmas[i];
		struct rst_vma *o;

		if (v->kind == XC_VMA_VDSO || v->kind == XC_VMA_VVAR)
			continue;
		o = &out[(*n)++];
		memset(o, 0, sizeof(*o));
		o->start = v->start;
		o->end = v->end;
		o->prot = v->prot;
		o->vmflags = v->vmflags;
		o->fd = v->file_id ? r->file_fds[v->file_id - 1] : -1;
		o->pgoff = v->file_id ? v->pgoff : 0;
		switch (v->kind) {
		case XC_VMA_ANON:
			o->mflags = MAP_PRIVATE | MAP_ANONYMOUS |
				    (v->flags & XC_VMA_F_GROWSDOWN ? MAP_GROWSDOWN : 0);
			break;
		case XC_VMA_SHANON:
			o->fd = rst_shmem_fd(r, v);
			o->pgoff = o->fd >= 0 ? v->pgoff : 0;
			o->mflags = MAP_SHARED | (o->fd >= 0 ? 0 : MAP_ANONYMOUS);
			break;
		case XC_VMA_FILE_PRIV:
			o->mflags = MAP_PRIVATE;
			break;
		case XC_VMA_SYSVSHM:
			/* Whole attachments (image.c checked): the head
			 * attaches, its content is the segment's. */
			o->fd = (int32_t)v->shm_ino;
			o->shm = (v->pgoff ? RST_SHM_PART : RST_SHM_HEAD) |
				 (v->flags & XC_VMA_F_MAYWRITE ? 0 : RST_SHM_RDONLY);
			break;
		default:
			o->mflags = MAP_SHARED;
		}
		if (v->vmflags & XC_VMF_NORESERVE)
			o->mflags |= MAP_NORESERVE;
		/* One fd of an object made by xckpt is on hugetlbfs already. */
		if (v->hpage_shift && o->fd < 0)
			o->mflags |= MAP_HUGETLB | v->hpage_shift << MAP_HUGE_SHIFT;
		static_assert(sizeof(o->name) == sizeof(v->name), "VMA name sizes");
		memcpy(o->name, v->name, sizeof(o->name));
		while (run < r->nr_runs && r->runs[run].vaddr + r->runs[run].nr_pages * page <= v->start)
			run++;
		o->fill = run < r->nr_runs && r->runs[run].vaddr < v->end;
		if (o->fill && rst_lazy_vma(r, v)) {
			o->fill = 0;
			o->lazy = 1;
		}
	}
}

static void fill_args(struct xc_rst *r, char *base, const struct layout *l, struct rst_args *a)
{
	const struct xc_rec_mm *mm = r->mm;
	int32_t *fds = (int32_t *)(base + l->fds);

	memset(a, 0, sizeof(*a));
	a->self_start = (uint64_t)(uintptr_t)base;
	a->self_end = a->self_start + l->size;
	a->task_size = ARCH_TASK_SIZE;
	a->vvar_start = r->vdso ? r->vdso->vvar_start : 0;
	a->vmas = a->self_start + l->vmas;
	fill_vmas(r, (struct rst_vma *)(base + l->vmas), &a->nr_vmas);
	a->uffd_features = rst_lazy_features((struct rst_vma *)(base + l->vmas), a->nr_vmas,
					     &a->lazy);
	a->tgid = (uint32_t)r->pid;

	a->mm = (struct rst_mm_map){ mm->start_code, mm->end_code, mm->start_data, mm->end_data,
				     mm->start_brk, mm->brk, mm->start_stack, mm->arg_start,
				     mm->arg_end, mm->env_start, mm->env_end,
				     a->self_start + l->auxv, r->auxv_len,
				     mm->exe_file ? (uint32_t)r->file_fds[mm->exe_file - 1] : (uint32_t)-1 };
	memcpy(base + l->auxv, r->auxv, r->auxv_len);
	memcpy(a->rl, r->rlimits->rl, sizeof(a->rl));

	if (geteuid() == 0) {
		const struct xc_rec_creds *c = r->creds;
		a->set_creds = 1;
		a->uid[0] = c->uid; a->uid[1] = c->euid; a->uid[2] = c->suid; a->uid[3] = c->fsuid;
		a->gid[0] = c->gid; a->gid[1] = c->egid; a->gid[2] = c->sgid; a->gid[3] = c->fsgid;
		a->nr_groups = c->nr_groups < 64 ? c->nr_groups : 64;
		memcpy(base + l->groups, c->groups, a->nr_groups * sizeof(uint32_t));
		a->groups = a->self_start + l->groups;
		a->cap_eff = c->cap_eff;
		a->cap_prm = c->cap_prm;
		a->cap_inh = c->cap_inh;
		a->cap_amb = c->cap_amb;
		a->cap_bnd = c->cap_bnd;
	}
	/* Not root: whatever capabilities xckpt holds are its own, and the
	 * process had none (rst_attrs_check()). */
	a->drop_caps = geteuid() != 0;
	a->no_new_privs = r->creds->no_new_privs;
	for (size_t i = 0; i < r->nr_sigs; i++)
		memcpy(base + l->sigs + i * sizeof(struct xc_rst_siginfo), r->sigs[i],
		       sizeof(struct xc_rst_siginfo));
	a->siginfos = a->self_start + l->sigs;
	a->nr_siginfos = (uint32_t)r->nr_sigs;
	for (size_t i = 0; i < r->nr_files; i++)
		fds[a->nr_fds++] = r->file_fds[i];
	for (size_t i = 0; r->shm_fds && i < r->tree->nr_shms; i++)
		if (r->shm_fds[i] >= 0)
			fds[a->nr_fds++] = r->shm_fds[i];
	fds[a->nr_fds++] = r->errfd;
	a->fds = a->self_start + l->fds;
	rst_seccomp_fill(r, base + l->filters, a->self_start + l->filters, a);
	rst_locks_posix(r, (struct rst_lock *)(base + l->locks));
	a->locks = a->self_start + l->locks;
	a->nr_locks = (uint32_t)rst_locks_nr_posix(r);
	a->mlockall = r->task_attrs->mlockall;
	a->dumpable = r->task_attrs->dumpable;
	a->set_futex_hash = !!(r->task_attrs->flags & XC_TA_FUTEX_HASH);
	a->futex_hash = r->task_attrs->futex_hash_slots;
	memcpy(&a->trap_sa, &r->sigactions->sa[SIGTRAP - 1], sizeof(a->trap_sa));
	for (int w = 0; w < 3; w++) {
		int64_t iv = r->itimers->it[w].interval_us, v = r->itimers->it[w].value_us;

		/* A periodic timer caught expired, its SIGALRM pending (the
		 * kernel re-arms it when the signal is dequeued), reads as
		 * value 0 with its interval: it is armed and due. setitimer()
		 * with value 0 would disarm it; one period from now is when
		 * it fires again. */
		if (!v && iv)
			v = iv;
		a->it[w].interval_sec = iv / 1000000;
		a->it[w].interval_usec = iv % 1000000;
		a->it[w].value_sec = v / 1000000;
		a->it[w].value_usec = v % 1000000;
	}
}

/* Per thread: its rt_sigreturn frame, its blob stack (not the leader's,
 * which uses the blob's own) and what the thread sets for itself. */
static int fill_threads(struct xc_rst *r, char *base, const struct layout *l, struct rst_args *a)
{
	struct rst_thread *out = (struct rst_thread *)(base + l->threads);
	size_t frame = l->frames;

	a->threads = a->self_start + l->threads;
	a->nr_threads = (uint32_t)r->nr_thr;
	for (size_t i = 0; i < r->nr_thr; i++) {
		const struct xc_rst_thread *t = &r->thr[i];
		const struct xc_rec_thread *rec = t->rec;
		struct rst_thread *o = &out[i];
		stack_t ss;
		uint64_t sp;
		int err;

		memset(o, 0, sizeof(*o));
		ss.ss_sp = (void *)(uintptr_t)rec->ss_sp;
		ss.ss_size = rec->ss_size;
		ss.ss_flags = (int)rec->ss_flags;
		err = arch_sigframe_build(base + frame, (uint64_t)(uintptr_t)(base + frame), t->regs,
					  t->xstate, t->xstate_hdr->size, t->xstate_hdr->features,
					  rec->sigmask, &ss, &sp);
		if (err) {
			char obj[48];
			snprintf(obj, sizeof(obj), "registers of thread %u", rec->tid);
			return rst_child_fail(r, obj, "build signal frame", err);
		}
		frame = align(frame + arch_sigframe_size(t->xstate_hdr->size), 64);
		o->tid = rec->tid;
		o->sigframe_sp = sp;
		o->stack = i ? a->self_start + l->tstacks + (i - 1) * (size_t)RST_THREAD_STACK : 0;
		arch_regs_tls(t->regs, o->tls);
		o->clear_child_tid = rec->clear_child_tid;
		o->robust_list = rec->robust_list;
		o->robust_len = rec->robust_len;
		o->rseq_ptr = rec->rseq_ptr;
		o->rseq_len = rec->rseq_len;
		o->rseq_sig = rec->rseq_sig;
		o->sched_policy = rec->sched_policy;
		o->sched_priority = rec->sched_priority;
		o->nice = rec->nice;
		o->timer_slack_ns = rec->timer_slack_ns;
		o->util_min = rec->util_min;
		o->util_max = rec->util_max;
		o->ioprio = rec->ioprio;
		o->tsc = rec->tsc;
		o->mce_kill = rec->mce_kill;
		for (int w = 0; w < 3; w++)
			o->spec[w] = rst_spec_state(rec->spec[w]);
		o->pdeathsig = rec->pdeathsig;
		o->mempolicy = rec->mempolicy;
		o->mempolicy_nodes = rec->mempolicy_nodes;
		o->keepcaps = rec->securebits & 0x10 /* SECBIT_KEEP_CAPS */ ? 1 : 0;
		memcpy(o->comm, rec->comm, sizeof(o->comm));
		memcpy(o->affinity, rec->affinity, sizeof(o->affinity));
	}
	return 0;
}

int rst_mm_switch(struct xc_rst *r)
{
	struct xc_rst_msg msg = { .type = 1 };
	struct xc_blob blob;
	struct layout l;
	struct rst_args *a;
	const char *why;
	int64_t entry, sys;
	char *base;
	int err;

	err = xc_blob_load(xc_restorer_elf, xc_restorer_elf_end - xc_restorer_elf, &blob, &why);
	if (err)
		return rst_child_fail(r, "restorer blob", why, err);
	entry = xc_blob_sym(&blob, "xc_restorer_entry");
	sys = xc_blob_sym(&blob, "xc_restorer_syscall");
	if (entry < 0 || sys < 0)
		return rst_child_fail(r, "restorer blob", "find entry", -ENOEXEC);
	plan(r, blob.size, &l);
	base = place(r, l.size);
	if (!base)
		return rst_child_fail(r, "address space", "find room for the restorer", -ENOMEM);
	xc_blob_place(&blob, base, (uint64_t)(uintptr_t)base);
	a = (struct rst_args *)(base + l.args);
	fill_args(r, base, &l, a);
	err = fill_threads(r, base, &l, a);
	if (err)
		return err;
	msg.blob_base = a->self_start;
	msg.blob_size = l.size;
	msg.args_addr = a->self_start + l.args;
	msg.syscall_addr = a->self_start + sys;
	if (write(r->errfd, &msg, sizeof(msg)) != sizeof(msg))
		return rst_child_fail(r, "parent pipe", "write", -EPIPE);
	rst_rseq_unregister_self();
	arch_blob_jump(a->self_start + entry, msg.args_addr, a->self_start + l.stack + RST_STACK);
}

/* Where the pages come from. A full image: its own stream, run by run. An
 * incremental one: its stream for the pages that changed, the images below
 * for the others (XC_RUN_PARENT runs), resolved here once into segments of
 * at most one block each, so that the fill needs no lookups. */
/* The tree parent of r in the image, NULL for a root. */
static const struct xc_rst *tree_parent(const struct xc_rst *r)
{
	for (size_t i = 0; r->rec->ppid && i < r->tree->nr; i++)
		if (r->tree->procs[i].rec->pid == r->rec->ppid)
			return &r->tree->procs[i];
	return NULL;
}

/* A full image whose runs keep pages in the parent process (XC_RUN_FORKED):
 * the levels are the process, its parent, its parent's parent..., each
 * with its own page stream; pages shared since fork are read from the
 * nearest one that stored them. */
static int fork_chain(struct xc_rst *r)
{
	struct xc_plevel *lv = NULL;
	uint64_t **first = NULL, bad;
	size_t n = 0, page = sysconf(_SC_PAGESIZE);
	const struct xc_rst *p;
	int err = 0;

	for (p = r; p; p = tree_parent(p))
		n++;
	lv = calloc(n, sizeof(*lv));
	first = calloc(n, sizeof(*first));
	r->fork_src = calloc(n, sizeof(*r->fork_src));
	if (!lv || !first || !r->fork_src)
		err = -ENOMEM;
	n = 0;
	for (p = r; !err && p; p = tree_parent(p), n++) {
		r->fork_src[n] = p;
		first[n] = malloc((p->nr_runs + 1) * sizeof(**first));
		if (!first[n]) {
			err = -ENOMEM;
			break;
		}
		xc_runs_prefix(p->runs, p->nr_runs, first[n], NULL);
		lv[n] = (struct xc_plevel){ p->runs, p->nr_runs, first[n] };
	}
	r->nr_fork_src = n;
	if (!err)
		err = xc_chain_resolve(lv, n, page, &r->segs, &r->nr_segs, &bad);
	if (err == -EBADMSG) {
		r->ctx->exit_hint = XC_EXIT_IMAGE;
		err = xc_failf(r->ctx, r->pid, "page kept in the parent process is not there",
			       -EBADMSG, "pages at %#llx", (unsigned long long)bad);
	} else if (err) {
		err = xc_fail(r->ctx, r->pid, "pages", "allocate", err);
	}
	for (size_t i = 0; first && i < n; i++)
		free(first[i]);
	free(first);
	free(lv);
	for (size_t i = 0; !err && i < r->nr_segs; i++)
		r->seg_pages += r->segs[i].nr_pages;
	return err;
}

int rst_mm_chain(struct xc_rst *r, const char *parent_dir, const struct xc_rec_parent *par)
{
	struct xc_plevel lv[XC_CHAIN_MAX + 1];
	uint64_t *first = malloc((r->nr_runs + 1) * sizeof(*first)), bad;
	size_t page = sysconf(_SC_PAGESIZE);
	bool in_parent = false;
	int err = 0;

	if (!first)
		return xc_fail(r->ctx, r->pid, "pages", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_runs; i++)
		if (r->runs[i].flags & XC_RUN_FORKED) {
			free(first);
			/* Chains descend through images, forks through processes:
			 * never both (image-format.md, 6.7). */
			if (par) {
				r->ctx->exit_hint = XC_EXIT_IMAGE;
				return xc_failf(r->ctx, r->pid, "pages kept in the parent process in "
						"an incremental image", -EBADMSG, "proc-%d.img",
						r->pid);
			}
			return fork_chain(r);
		}
	xc_runs_prefix(r->runs, r->nr_runs, first, NULL);
	lv[0] = (struct xc_plevel){ r->runs, r->nr_runs, first };
	for (size_t i = 0; i < r->nr_runs; i++)
		in_parent |= !!(r->runs[i].flags & XC_RUN_PARENT);
	/* A process with no page in the parents (one new since) needs none of
	 * them; one that has pages there without a parent fails below. */
	if (par && in_parent) {
		r->chain = calloc(XC_CHAIN_MAX, sizeof(*r->chain));
		if (!r->chain)
			err = xc_fail(r->ctx, r->pid, "pages", "allocate", -ENOMEM);
		if (!err)
			err = xc_chain_open(r->ctx, r->chain, &r->nr_chain, parent_dir, par, r->pid,
					    true);
		for (size_t i = 0; !err && i < r->nr_chain; i++)
			lv[i + 1] = (struct xc_plevel){ r->chain[i].runs, r->chain[i].nr_runs,
							r->chain[i].stream_first };
	}
	if (!err)
		err = xc_chain_resolve(lv, r->nr_chain + 1, page, &r->segs, &r->nr_segs, &bad);
	if (err == -EBADMSG) {
		r->ctx->exit_hint = XC_EXIT_IMAGE;
		err = xc_failf(r->ctx, r->pid, "page kept in the parent is in no parent image",
			       -EBADMSG, "image chain at %#llx", (unsigned long long)bad);
	} else if (err == -ENOMEM) {
		err = xc_fail(r->ctx, r->pid, "pages", "allocate", err);
	}
	for (size_t i = 0; i < r->nr_segs; i++)
		r->seg_pages += r->segs[i].nr_pages;
	free(first);
	return err;
}

void rst_mm_chain_close(struct xc_rst *r)
{
	for (size_t i = 0; r->chain && i < r->nr_chain; i++)
		xc_pview_close(&r->chain[i]);
	free(r->chain);
	free(r->segs);
	free(r->lazy_segs);
	free(r->fork_src);
	r->fork_src = NULL;
	r->nr_fork_src = 0;
	r->chain = NULL;
	r->segs = NULL;
	r->lazy_segs = NULL;
	r->nr_chain = r->nr_segs = 0;
}

/* Parent side, the blob waiting at its first trap: the segments are
 * written into the task by several threads, each owning the blocks for
 * which (block + level) % n is its index, so that each block is read and
 * decompressed once; a segment takes one process_vm_writev. The image is
 * read once, here: each block is checked as it is read (xc_pager_get()),
 * a block stored raw goes from the read buffer straight into the task, and
 * there are more threads than CPUs so that the disk always has reads
 * queued while the others check, decompress and write. */
struct fill {
	struct xc_rst *r;
	pid_t pid;
	int nthreads;
	atomic_uint_fast64_t done;	/* bytes written, for the progress bar */
	uint64_t total;
};

struct filler {
	struct fill *f;
	pthread_t th;
	int idx;
	int err;
	bool image;	/* err is the image's fault: exit code XC_EXIT_IMAGE */
	char what[320];
	char step[96];
	struct rst_fill_cache *cache;	/* the tree's, for share 0 */
};

/* Share 0's decoded blocks, kept for the whole tree: a process's pages
 * shared since fork are stored once, by the process nearest the root that
 * has them (XC_RUN_FORKED), so each process of a tree reads its
 * ancestors' blocks too, in address order mixed with its own: one block
 * held at a time, a ring of 128 decoded 88 MiB for 3 MiB of pages. Made
 * after the tree is, so that no process carries it; this also spares a
 * tree of small processes 3 MiB of buffers and a zstd context made and
 * unmapped per process. */
#define FILL_SLOTS 4

struct rst_fill_cache {
	struct xc_pager_buf *pb;
	struct {
		const struct xc_pager *pr;	/* NULL: empty */
		uint64_t b, used;
		char *buf;
	} slot[FILL_SLOTS];
	uint64_t tick;
};

/* Unless --jobs says otherwise, at least this many readers whatever the CPU
 * count: the depth of the disk's queue. */
#define FILL_MIN_THREADS 4
#define FILL_MAX_THREADS 8

static const struct xc_pager *level_pager(const struct xc_rst *r, uint32_t level)
{
	if (r->fork_src)
		return &r->fork_src[level]->pager;
	return level ? &r->chain[level - 1].pager : &r->pager;
}

static void read_failed(struct filler *w, const struct xc_pseg *s, const struct xc_pager *pr,
			struct xc_pager_buf *pb, uint64_t b, int err)
{
	const char *dir = w->f->r->ctx->dir;
	uint64_t off;

	w->err = err;
	if (err == -EBADMSG || err == -EPROTO) {
		const char *why = xc_pager_buf_why(pb, &off);

		/* pr->name of a parent's file is already its path */
		w->image = true;
		snprintf(w->what, sizeof(w->what), "%s", pr->name);
		snprintf(w->step, sizeof(w->step), "offset %llu: %s", (unsigned long long)off, why);
		return;
	}
	/* pr->name of a parent image's file is its path; a parent process's
	 * file is in this image */
	if (s->level && !w->f->r->fork_src)
		snprintf(w->what, sizeof(w->what), "%.280s: block %llu", pr->name,
			 (unsigned long long)b);
	else
		snprintf(w->what, sizeof(w->what), "%.200s/%.64s: block %llu", dir, pr->name,
			 (unsigned long long)b);
	snprintf(w->step, sizeof(w->step), "read pages");
}

/* Block b of pr decoded, from the cache or read into its least recently
 * used slot; NULL with errno, *pbp the buffer that says why. */
static const char *cached_block(struct rst_fill_cache *c, const struct xc_pager *pr, uint64_t b,
				struct xc_pager_buf **pbp)
{
	size_t page = sysconf(_SC_PAGESIZE), v = 0;
	const char *data;

	*pbp = c->pb;
	for (size_t k = 0; k < FILL_SLOTS; k++) {
		if (c->slot[k].pr == pr && c->slot[k].b == b) {
			c->slot[k].used = ++c->tick;
			return c->slot[k].buf;
		}
		if (c->slot[k].used < c->slot[v].used)
			v = k;
	}
	c->slot[v].pr = NULL;
	if (!c->slot[v].buf && !(c->slot[v].buf = malloc(XC_PAGE_BLOCK_PAGES * page))) {
		errno = ENOMEM;
		return NULL;
	}
	data = xc_pager_get(pr, b, c->pb, c->slot[v].buf);
	if (!data)
		return NULL;
	/* A block stored raw comes in the read buffer, which the next read
	 * reuses. */
	if (data != c->slot[v].buf)
		memcpy(c->slot[v].buf, data, pr->blocks[b].raw_len);
	c->slot[v].pr = pr;
	c->slot[v].b = b;
	c->slot[v].used = ++c->tick;
	return c->slot[v].buf;
}

static void *fill_thread(void *arg)
{
	struct filler *w = arg;
	struct fill *f = w->f;
	const struct xc_rst *r = f->r;
	size_t page = sysconf(_SC_PAGESIZE);
	char *buf = w->cache ? NULL : malloc(XC_PAGE_BLOCK_PAGES * page);
	struct xc_pager_buf *pb = w->cache ? w->cache->pb : xc_pager_buf_new();
	uint64_t have = UINT64_MAX;	/* block in data, with its level in the top bits */
	const char *data = NULL;

	if ((!w->cache && !buf) || !pb) {
		w->err = -ENOMEM;
		snprintf(w->what, sizeof(w->what), "page buffers");
		snprintf(w->step, sizeof(w->step), "allocate");
	}
	for (size_t i = 0; !w->err && i < r->nr_segs; i++) {
		const struct xc_pseg *s = &r->segs[i];
		uint64_t b = s->stream / XC_PAGE_BLOCK_PAGES, key = b | (uint64_t)s->level << 56;
		const struct xc_pager *pr = level_pager(r, s->level);
		struct iovec lo, re;

		if ((b + s->level) % (uint64_t)f->nthreads != (uint64_t)w->idx)
			continue;
		if (w->cache)
			data = cached_block(w->cache, pr, b, &pb);
		else if (key != have)
			data = xc_pager_get(pr, b, pb, buf);
		if (!data) {
			read_failed(w, s, pr, pb, b, -errno);
			break;
		}
		have = key;
		lo.iov_base = (void *)(data + (s->stream % XC_PAGE_BLOCK_PAGES) * page);
		lo.iov_len = re.iov_len = (size_t)s->nr_pages * page;
		re.iov_base = (void *)(uintptr_t)s->vaddr;
		errno = EIO;	/* a short write sets none */
		if (process_vm_writev(f->pid, &lo, 1, &re, 1, 0) != (ssize_t)lo.iov_len) {
			w->err = -errno;
			snprintf(w->what, sizeof(w->what), "memory at %#llx",
				 (unsigned long long)s->vaddr);
			snprintf(w->step, sizeof(w->step), "write pages");
			break;
		}
		f->done += lo.iov_len;
		if (!w->idx)
			xc_progress(r->ctx, "memory", f->done, f->total);
	}
	if (!w->cache) {
		free(buf);
		xc_pager_buf_free(pb);
	}
	return NULL;
}

static struct rst_fill_cache *fill_cache(struct xc_rtree *t)
{
	if (!t->fill_cache && (t->fill_cache = calloc(1, sizeof(*t->fill_cache))) &&
	    !(t->fill_cache->pb = xc_pager_buf_new())) {
		free(t->fill_cache);
		t->fill_cache = NULL;
	}
	return t->fill_cache;
}

void rst_mm_fill_free(struct xc_rtree *t)
{
	struct rst_fill_cache *c = t->fill_cache;

	if (!c)
		return;
	for (size_t k = 0; k < FILL_SLOTS; k++)
		free(c->slot[k].buf);
	xc_pager_buf_free(c->pb);
	free(c);
	t->fill_cache = NULL;
}

int rst_mm_fill(struct xc_rst *r, pid_t pid)
{
	struct fill f = { .r = r, .pid = pid };
	struct filler w[FILL_MAX_THREADS];
	bool started[FILL_MAX_THREADS] = { false };
	int n = r->ctx->jobs, err = 0;

	f.total = r->seg_pages * sysconf(_SC_PAGESIZE);
	if (n <= 0) {
		n = xc_zpool_auto_threads();
		if (n < FILL_MIN_THREADS)
			n = FILL_MIN_THREADS;
	}
	if (n > FILL_MAX_THREADS)
		n = FILL_MAX_THREADS;
	/* No more readers than blocks to read: a small process (a tree of
	 * many) is filled by this thread alone, without starting threads that
	 * would each map 3 MiB of buffers for nothing. */
	if ((uint64_t)n > 1 + f.total / (XC_PAGE_BLOCK_PAGES * (uint64_t)sysconf(_SC_PAGESIZE)))
		n = (int)(1 + f.total / (XC_PAGE_BLOCK_PAGES * (uint64_t)sysconf(_SC_PAGESIZE)));
	f.nthreads = n;
	xc_pager_direct_begin(&r->pager);
	for (size_t i = 0; i < r->nr_chain; i++)
		xc_pager_direct_begin(&r->chain[i].pager);
	for (int i = 0; i < n; i++)
		w[i] = (struct filler){ .f = &f, .idx = i };
	w[0].cache = fill_cache(r->tree);
	for (int i = 1; i < n; i++)
		started[i] = !pthread_create(&w[i].th, NULL, fill_thread, &w[i]);
	/* This thread takes share 0, and the share of any thread that could
	 * not be started. */
	for (int i = 0; i < n; i++)
		if (!started[i])
			fill_thread(&w[i]);
	for (int i = 1; i < n; i++)
		if (started[i])
			pthread_join(w[i].th, NULL);
	xc_pager_direct_end(&r->pager);
	for (size_t i = 0; i < r->nr_chain; i++)
		xc_pager_direct_end(&r->chain[i].pager);
	for (int i = 0; i < n && !err; i++) {
		if (!w[i].err)
			continue;
		if (w[i].image)
			r->ctx->exit_hint = XC_EXIT_IMAGE;
		err = xc_fail(r->ctx, pid, w[i].what, w[i].step, w[i].err);
	}
	return err;
}

/* PR_SET_VMA_ANON_NAME needs CONFIG_ANON_VMA_NAME: without it the blob's
 * prctl would fail after the processes were made. Tried on a mapping of
 * our own first. */
int rst_mm_check_names(struct xc_rtree *t)
{
	const char *name = NULL;
	void *p;
	int err = 0;

	for (size_t i = 0; i < t->nr && !name; i++)
		for (size_t k = 0; k < t->procs[i].nr_vmas && !name; k++)
			if (t->procs[i].vmas[k]->name[0])
				name = t->procs[i].vmas[k]->name;
	if (!name)
		return 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return xc_fail(t->ctx, 0, "named anonymous mapping", "mmap", -errno);
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, 4096, name))
		err = -errno;
	munmap(p, 4096);
	if (err) {
		t->ctx->exit_hint = XC_EXIT_IMAGE;
		return xc_failf(t->ctx, 0, err == -EINVAL ?
				"this kernel cannot name anonymous mappings (CONFIG_ANON_VMA_NAME)" :
				"prctl PR_SET_VMA_ANON_NAME", err, "anonymous mapping named \"%s\"",
				name);
	}
	return 0;
}

/* The vDSO's text, read at its address in the task, is this kernel's
 * (image.c checked that the image's is): nothing else can be there, as the
 * target's mappings leave its range free and the blob is placed in a
 * hole. Cheaper than reading the task's maps, per process of a tree. */
static bool vdso_there(const struct xc_rst *r, pid_t pid)
{
	size_t len = r->vdso->vdso_end - r->vdso->vdso_start;
	struct iovec lo, re;
	bool ok;

	if (len > (64u << 10) || !(lo.iov_base = malloc(len)))
		return false;
	lo.iov_len = re.iov_len = len;
	re.iov_base = (void *)(uintptr_t)r->vdso->vdso_start;
	ok = process_vm_readv(pid, &lo, 1, &re, 1, 0) == (ssize_t)len &&
	     xc_crc32c(0, lo.iov_base, len) == r->vdso->vdso_crc;
	free(lo.iov_base);
	return ok;
}

int rst_mm_check_vdso(struct xc_rst *r, pid_t pid)
{
	unsigned long long s, e;
	char path[64], line[512], name[64];
	bool ok = !r->vdso;
	FILE *f;

	if (r->vdso && vdso_there(r, pid))
		return 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return xc_fail(r->ctx, pid, "maps", "open", -errno);
	while (fgets(line, sizeof(line), f)) {
		name[0] = 0;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %63s", &s, &e, name) >= 2 &&
		    !strcmp(name, "[vdso]"))
			ok = r->vdso && s == r->vdso->vdso_start && e == r->vdso->vdso_end;
	}
	fclose(f);
	if (!ok)
		return xc_fail(r->ctx, pid, "[vdso]", "map the vDSO back at its address", -EFAULT);
	return 0;
}
