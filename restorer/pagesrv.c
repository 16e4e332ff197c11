/* The page server of a lazy restore (--lazy; lazy.c starts it and hands
 * it each process's userfaultfd). One poll loop reads every userfaultfd
 * and answers faults at once, copying the rest of the faulting page's
 * block with it; worker threads bring everything else in, block by block,
 * in the background. A process whose every page is in gets its
 * userfaultfd closed, which unregisters its mappings: nothing is left
 * behind. The server exits when no process is left to serve.
 *
 * A page the image holds must never read as zero. The pages are tracked
 * per process in a bitmap, "done" once copied in or dropped by the
 * process, and in image addresses: windows map the process's current
 * addresses to the image's, moved by mremap (UFFD_EVENT_REMAP). A
 * process that calls madvise(MADV_DONTNEED), munmap, mremap or fork
 * blocks until the server has read the event, and a copy into its memory
 * fails with EAGAIN from the moment it starts until then; events are read
 * under the write side of a lock whose read side every copy holds, so no
 * copy lands on a range after the process dropped it, and a child forked
 * meanwhile gets a copy of its parent's state (its userfaultfd arrives
 * with UFFD_EVENT_FORK; without it the child would read zeros where its
 * parent's pages were not in yet). Only this loop takes the write side,
 * and it copies without the read side: it is the only writer. A block
 * that cannot be read (the page file damaged since the restore checked
 * it) kills the process that needs it, with one error line. */
#define LOG_PREFIX "page server: "
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/zpool.h"
#include "restorer/lazywin.h"
#include "restorer/rst.h"

#define CHUNK 64		/* pages a worker copies under one hold of the lock */
#define RETRY_S 10.0		/* EAGAIN this long: the range is gone for good */

/* Segments of one block of one level, consecutive in address order. */
struct ps_group {
	size_t first, n;
};

/* One restored process's lazy pages, as the image has them. */
struct ps_src {
	const struct xc_rst *r;
	uint64_t *first;		/* per segment: its first page's bit */
	size_t *group;			/* per segment: its group */
	struct ps_group *groups;
	size_t nr_groups;
	uint64_t nr_pages;
};

/* A process served: one of the tree, or a child forked since. */
struct ps_proc {
	int32_t id;			/* for the guard */
	struct ps_src *src;
	int uffd;			/* -1 once closed */
	pid_t pid;			/* 0: a forked child not heard from yet */
	_Atomic uint64_t *done;		/* per page of src: in, or dropped */
	atomic_uint_fast64_t nr_done;
	atomic_size_t next;		/* the next group for the workers */
	atomic_bool gone;		/* exited (ESRCH) or killed */
	atomic_bool failed;		/* a block could not be read */
	struct rst_lwins wins;		/* current addresses → image addresses */
};

struct ps_fault {
	struct ps_proc *p;
	uint64_t addr;
	pid_t tid;
	double since;			/* first EAGAIN, 0: none */
};

/* A thread's block: decompressed once for several copies. */
struct ps_buf {
	struct xc_pager_buf *pb;
	char *data;			/* room to decode a compressed block */
	const char *ptr;		/* the block's pages: in pb (stored raw) or data */
	const struct ps_src *src;	/* whose block it is */
	uint64_t key;			/* block | level << 56, UINT64_MAX: none */
};

struct ps {
	struct xc_rtree *t;
	size_t page;
	struct ps_src *srcs;		/* per process of the tree */
	pthread_rwlock_t lock;		/* write: reading events; read: copying */
	struct ps_proc **procs;		/* changed under the write side */
	size_t nr_procs, cap_procs;
	pthread_mutex_t wmu;		/* workers wait here for work */
	pthread_cond_t wcv;
	uint64_t gen;			/* procs added, under wmu */
	bool go;			/* the restore is over: fill in the background (wmu) */
	bool stop;			/* under wmu */
	int wake;			/* eventfd: a worker finished a process */
	int guard;			/* socket to the guard (pageguard.c) */
	int32_t next_id;
	struct ps_fault *q;		/* faults read, not yet answered */
	size_t nr_q, cap_q;
	atomic_uint_fast64_t faults, copied;
	double t0;
	int failures;
};

static bool bit_get(_Atomic uint64_t *b, uint64_t i)
{
	return atomic_load_explicit(&b[i / 64], memory_order_relaxed) >> (i % 64) & 1;
}

static void mark(struct ps_proc *p, uint64_t bit, uint64_t n)
{
	for (uint64_t i = bit; i < bit + n; i++) {
		uint64_t m = 1ULL << (i % 64);
		if (!(atomic_fetch_or(&p->done[i / 64], m) & m))
			p->nr_done++;
	}
}

static const struct xc_pager *pager_of(const struct xc_rst *r, uint32_t level)
{
	if (r->fork_src)	/* pages kept in the parent process (mm.c) */
		return &r->fork_src[level]->pager;
	return level ? &r->chain[level - 1].pager : &r->pager;
}

static int src_init(struct ps_src *s, const struct xc_rst *r)
{
	const struct xc_pseg *g = r->lazy_segs;
	uint64_t bit = 0;

	s->r = r;
	s->first = malloc((r->nr_lazy_segs + 1) * sizeof(*s->first));
	s->group = malloc((r->nr_lazy_segs + 1) * sizeof(*s->group));
	s->groups = malloc((r->nr_lazy_segs + 1) * sizeof(*s->groups));
	if (!s->first || !s->group || !s->groups)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_lazy_segs; i++) {
		uint64_t b = g[i].stream / XC_PAGE_BLOCK_PAGES;

		s->first[i] = bit;
		bit += g[i].nr_pages;
		if (!i || g[i].level != g[i - 1].level ||
		    b != g[i - 1].stream / XC_PAGE_BLOCK_PAGES)
			s->groups[s->nr_groups++] = (struct ps_group){ i, 0 };
		s->groups[s->nr_groups - 1].n++;
		s->group[i] = s->nr_groups - 1;
	}
	s->nr_pages = bit;
	return 0;
}

/* The segment holding image address ia, or -1. */
static ssize_t seg_find(const struct ps_src *s, uint64_t ia, size_t page)
{
	const struct xc_pseg *g = s->r->lazy_segs;
	size_t lo = 0, hi = s->r->nr_lazy_segs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g[mid].vaddr + (uint64_t)g[mid].nr_pages * page <= ia)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->r->nr_lazy_segs && g[lo].vaddr <= ia ? (ssize_t)lo : -1;
}

static int load(struct ps_buf *b, const struct ps_src *s, size_t seg)
{
	const struct xc_pseg *g = &s->r->lazy_segs[seg];
	uint64_t blk = g->stream / XC_PAGE_BLOCK_PAGES, key = blk | (uint64_t)g->level << 56;

	if (b->key == key && b->src == s)
		return 0;
	b->key = UINT64_MAX;
	b->ptr = xc_pager_get(pager_of(s->r, g->level), blk, b->pb, b->data);
	if (!b->ptr)
		return errno ? -errno : -EIO;
	b->key = key;
	b->src = s;
	return 0;
}

static int buf_init(struct ps_buf *b, size_t page)
{
	b->key = UINT64_MAX;
	b->pb = xc_pager_buf_new();
	b->data = malloc(XC_PAGE_BLOCK_PAGES * page);
	return b->pb && b->data ? 0 : -ENOMEM;
}

static void buf_free(struct ps_buf *b)
{
	xc_pager_buf_free(b->pb);
	free(b->data);
}

/* n pages at current address dst, bits from bit, from data. 0, -EAGAIN
 * (an event is pending: read it first), -ESRCH (the process is gone) or
 * -errno. A page already there was copied meanwhile (a fault and a
 * worker). ENOENT (no registered mapping there) is an event not read yet
 * too: the kernel looks the mapping up before it checks for one, so a
 * copy to where mremap just moved pages from fails so; marking those
 * pages done would make them zeros where they went. */
static int copy(struct ps *ps, struct ps_proc *p, uint64_t dst, uint64_t bit, size_t n,
		const char *data)
{
	size_t page = ps->page;

	while (n) {
		struct uffdio_copy c = { .dst = dst, .src = (uintptr_t)data, .len = n * page };
		int r = ioctl(p->uffd, UFFDIO_COPY, &c), e = r ? errno : 0;
		size_t got = c.copy > 0 ? (size_t)c.copy / page : 0;

		if (!r)
			got = n;
		mark(p, bit, got);
		ps->copied += got;
		dst += got * page;
		data += got * page;
		bit += got;
		n -= got;
		if (!r || (got && e == EAGAIN))
			continue;
		if (e == EEXIST) {
			mark(p, bit, 1);
			dst += page;
			data += page;
			bit++;
			n--;
			continue;
		}
		return e == ENOENT ? -EAGAIN : -e;
	}
	return 0;
}

/* Image pages [ia, ia + n pages), bits from bit, data for them: those not
 * done, each where it is now. */
static int put(struct ps *ps, struct ps_proc *p, uint64_t ia, uint64_t bit, size_t n,
	       const char *data)
{
	size_t page = ps->page, k = 0;

	while (k < n) {
		const struct rst_lwin *w;
		size_t e = k + 1, m;
		int err;

		if (bit_get(p->done, bit + k)) {
			k++;
			continue;
		}
		w = rst_lwin_of_img(&p->wins, ia + k * page);
		if (!w) {		/* unmapped since: nothing to fill */
			mark(p, bit + k, 1);
			k++;
			continue;
		}
		m = (size_t)((w->img + (w->end - w->start) - (ia + k * page)) / page);
		while (e < n && e - k < m && !bit_get(p->done, bit + e))
			e++;
		err = copy(ps, p, w->start + (ia + k * page - w->img), bit + k, e - k,
			   data + k * page);
		if (err)
			return err;
		k = e;
	}
	return 0;
}

/* Segment seg's pages [from, from + n) from the block in b. */
static int put_seg(struct ps *ps, struct ps_proc *p, size_t seg, size_t from, size_t n,
		   const struct ps_buf *b)
{
	const struct xc_pseg *g = &p->src->r->lazy_segs[seg];

	return put(ps, p, g->vaddr + from * ps->page, p->src->first[seg] + from, n,
		   b->ptr + ((g->stream % XC_PAGE_BLOCK_PAGES) + from) * ps->page);
}

/* One error line, as main() prints them, and the process killed: it
 * cannot have its pages. */
static void proc_fail(struct ps *ps, struct ps_proc *p, const struct xc_pseg *g, int err)
{
	const struct xc_rst *r = p->src->r;
	char obj[400];

	if (atomic_exchange(&p->failed, true))
		return;
	ps->failures++;
	if (g)
		snprintf(obj, sizeof(obj), "%s: block %llu", g->level ?
			 r->chain[g->level - 1].pager.name : r->pager.name,
			 (unsigned long long)(g->stream / XC_PAGE_BLOCK_PAGES));
	else
		snprintf(obj, sizeof(obj), "memory");
	fprintf(stderr, "xckpt: restore pid %d: %s: serve pages lazily: %s%s\n",
		p->pid ? p->pid : r->real_pid, obj, strerror(-err), p->pid ? " (process killed)" :
		" (a child forked since: killed when it touches it)");
	if (p->pid)
		kill(p->pid, SIGKILL);
}

/* ---- workers: everything not asked for yet, group by group ---- */

static struct ps_proc *claim(struct ps *ps, size_t *group, size_t *start)
{
	struct ps_proc *p = NULL;

	pthread_rwlock_rdlock(&ps->lock);
	for (size_t i = 0; i < ps->nr_procs && !p; i++) {
		struct ps_proc *q = ps->procs[(*start + i) % ps->nr_procs];

		if (q->uffd < 0 || q->gone || q->failed)
			continue;
		*group = atomic_fetch_add(&q->next, 1);
		if (*group < q->src->nr_groups) {
			p = q;
			*start += i;
		}
	}
	pthread_rwlock_unlock(&ps->lock);
	return p;
}

static int put_group(struct ps *ps, struct ps_proc *p, size_t gi, struct ps_buf *b)
{
	const struct ps_group *g = &p->src->groups[gi];
	int err = 0;

	for (size_t s = g->first; s < g->first + g->n && !err; s++) {
		size_t n = p->src->r->lazy_segs[s].nr_pages;

		for (size_t k = 0; k < n && !err; k += CHUNK) {
			double t0 = 0;

			for (;;) {
				pthread_rwlock_rdlock(&ps->lock);
				err = p->uffd < 0 ? -ESRCH :
				      put_seg(ps, p, s, k, n - k < CHUNK ? n - k : CHUNK, b);
				pthread_rwlock_unlock(&ps->lock);
				if (err != -EAGAIN)
					break;
				if (!t0)
					t0 = xc_now();
				else if (xc_now() - t0 > RETRY_S)
					return -ENOENT;
				sched_yield();
			}
		}
	}
	return err;
}

static void *worker(void *arg)
{
	struct ps *ps = arg;
	struct ps_buf b;
	size_t start = 0;

	if (buf_init(&b, ps->page))
		return NULL;	/* the others and the fault loop do the work */
	for (;;) {
		struct ps_proc *p;
		size_t g;
		uint64_t gen;
		int err;

		pthread_mutex_lock(&ps->wmu);
		while (!ps->go && !ps->stop)
			pthread_cond_wait(&ps->wcv, &ps->wmu);
		gen = ps->gen;
		if (ps->stop) {
			pthread_mutex_unlock(&ps->wmu);
			break;
		}
		pthread_mutex_unlock(&ps->wmu);
		p = claim(ps, &g, &start);
		if (!p) {
			pthread_mutex_lock(&ps->wmu);
			while (ps->gen == gen && !ps->stop)
				pthread_cond_wait(&ps->wcv, &ps->wmu);
			pthread_mutex_unlock(&ps->wmu);
			continue;
		}
		err = load(&b, p->src, p->src->groups[g].first);
		if (!err)
			err = put_group(ps, p, g, &b);
		if (err == -ESRCH)
			p->gone = true;
		else if (err)
			proc_fail(ps, p, &p->src->r->lazy_segs[p->src->groups[g].first], err);
		if (p->gone || p->nr_done == p->src->nr_pages) {
			uint64_t one = 1;
			if (write(ps->wake, &one, sizeof(one)) < 0)
				xc_debug("wake: %s", strerror(errno));
		}
	}
	buf_free(&b);
	return NULL;
}

/* ---- the event loop ---- */

/* The guard holds a copy of each userfaultfd until its process is done:
 * should the server die, the mappings stay registered and the guard kills
 * the processes waiting. Without the guard (it died) there is nothing
 * better to do than go on. */
static void guard_tell(struct ps *ps, int32_t op, const struct ps_proc *p)
{
	struct rst_guard_msg m = { op, p->id, p->pid, 0 };
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec io = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1 };

	if (op == RST_GUARD_HOLD) {
		struct cmsghdr *c;

		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &p->uffd, sizeof(int));
	}
	if (sendmsg(ps->guard, &mh, MSG_NOSIGNAL) != sizeof(m))
		xc_debug("guard: %s", strerror(errno));
}

static int add_proc(struct ps *ps, struct ps_proc *p)
{
	if (ps->nr_procs == ps->cap_procs) {
		size_t cap = ps->cap_procs ? 2 * ps->cap_procs : 16;
		struct ps_proc **n = realloc(ps->procs, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		ps->procs = n;
		ps->cap_procs = cap;
	}
	ps->procs[ps->nr_procs++] = p;
	p->id = ps->next_id++;
	guard_tell(ps, RST_GUARD_HOLD, p);
	pthread_mutex_lock(&ps->wmu);
	ps->gen++;
	pthread_cond_broadcast(&ps->wcv);
	pthread_mutex_unlock(&ps->wmu);
	return 0;
}

static struct ps_proc *proc_new(struct ps_src *src, int uffd, pid_t pid, size_t nr_wins)
{
	struct ps_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->src = src;
	p->uffd = uffd;
	p->pid = pid;
	p->done = calloc(src->nr_pages / 64 + 1, sizeof(*p->done));
	p->wins.w = calloc(nr_wins + 1, sizeof(*p->wins.w));
	if (!p->done || !p->wins.w) {
		free(p->done);
		free(p->wins.w);
		free(p);
		return NULL;
	}
	return p;
}

/* A process of the tree: its lazy mappings are where the image had them. */
static int take_tree_proc(struct ps *ps, int idx, pid_t pid, int uffd)
{
	struct ps_src *src = &ps->srcs[idx];
	const struct xc_rst *r = src->r;
	struct ps_proc *p = proc_new(src, uffd, pid, r->nr_vmas);

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_vmas; i++)
		if (rst_lazy_vma(r, r->vmas[i]))
			p->wins.w[p->wins.n++] = (struct rst_lwin){ r->vmas[i]->start,
								    r->vmas[i]->end,
								    r->vmas[i]->start };
	return add_proc(ps, p);
}

/* UFFD_EVENT_FORK: the child has what its parent had at the fork. */
static int take_child(struct ps *ps, struct ps_proc *parent, int uffd)
{
	struct ps_proc *p = proc_new(parent->src, uffd, 0, parent->wins.n);

	if (!p)
		return -ENOMEM;
	for (uint64_t i = 0; i <= parent->src->nr_pages / 64; i++)
		p->done[i] = atomic_load(&parent->done[i]);
	p->nr_done = (uint64_t)parent->nr_done;
	memcpy(p->wins.w, parent->wins.w, parent->wins.n * sizeof(*p->wins.w));
	p->wins.n = parent->wins.n;
	return add_proc(ps, p);
}

/* Image pages [ia, ie) are dropped: never to be filled. */
static void mark_img(struct ps *ps, struct ps_proc *p, uint64_t ia, uint64_t ie)
{
	const struct xc_pseg *sg = p->src->r->lazy_segs;
	size_t lo = 0, hi = p->src->r->nr_lazy_segs;

	/* From the first segment that ends after ia. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sg[mid].vaddr + (uint64_t)sg[mid].nr_pages * ps->page <= ia)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < p->src->r->nr_lazy_segs && sg[k].vaddr < ie; k++) {
		uint64_t a = sg[k].vaddr > ia ? sg[k].vaddr : ia,
			 z = sg[k].vaddr + (uint64_t)sg[k].nr_pages * ps->page;

		if (z > ie)
			z = ie;
		if (a < z)
			mark(p, p->src->first[k] + (a - sg[k].vaddr) / ps->page, (z - a) / ps->page);
	}
}

static void mark_pieces(struct ps *ps, struct ps_proc *p, const struct rst_lwin *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mark_img(ps, p, w[i].img, w[i].img + (w[i].end - w[i].start));
}

/* UFFD_EVENT_REMOVE (madvise) and UFFD_EVENT_UNMAP: the pages behind
 * current [s, e) are dropped; unmapped, the range leaves the windows. */
static int drop(struct ps *ps, struct ps_proc *p, uint64_t s, uint64_t e, bool unmap)
{
	struct rst_lwin *out = malloc((p->wins.n + 1) * sizeof(*out));
	size_t n;
	int err = out ? rst_lwin_cut(&p->wins, s, e, unmap, out, &n) : -ENOMEM;

	if (!err)
		mark_pieces(ps, p, out, n);
	free(out);
	return err;
}

/* UFFD_EVENT_REMAP: [from, from + len) moved to to; whatever was at to
 * was unmapped first. */
static int remap(struct ps *ps, struct ps_proc *p, uint64_t from, uint64_t to, uint64_t len)
{
	struct rst_lwin *gone = malloc((p->wins.n + 2) * sizeof(*gone));
	size_t n;
	int err = gone ? rst_lwin_move(&p->wins, from, to, len, gone, &n) : -ENOMEM;

	if (!err)
		mark_pieces(ps, p, gone, n);
	free(gone);
	return err;
}

static int queue_fault(struct ps *ps, struct ps_proc *p, uint64_t addr, pid_t tid)
{
	if (ps->nr_q == ps->cap_q) {
		size_t cap = ps->cap_q ? 2 * ps->cap_q : 64;
		struct ps_fault *q = realloc(ps->q, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		ps->q = q;
		ps->cap_q = cap;
	}
	ps->q[ps->nr_q++] = (struct ps_fault){ p, addr, tid, 0 };
	return 0;
}

/* Under the write side: nothing copies while the process may be told to go
 * on with what it was doing. */
static int read_events(struct ps *ps, struct ps_proc *p)
{
	struct uffd_msg m[32];
	ssize_t n;
	int err = 0;

	pthread_rwlock_wrlock(&ps->lock);
	while (!err && (n = read(p->uffd, m, sizeof(m))) > 0) {
		for (size_t i = 0; !err && i < (size_t)n / sizeof(*m); i++) {
			switch (m[i].event) {
			case UFFD_EVENT_PAGEFAULT:
				err = queue_fault(ps, p, m[i].arg.pagefault.address,
						  (pid_t)m[i].arg.pagefault.feat.ptid);
				break;
			case UFFD_EVENT_FORK:
				err = take_child(ps, p, (int)m[i].arg.fork.ufd);
				break;
			case UFFD_EVENT_REMAP:
				err = remap(ps, p, m[i].arg.remap.from, m[i].arg.remap.to,
					    m[i].arg.remap.len);
				break;
			case UFFD_EVENT_REMOVE:
			case UFFD_EVENT_UNMAP:
				err = drop(ps, p, m[i].arg.remove.start, m[i].arg.remove.end,
					   m[i].event == UFFD_EVENT_UNMAP);
				break;
			}
		}
	}
	pthread_rwlock_unlock(&ps->lock);
	return err;
}

/* A fault: the faulting page, the rest of its segment, then the rest of
 * its block; a page the image does not hold, or that was dropped, is
 * the zero page. Returns -EAGAIN to be tried again once the events are
 * read. */
static int serve(struct ps *ps, struct ps_buf *b, const struct ps_fault *f)
{
	struct ps_proc *p = f->p;
	uint64_t a = f->addr & ~(uint64_t)(ps->page - 1), ia;
	struct uffdio_range wake = { a, ps->page };
	ssize_t s = -1;
	int err = 0;

	if (p->uffd < 0 || p->gone)
		return 0;
	/* kill() of any thread's id reaches its process; but the id is the
	 * one the thread sees, which with --pidns is not ours. */
	if (!p->pid && f->tid && !ps->t->ctx->pidns) {
		p->pid = f->tid;
		guard_tell(ps, RST_GUARD_PID, p);
	}
	if (rst_lwin_to_img(&p->wins, a, &ia))
		s = seg_find(p->src, ia, ps->page);
	if (s >= 0 && !bit_get(p->done, p->src->first[s] + (ia - p->src->r->lazy_segs[s].vaddr) /
				ps->page)) {
		const struct xc_pseg *g = &p->src->r->lazy_segs[s];
		const struct ps_group *gr = &p->src->groups[p->src->group[s]];
		size_t k = (size_t)((ia - g->vaddr) / ps->page);

		if (p->failed) {	/* left waiting, and killed */
			if (p->pid)
				kill(p->pid, SIGKILL);
			return 0;
		}
		err = load(b, p->src, (size_t)s);
		if (err) {
			proc_fail(ps, p, g, err);
			return 0;
		}
		/* The faulting page alone first: its copy wakes the thread,
		 * which then runs while the rest of the block is copied. */
		err = put_seg(ps, p, (size_t)s, k, 1, b);
		if (!err)
			err = put_seg(ps, p, (size_t)s, k + 1, g->nr_pages - k - 1, b);
		for (size_t i = gr->first; !err && i < gr->first + gr->n; i++)
			err = put_seg(ps, p, i, 0, p->src->r->lazy_segs[i].nr_pages, b);
	} else {
		struct uffdio_zeropage z = { .range = { a, ps->page } };

		if (ioctl(p->uffd, UFFDIO_ZEROPAGE, &z) && errno != EEXIST && errno != ENOENT)
			err = -errno;
	}
	if (err == -EAGAIN)
		return err;
	if (err == -ESRCH) {
		p->gone = true;
		return 0;
	}
	/* The copy woke it, unless the page was put there by another copy
	 * or is no longer mapped. */
	ioctl(p->uffd, UFFDIO_WAKE, &wake);
	if (err)
		proc_fail(ps, p, s >= 0 ? &p->src->r->lazy_segs[s] : NULL, err);
	return 0;
}

/* Main side: a process of the tree and its userfaultfd; 1 at the end
 * (index -1, or the socket closed). */
static int recv_proc(struct ps *ps, int sock)
{
	int32_t msg[2];
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec io = { msg, sizeof(msg) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	int fd, err;

	if (n <= 0 || (n == sizeof(msg) && msg[0] == -1))
		return 1;
	c = CMSG_FIRSTHDR(&mh);
	if (n != sizeof(msg) || !c || c->cmsg_type != SCM_RIGHTS || msg[0] < 0 ||
	    (size_t)msg[0] >= ps->t->nr)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	pthread_rwlock_wrlock(&ps->lock);
	err = take_tree_proc(ps, msg[0], msg[1], fd);
	pthread_rwlock_unlock(&ps->lock);
	return err;
}

/* Closes the userfaultfd of every process that is complete or gone; true
 * once none is left open. */
static bool closing(const struct ps_proc *p)
{
	return p->uffd >= 0 && (p->gone || p->nr_done == p->src->nr_pages || (p->failed && p->pid));
}

static bool reap(struct ps *ps)
{
	bool open = false, any = false;

	/* The write side only when there is something to close: it waits for
	 * the workers' copies, and so would every fault. */
	for (size_t i = 0; i < ps->nr_procs; i++) {
		any |= closing(ps->procs[i]);
		open |= ps->procs[i]->uffd >= 0;
	}
	if (!any)
		return !open;
	open = false;
	pthread_rwlock_wrlock(&ps->lock);
	for (size_t i = 0; i < ps->nr_procs; i++) {
		struct ps_proc *p = ps->procs[i];

		if (closing(p)) {
			close(p->uffd);
			p->uffd = -1;
			guard_tell(ps, RST_GUARD_DONE, p);
			xc_debug("pid %d: %s after %.3f s", p->pid, p->gone ? "gone" :
				 p->failed ? "failed" : "every page in", xc_now() - ps->t0);
		}
		open |= p->uffd >= 0;
	}
	pthread_rwlock_unlock(&ps->lock);
	return !open;
}

static int loop(struct ps *ps, int sock)
{
	struct ps_buf b;
	struct pollfd *pf = NULL;
	int err = buf_init(&b, ps->page);

	while (!err) {
		size_t n = 0, kept = 0, base, polled = ps->nr_procs;

		if (reap(ps) && sock < 0)
			break;
		pf = realloc(pf, (ps->nr_procs + 2) * sizeof(*pf));
		if (!pf)
			return -ENOMEM;
		pf[n++] = (struct pollfd){ ps->wake, POLLIN, 0 };
		if (sock >= 0)
			pf[n++] = (struct pollfd){ sock, POLLIN, 0 };
		base = n;
		for (size_t i = 0; i < ps->nr_procs; i++)
			pf[n++] = (struct pollfd){ ps->procs[i]->uffd, POLLIN, 0 };
		if (poll(pf, n, ps->nr_q ? 0 : 1000) < 0 && errno != EINTR)
			err = -errno;
		if (pf[0].revents) {
			uint64_t v;
			if (read(ps->wake, &v, sizeof(v)) < 0)
				xc_debug("wake: %s", strerror(errno));
		}
		if (sock >= 0 && pf[1].revents) {
			int r = recv_proc(ps, sock);
			if (r) {
				close(sock);
				sock = -1;
				pthread_mutex_lock(&ps->wmu);
				ps->go = true;
				pthread_cond_broadcast(&ps->wcv);
				pthread_mutex_unlock(&ps->wmu);
				if (r < 0)
					err = r;
			}
		}
		/* Those with something to read, and the new ones (a child
		 * forked, a process handed over): the reads do not block. */
		for (size_t i = 0; !err && i < ps->nr_procs; i++)
			if (ps->procs[i]->uffd >= 0 && (i >= polled || pf[base + i].revents))
				err = read_events(ps, ps->procs[i]);
		for (size_t i = 0; !err && i < ps->nr_q; i++) {
			struct ps_fault *f = &ps->q[i];
			int r = serve(ps, &b, f);

			if (r == -EAGAIN && !f->since)
				f->since = xc_now();
			if (r == -EAGAIN && xc_now() - f->since > RETRY_S)
				proc_fail(ps, f->p, NULL, -ENOENT);
			else if (r == -EAGAIN)
				ps->q[kept++] = *f;
			else
				ps->faults++;
		}
		ps->nr_q = kept;
	}
	free(pf);
	buf_free(&b);
	return err;
}

__attribute__((noreturn)) void rst_pagesrv_main(struct xc_rtree *t, int sock, int guard)
{
	struct ps ps = { .t = t, .page = sysconf(_SC_PAGESIZE), .t0 = xc_now(), .guard = guard };
	pthread_rwlockattr_t ra;
	pthread_t th[8];
	int nth = t->ctx->jobs > 0 ? t->ctx->jobs : xc_zpool_auto_threads(), started = 0, err = 0;
	pid_t me = getpid();
	sigset_t none;

	/* The guard made the session and set the signals and the OOM score,
	 * which the server inherits. */
	rst_lazy_server_fds(t, sock, guard);
	prctl(PR_SET_PDEATHSIG, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (write(sock, &me, sizeof(me)) != sizeof(me))
		_exit(XC_EXIT_FAIL);
	/* As for an eager restore (mm.c): at least the disk's queue depth. */
	if (t->ctx->jobs <= 0 && nth < 4)
		nth = 4;
	if (nth > 8)
		nth = 8;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&ps.lock, &ra);
	pthread_mutex_init(&ps.wmu, NULL);
	pthread_cond_init(&ps.wcv, NULL);
	ps.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ps.srcs = calloc(t->nr, sizeof(*ps.srcs));
	if (ps.wake < 0 || !ps.srcs)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < t->nr; i++)
		err = src_init(&ps.srcs[i], &t->procs[i]);
	/* Read as the eager fill reads (mm.c): O_DIRECT, unless cached. */
	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];

		xc_pager_direct_begin(&r->pager);
		for (size_t k = 0; r->chain && k < r->nr_chain; k++)
			xc_pager_direct_begin(&r->chain[k].pager);
	}
	for (int i = 0; !err && i < nth; i++)
		started += !pthread_create(&th[started], NULL, worker, &ps);
	if (!err)
		err = loop(&ps, sock);
	pthread_mutex_lock(&ps.wmu);
	ps.stop = true;
	pthread_cond_broadcast(&ps.wcv);
	pthread_mutex_unlock(&ps.wmu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (err) {
		/* Nothing can be served any more: every process still waiting
		 * for pages is killed rather than left to read zeros. */
		for (size_t i = 0; i < ps.nr_procs; i++)
			if (ps.procs[i]->uffd >= 0 && ps.procs[i]->pid)
				kill(ps.procs[i]->pid, SIGKILL);
		fprintf(stderr, "xckpt: restore: page server: serve pages lazily: %s\n",
			strerror(-err));
		_exit(XC_EXIT_FAIL);
	}
	/* The guard has closed its copies once it has read every message:
	 * only then are the mappings unregistered. */
	shutdown(guard, SHUT_WR);
	{
		char c;
		while (read(guard, &c, 1) > 0)
			;
	}
	if (ps.failures)
		xc_info("done after %.3f s; %d processes could not have their pages", xc_now() - ps.t0,
			ps.failures);
	else
		xc_info("every page in after %.3f s: %llu MiB copied, %llu faults answered",
			xc_now() - ps.t0, (unsigned long long)(ps.copied * ps.page >> 20),
			(unsigned long long)ps.faults);
	_exit(ps.failures ? XC_EXIT_FAIL : 0);
}
