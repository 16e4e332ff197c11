/* Write tracking for incremental dumps: which pages a process wrote since
 * its last dump, without reading them.
 *
 * Arming (after a dump with --track, or a pre-dump, is on disk, while the
 * target is still stopped): a remote userfaultfd() in the target, taken out
 * with pidfd_getfd() and closed there at once, so the target's fd table is
 * as it was. Its ioctls act on the mm that created it, whoever calls them:
 * xckpt registers every private writable mapping in write-protect mode with
 * UFFD_FEATURE_WP_ASYNC and write-protects the pages the image holds. In
 * async mode a write fault only clears the page's write-protect bit; the
 * target never waits for anyone.
 *
 * The next dump reads PAGEMAP_SCAN's PAGE_IS_WRITTEN over each mapping
 * registered with that fd: a page present, not written and held by the
 * parent image is taken from the parent unread; every other page is read
 * and, where it is unchanged, still found equal by its hash. A mapping
 * that is new, or was mremap'ed or mapped over (the kernel drops the
 * registration then, since UFFD_FEATURE_EVENT_REMAP is not asked for), is
 * not registered with our fd and is read whole. Whatever writes the page
 * through its page tables (the process, the kernel for it, another
 * process through /proc/PID/mem or process_vm_writev) clears the bit.
 * Anonymous holes are left unprotected (no UFFD_FEATURE_WP_UNPOPULATED,
 * which would build page tables for every never-touched reservation): a
 * page faulted in later never carries the bit and so reads as written.
 *
 * Between two dumps the fds are held by a small keeper process (`xckpt
 * __track-keeper`, shown as "xckpt-track"), one per dump that armed or kept
 * tracking, listening on the abstract unix socket
 * "xckpt-track/PID/STARTTIME" of each process. The next dump of that
 * process, whatever its options, connects, receives the fd and the
 * created_ns of the image the bits are relative to, and the keeper forgets
 * it. The bits are used only when that image is the dump's --parent;
 * otherwise the fd serves only to recognise our registration (smaps shows
 * "uw") and is handed on unchanged or dropped. When the keeper or the fd is
 * gone (killed, the process exited or exec'd) the kernel has unregistered
 * everything, and the next dump compares page hashes. Dropping the fd
 * unregisters every mapping: a dump that used the tracking and does not arm
 * it again leaves the process without any registration. */
#define LOG_PREFIX "track: "
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* Linux 6.7+, newer than the system headers. */
#define XC_UFFD_USER_MODE_ONLY	1
#define XC_UFFD_FEATURE_WP_ASYNC	(1ULL << 15)
struct xc_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define XC_PAGEMAP_SCAN		_IOWR('f', 16, struct xc_pm_scan_arg)
#define XC_SYS_PIDFD_OPEN	434
#define XC_SYS_PIDFD_GETFD	438

#define KEEPER_CMD "__track-keeper"
#define MSG_MAGIC 0x4b544358u	/* "XCTK" */

/* What the keeper sends with the fd. */
struct keeper_msg {
	uint32_t magic;
	uint32_t version;	/* 1 */
	int32_t pid;
	uint32_t pad;
	uint64_t starttime;
	uint64_t base_ns;
};

void xc_track_plan(const struct xc_track_in *in, struct xc_track_plan *p)
{
	p->use = in->held && in->parent_ns && in->in_parent && in->base_ns == in->parent_ns &&
		 !in->device;
	p->why = NULL;
	if (in->parent_ns && in->in_parent && !p->use) {
		if (in->device)
			p->why = "a device may write this process's memory unseen by write tracking";
		else if (!in->held)
			p->why = "no write tracking armed since the parent (or its keeper is gone)";
		else
			p->why = "the write tracking is against another image than the parent";
	}
	if (!in->leave_running || in->device)
		p->end = XC_TRACK_CLOSE;	/* the process is gone, or untrackable */
	else if (in->arm)
		p->end = in->kernel_ok ? XC_TRACK_ARM : XC_TRACK_CLOSE;
	else if (in->held && !p->use)
		p->end = XC_TRACK_KEEP;		/* someone else's tracking: left as it is */
	else
		p->end = XC_TRACK_CLOSE;	/* used up, and no further generation asked for */
}

int xc_track_ranges_add(struct xc_track_ranges *r, uint64_t start, uint64_t end)
{
	if (r->n && r->v[r->n - 1].end == start) {
		r->v[r->n - 1].end = end;
		return 0;
	}
	if (r->n == r->cap) {
		size_t c = r->cap ? r->cap * 2 : 64;
		struct xc_track_range *nv = realloc(r->v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = c;
	}
	r->v[r->n++] = (struct xc_track_range){ start, end };
	return 0;
}

uint64_t xc_track_pagemap_bits(uint64_t c)
{
	return (c & XC_PAGE_IS_PRESENT ? 1ULL << 63 : 0) | (c & XC_PAGE_IS_SWAPPED ? 1ULL << 62 : 0) |
	       (c & XC_PAGE_IS_FILE ? 1ULL << 61 : 0);
}

void xc_track_ranges_free(struct xc_track_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static void keeper_name(struct sockaddr_un *a, socklen_t *len, pid_t pid, uint64_t starttime)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* Abstract: gone with the socket, nothing left in a directory. */
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "xckpt-track/%d/%llu", (int)pid,
		     (unsigned long long)starttime);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Field 22 of /proc/PID/stat: with the pid, names this process and no
 * other, ever. */
static int read_starttime(struct xc_dump *d, uint64_t *st)
{
	char *buf, *p;
	size_t len;
	int err = xc_proc_read(d, "stat", &buf, &len);

	if (err)
		return err;
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	*st = p ? strtoull(p + 1, NULL, 10) : 0;
	free(buf);
	return p ? 0 : xc_fail(d->ctx, d->pid, "stat", "parse start time", -EINVAL);
}

/* Whether this kernel has what tracking needs, asked once per dump of a
 * userfaultfd of our own. */
bool dump_track_kernel_ok(char *why, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API, .features = XC_UFFD_FEATURE_WP_ASYNC };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | XC_UFFD_USER_MODE_ONLY);
	int pm, r;

	if (fd < 0) {
		snprintf(why, len, "userfaultfd: %s", strerror(errno));
		return false;
	}
	r = ioctl(fd, UFFDIO_API, &api);
	close(fd);
	if (r) {
		snprintf(why, len, "userfaultfd without async write-protect");
		return false;
	}
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	/* A NULL argument: EFAULT where the ioctl exists, ENOTTY where not. */
	r = pm >= 0 ? ioctl(pm, XC_PAGEMAP_SCAN, NULL) : -1;
	if (pm < 0 || (r < 0 && errno == ENOTTY)) {
		snprintf(why, len, "no PAGEMAP_SCAN");
		if (pm >= 0)
			close(pm);
		return false;
	}
	close(pm);
	return true;
}

/* Right after the seize, before the mappings are classified: take this
 * process's tracking from its keeper, if there is one. No keeper is the
 * ordinary case, not an error. */
int dump_track_attach(struct xc_dump *d)
{
	struct keeper_msg m;
	struct sockaddr_un a;
	socklen_t alen;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct timeval tv = { 5, 0 };
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct cmsghdr *c;
	int s, fd = -1, err;
	char eof;
	ssize_t n;

	err = read_starttime(d, &d->track.starttime);
	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	keeper_name(&a, &alen, d->pid, d->track.starttime);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&a, alen)) {
		close(s);
		return 0;
	}
	/* Only a keeper of our own user, or root's, is believed. */
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) || (cr.uid && cr.uid != geteuid())) {
		xc_info("pid %d: ignoring a tracking keeper of uid %u", d->pid, cr.uid);
		close(s);
		return 0;
	}
	n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	/* The end of the connection: the keeper holds no copy any more. */
	if (n > 0 && recv(s, &eof, 1, 0) != 0)
		xc_debug("pid %d: the tracking keeper did not close", d->pid);
	close(s);
	c = n == (ssize_t)sizeof(m) ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0 || m.magic != MSG_MAGIC || m.version != 1 || m.pid != d->pid ||
	    m.starttime != d->track.starttime) {
		if (fd >= 0)
			close(fd);
		xc_info("pid %d: tracking keeper gave no usable answer; page hashes will do", d->pid);
		return 0;
	}
	d->track.fd = fd;
	d->track.in.held = true;
	d->track.in.base_ns = m.base_ns;
	xc_debug("pid %d: took write tracking against image %llu", d->pid,
		 (unsigned long long)m.base_ns);
	return 0;
}

static int uffd_register(int fd, const struct xc_vma *v)
{
	struct uffdio_register r = { .range = { v->start, v->end - v->start },
				     .mode = UFFDIO_REGISTER_MODE_WP };

	return ioctl(fd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

/* A mapping smaps shows registered with a userfaultfd: ours? Registering it
 * again with our fd is a no-op for ours and EBUSY for another's; our fd on
 * an mm that is gone (exec) fails with ESRCH. */
bool dump_track_owns(struct xc_dump *d, size_t i)
{
	if (d->track.fd < 0)
		return false;
	if (!d->track.owned) {
		d->track.owned = calloc(d->nr_vmas + 1, sizeof(*d->track.owned));
		if (!d->track.owned)
			return false;
	}
	d->track.owned[i] = !uffd_register(d->track.fd, &d->vmas[i]);
	return d->track.owned[i];
}

/* The first present page in [start, end), and whether it reads as written
 * through the target's own pagemap; false: none. */
static bool probe_page(int pmfd, uint64_t start, uint64_t end, uint64_t *addr, bool *written)
{
	struct xc_track_region r;
	struct xc_pm_scan_arg a = {
		.size = sizeof(a), .start = start, .end = end,
		.vec = (uint64_t)(uintptr_t)&r, .vec_len = 1, .max_pages = 1,
		.category_anyof_mask = XC_PAGE_IS_PRESENT,
		.return_mask = XC_PAGE_IS_PRESENT | XC_PAGE_IS_WRITTEN,
	};

	if (ioctl(pmfd, XC_PAGEMAP_SCAN, &a) != 1)
		return false;
	*addr = r.start;
	*written = xc_track_is_written(r.categories);
	return true;
}

static int set_wp(int fd, uint64_t addr, size_t page, bool wp)
{
	struct uffdio_writeprotect w = { { addr, page }, wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };

	return ioctl(fd, UFFDIO_WRITEPROTECT, &w) ? -errno : 0;
}

/* Our fd acts on the mm it was made on; PAGEMAP_SCAN reads the process's
 * mm now. They are one (no exec since, no other process behind this pid
 * and start time) when flipping one page's bit with the fd shows in the
 * scan. The page is left unprotected: it reads as written and is read.
 * false when there is no page to try it on (nothing would come unread). */
static int prove(struct xc_dump *d, int pmfd, bool *proven)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t addr = 0, same;
	bool written = false, now, found = false;

	*proven = false;
	for (size_t i = 0; i < d->nr_vmas && !found; i++)
		found = d->track.owned[i] &&
			probe_page(pmfd, d->vmas[i].start, d->vmas[i].end, &addr, &written);
	if (!found)
		return 0;
	if (written && (set_wp(d->track.fd, addr, page, true) ||
			!probe_page(pmfd, addr, addr + page, &same, &now) || now))
		goto not_ours;
	if (set_wp(d->track.fd, addr, page, false) ||
	    !probe_page(pmfd, addr, addr + page, &same, &now) || !now)
		goto not_ours;
	*proven = true;
	return 0;
not_ours:
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, "mappings registered with a userfaultfd are not supported yet",
			-ENOTSUP, "mapping at %llx (registered, but not by xckpt's write tracking)",
			(unsigned long long)addr);
}

/* Before the pages: what this dump does with the tracking, now that the
 * parent's view of this process is open. */
int dump_track_plan(struct xc_dump *d, const struct xc_tree *t)
{
	struct xc_track_in *in = &d->track.in;
	bool proven = false;
	int err = 0;

	if (in->held && d->track.owned) {
		int pmfd = openat(d->procfd, "pagemap", O_RDONLY | O_CLOEXEC);

		if (pmfd < 0)
			return xc_fail(d->ctx, d->pid, "pagemap", "open", -errno);
		err = prove(d, pmfd, &proven);
		close(pmfd);
		if (err)
			return err;
	}
	in->parent_ns = t->parent.depth ? t->parent.created_ns : 0;
	in->in_parent = d->parent != NULL;
	in->arm = d->ctx->track;
	in->leave_running = d->ctx->leave_running;
	in->kernel_ok = t->track_kernel_ok;
	xc_track_plan(in, &d->track.plan);
	if (d->track.plan.use && !proven)
		d->track.plan.use = false;	/* nothing present to take unread anyway */
	/* A live pre-dump arms before it reads: the bits would say nothing. */
	if (t->live)
		d->track.plan.use = false;
	if (d->track.plan.why)
		xc_info("pid %d: %s: comparing page hashes", d->pid, d->track.plan.why);
	return 0;
}

static int regions_add(struct xc_track_regions *r, const struct xc_track_region *g)
{
	if (r->n == r->cap) {
		size_t c = r->cap ? r->cap * 2 : 64;
		struct xc_track_region *nv = realloc(r->v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = c;
	}
	r->v[r->n++] = *g;
	return 0;
}

/* Before one VMA's pages: when the tracking is used and covers this VMA,
 * PAGEMAP_SCAN lists its present and swapped pages, written or not, in
 * place of the pagemap (it walks the same page tables, but answers one
 * entry per range, not per page). A scan that fails leaves the VMA to the
 * pagemap: read whole. */
int dump_track_vma(struct xc_dump *d, size_t i, int pmfd)
{
	const struct xc_vma *v = &d->vmas[i];
	struct xc_track_region vec[512];
	struct xc_pm_scan_arg a = {
		.size = sizeof(a), .start = v->start, .end = v->end,
		.vec = (uint64_t)(uintptr_t)vec, .vec_len = 512,
		.category_anyof_mask = XC_PAGE_IS_PRESENT | XC_PAGE_IS_SWAPPED | XC_PAGE_IS_GUARD,
		.return_mask = XC_PAGE_IS_PRESENT | XC_PAGE_IS_SWAPPED | XC_PAGE_IS_FILE |
			       XC_PAGE_IS_WRITTEN | XC_PAGE_IS_PFNZERO | XC_PAGE_IS_GUARD,
	};

	d->track.vma_usable = false;
	d->track.scan.n = 0;
	if (!d->track.plan.use || !d->track.owned || !d->track.owned[i])
		return 0;
	/* Anonymous memory has no file pages: not asking spares the kernel a
	 * page lookup per entry. */
	if (d->vma_kind[i] == XC_VMA_ANON)
		a.return_mask &= ~XC_PAGE_IS_FILE;
	for (;;) {
		long n = ioctl(pmfd, XC_PAGEMAP_SCAN, &a);

		if (n < 0) {
			xc_info("pid %d: mapping %llx-%llx: PAGEMAP_SCAN: %s; read whole", d->pid,
				(unsigned long long)v->start, (unsigned long long)v->end,
				strerror(errno));
			return 0;
		}
		for (long k = 0; k < n; k++)
			if (regions_add(&d->track.scan, &vec[k]))
				return xc_fail(d->ctx, d->pid, "write tracking", "allocate", -ENOMEM);
		if (a.walk_end >= v->end || (!n && a.walk_end <= a.start))
			break;
		a.start = a.walk_end;
	}
	d->track.vma_usable = a.walk_end >= v->end;
	return 0;
}

/* The parent's run holding addr (-1: none); *next: the first run after it. */
static ssize_t parent_run(const struct xc_pview *p, size_t page, uint64_t addr, size_t *next)
{
	size_t lo = 0, hi = p->nr_runs;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->runs[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*next = lo;
	if (!lo || addr >= p->runs[lo - 1].vaddr + (uint64_t)p->runs[lo - 1].nr_pages * page)
		return -1;
	return (ssize_t)lo - 1;
}

/* Takes pages from addr on, not written since the parent, from the parent
 * unread while it holds them: *n of at most max, with its hashes. */
int dump_track_take(struct xc_dump *d, uint64_t addr, size_t max, size_t *n)
{
	const struct xc_pview *p = d->parent;
	size_t page = d->pages.page, next;

	*n = 0;
	while (*n < max) {
		ssize_t ri = parent_run(p, page, addr, &next);
		const struct xc_page_run *r;
		uint64_t first, take;

		if (ri < 0)
			return 0;
		r = &p->runs[ri];
		first = (addr - r->vaddr) / page;
		take = r->nr_pages - first;
		if (take > max - *n)
			take = max - *n;
		for (uint64_t k = 0; k < take; k++) {
			int err = xc_pagew_commit(d->ctx, &d->pages, addr,
						  p->hashes[p->hash_first[ri] + first + k], true);
			if (err)
				return err;
			addr += page;
		}
		*n += take;
		d->pages_scanned += take;
		d->pages_in_parent += take;
		d->track.pages_unread += take;
	}
	return 0;
}

/* How many pages from addr on (at least one, at most max) the parent does
 * not hold: they are read. */
size_t dump_track_parent_gap(struct xc_dump *d, uint64_t addr, size_t max)
{
	const struct xc_pview *p = d->parent;
	size_t page = d->pages.page, next, k;

	if (parent_run(p, page, addr, &next) >= 0)
		return 1;	/* not asked for: held */
	k = next < p->nr_runs ? (p->runs[next].vaddr - addr) / page : max;
	return k < 1 ? 1 : k > max ? max : k;
}

/* Pages read by this dump: write-protected again when it arms. */
int dump_track_note_read(struct xc_dump *d, uint64_t addr, size_t n)
{
	if (!d->ctx->track || !d->ctx->leave_running || d->track.armed)
		return 0;
	if (xc_track_ranges_add(&d->track.read, addr, addr + n * d->pages.page))
		return xc_fail(d->ctx, d->pid, "write tracking", "allocate", -ENOMEM);
	return 0;
}

/* A userfaultfd made by the target and moved to us: its ioctls act on the
 * target's mm. The target's fd is closed at once; a failure leaves no fd
 * behind there. */
static int create_remote(struct xc_dump *d)
{
	uint64_t a[6] = { O_CLOEXEC | O_NONBLOCK | XC_UFFD_USER_MODE_ONLY };
	struct uffdio_api api = { .api = UFFD_API, .features = XC_UFFD_FEATURE_WP_ASYNC };
	long tfd, ret;
	int pidfd, fd = -1, err;

	err = xc_rsys(d, SYS_userfaultfd, a, &tfd);
	if (err)
		return err;
	if (tfd < 0)
		return (int)tfd;
	pidfd = (int)syscall(XC_SYS_PIDFD_OPEN, d->pid, 0);
	if (pidfd >= 0) {
		fd = (int)syscall(XC_SYS_PIDFD_GETFD, pidfd, (int)tfd, 0);
		close(pidfd);
	}
	if (fd < 0)
		err = -errno;
	a[0] = (uint64_t)tfd;
	if (xc_rsys(d, SYS_close, a, &ret) || ret) {
		/* Should never happen: then the target must not run with it. */
		if (fd >= 0)
			close(fd);
		return xc_failf(d->ctx, d->pid, "close the userfaultfd made for tracking", -EIO,
				"fd %ld", tfd);
	}
	if (fd < 0)
		return err;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = -errno;
		close(fd);
		return err;
	}
	d->track.fd = fd;
	return 0;
}

static bool trackable(const struct xc_dump *d, size_t i)
{
	uint32_t k = d->vma_kind[i];

	/* Ours had vm_uffd cleared at collect; another's was refused there. */
	return (k == XC_VMA_ANON || k == XC_VMA_FILE_PRIV) && d->vmas[i].vm_maywrite &&
	       !d->vmas[i].vm_uffd;
}

/* After the image is on disk, the target still stopped: register what is
 * not yet ours, write-protect what this dump read. Any failure only means
 * no tracking: the image is complete whatever happens here. */
static void arm(struct xc_dump *d)
{
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	uint64_t pages = 0;
	size_t registered = 0;
	int err = 0;

	if (d->track.fd < 0)
		err = create_remote(d);
	if (err) {
		xc_info("pid %d: cannot arm write tracking (%s): the next incremental dump will "
			"compare page hashes", d->pid, strerror(-err));
		d->track.plan.end = XC_TRACK_CLOSE;
		return;
	}
	for (size_t i = 0; i < d->nr_vmas; i++) {
		if (!trackable(d, i))
			continue;
		err = uffd_register(d->track.fd, &d->vmas[i]);
		if (err)
			xc_debug("pid %d: mapping %llx-%llx: not tracked (register: %s)", d->pid,
				 (unsigned long long)d->vmas[i].start,
				 (unsigned long long)d->vmas[i].end, strerror(-err));
		else
			registered++;
	}
	/* A page left unprotected only reads as written: never a wrong page. */
	for (size_t k = 0; k < d->track.read.n; k++) {
		wp.range.start = d->track.read.v[k].start;
		wp.range.len = d->track.read.v[k].end - d->track.read.v[k].start;
		if (ioctl(d->track.fd, UFFDIO_WRITEPROTECT, &wp))
			xc_debug("pid %d: write-protect %llx+%llx: %s", d->pid,
				 (unsigned long long)wp.range.start, (unsigned long long)wp.range.len,
				 strerror(errno));
		else
			pages += wp.range.len / (uint64_t)sysconf(_SC_PAGESIZE);
	}
	d->track.armed = true;
	xc_info("pid %d: write tracking armed: %zu mappings, %llu pages protected again", d->pid,
		registered, (unsigned long long)pages);
}

/* Live pre-dump, still stopped: every present or swapped page of what will
 * be tracked is write-protected before any is read, so that each page the
 * process writes while it is read reads as written at the final dump. */
int dump_track_live_ranges(struct xc_dump *d)
{
	int pmfd;

	if (d->track.plan.end != XC_TRACK_ARM)
		return 0;
	pmfd = openat(d->procfd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0)
		return xc_fail(d->ctx, d->pid, "pagemap", "open", -errno);
	for (size_t i = 0; i < d->nr_vmas; i++) {
		struct xc_track_region vec[512];
		struct xc_pm_scan_arg a = {
			.size = sizeof(a), .start = d->vmas[i].start, .end = d->vmas[i].end,
			.vec = (uint64_t)(uintptr_t)vec, .vec_len = 512,
			.category_anyof_mask = XC_PAGE_IS_PRESENT | XC_PAGE_IS_SWAPPED,
			.return_mask = XC_PAGE_IS_PRESENT | XC_PAGE_IS_SWAPPED,
		};

		if (!trackable(d, i))
			continue;
		for (;;) {
			long n = ioctl(pmfd, XC_PAGEMAP_SCAN, &a);

			if (n < 0) {
				/* Unprotected: it reads as written, never wrong. */
				xc_debug("pid %d: PAGEMAP_SCAN: %s", d->pid, strerror(errno));
				break;
			}
			for (long k = 0; k < n; k++)
				if (xc_track_ranges_add(&d->track.read, vec[k].start, vec[k].end)) {
					close(pmfd);
					return xc_fail(d->ctx, d->pid, "write tracking", "allocate",
						       -ENOMEM);
				}
			if (a.walk_end >= d->vmas[i].end || (!n && a.walk_end <= a.start))
				break;
			a.start = a.walk_end;
		}
	}
	close(pmfd);
	return 0;
}

void dump_track_arm(struct xc_tree *t)
{
	double t0 = xc_now();

	for (size_t i = 0; i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;

		if (d && d->track.plan.end == XC_TRACK_ARM)
			arm(d);
	}
	xc_debug("arming took %.3f s", xc_now() - t0);
}

/* The keeper's listening socket for one process. -errno when the name is
 * taken (another keeper still has it) or sockets fail. */
static int listen_for(pid_t pid, uint64_t starttime)
{
	struct sockaddr_un a;
	socklen_t alen;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), err;

	if (s < 0)
		return -errno;
	keeper_name(&a, &alen, pid, starttime);
	if (bind(s, (struct sockaddr *)&a, alen) || listen(s, 4)) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

/* Starts `xckpt __track-keeper` with the fds in argv, detached (its own
 * session, reparented away from us), stdio on /dev/null so that it holds
 * nobody's pipe open. */
static void start_keeper(char **argv, const int *fds, size_t nfds)
{
	pid_t pid = fork(), gc;
	int st;

	if (pid < 0) {
		xc_info("cannot start the tracking keeper: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		gc = fork();
		if (gc == 0) {
			int null = open("/dev/null", O_RDWR);

			setsid();
			for (size_t i = 0; i < nfds; i++)
				fcntl(fds[i], F_SETFD, 0);
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		_exit(gc < 0 ? 1 : 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* After the dump, whatever its outcome (err): hand every tracking that is
 * kept to a new keeper, drop the rest. A dump that failed before its image
 * was on disk changed no write-protect bit, so it keeps what it took,
 * unchanged. */
void dump_track_end(struct xc_tree *t, int err)
{
	size_t n = 0, nfd = 0;
	char **argv = calloc(t->nr + 3, sizeof(*argv));
	int *fds = calloc(3 * t->nr + 1, sizeof(*fds));

	if (argv && fds) {
		argv[n++] = "xckpt";
		argv[n++] = KEEPER_CMD;
	}
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;
		enum xc_track_end end;
		uint64_t base;
		int lfd, pidfd;

		if (!d || d->track.fd < 0)
			continue;
		end = err ? XC_TRACK_KEEP : d->track.plan.end;
		/* Armed against an image that never made it to disk (a live
		 * pre-dump that failed while copying): worth nothing. */
		if (d->track.armed && !t->committed)
			end = XC_TRACK_CLOSE;
		/* Once armed, the bits are against the new image, whatever
		 * fails afterwards (it is on disk). */
		base = d->track.armed ? t->created_ns : d->track.in.base_ns;
		lfd = pidfd = -1;
		if (end != XC_TRACK_CLOSE && argv && fds) {
			lfd = listen_for(d->pid, d->track.starttime);
			pidfd = (int)syscall(XC_SYS_PIDFD_OPEN, d->pid, 0);
		}
		if (lfd >= 0 && pidfd >= 0 &&
		    asprintf(&argv[n], "%d:%llu:%llu:%d:%d:%d", d->pid,
			     (unsigned long long)d->track.starttime, (unsigned long long)base,
			     d->track.fd, lfd, pidfd) > 0) {
			n++;
			fds[nfd++] = d->track.fd;
			fds[nfd++] = lfd;
			fds[nfd++] = pidfd;
			d->track.fd = -1;	/* closed below, once the keeper has them */
			continue;
		}
		if (end != XC_TRACK_CLOSE)
			xc_info("pid %d: cannot keep the write tracking (keeper: %s)", d->pid,
				lfd < 0 ? strerror(-lfd) : "no pidfd");
		if (lfd >= 0)
			close(lfd);
		if (pidfd >= 0)
			close(pidfd);
		/* The last reference: the kernel unregisters every mapping. */
		close(d->track.fd);
		d->track.fd = -1;
	}
	if (argv && n > 2)
		start_keeper(argv, fds, nfd);
	for (size_t i = 0; i < nfd; i++)
		close(fds[i]);
	for (size_t i = 2; argv && i < n; i++)
		free(argv[i]);
	free(argv);
	free(fds);
}

void dump_track_free(struct xc_dump *d)
{
	if (d->track.fd >= 0)
		close(d->track.fd);
	d->track.fd = -1;
	free(d->track.owned);
	d->track.owned = NULL;
	free(d->track.scan.v);
	d->track.scan = (struct xc_track_regions){ 0 };
	xc_track_ranges_free(&d->track.read);
}

/* ---- the keeper --------------------------------------------------------- */

struct kent {
	pid_t pid;
	uint64_t starttime, base;
	int ufd, lfd, pidfd;
};

static void kent_drop(struct kent *e)
{
	close(e->ufd);
	close(e->lfd);
	close(e->pidfd);
	e->pid = 0;
}

/* One connection: a dump of this process takes its fd. The name is freed
 * first, so that the dump can start a keeper of its own under it. */
static void kent_hand(struct kent *e)
{
	struct keeper_msg m = { MSG_MAGIC, 1, e->pid, 0, e->starttime, e->base };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int s = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (s < 0)
		return;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) || (cr.uid && cr.uid != geteuid())) {
		close(s);
		return;
	}
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &e->ufd, sizeof(int));
	close(e->lfd);
	e->lfd = -1;
	sendmsg(s, &mh, MSG_NOSIGNAL);
	/* Ours gone before the end of the connection, which the dump waits
	 * for: once it drops the fd, the process is unregistered at once. */
	kent_drop(e);
	close(s);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* xckpt __track-keeper PID:STARTTIME:BASE:UFFD:LISTEN:PIDFD... — holds each
 * fd until a dump takes it or its process ends; exits when none is left. */
int xc_track_keeper_main(int argc, char **argv)
{
	struct kent *e = calloc(argc, sizeof(*e));
	struct pollfd *p = calloc(2 * argc, sizeof(*p));
	int *keep = calloc(3 * argc + 3, sizeof(*keep));
	size_t n = 0, nk = 0;
	int prev = 2;

	if (!e || !p || !keep)
		return 1;
	for (int i = 2; i < argc; i++) {
		unsigned long long st, base;
		int pid;

		if (sscanf(argv[i], "%d:%llu:%llu:%d:%d:%d", &pid, &st, &base, &e[n].ufd, &e[n].lfd,
			   &e[n].pidfd) != 6)
			return 2;
		e[n].pid = pid;
		e[n].starttime = st;
		e[n].base = base;
		keep[nk++] = e[n].ufd;
		keep[nk++] = e[n].lfd;
		keep[nk++] = e[n].pidfd;
		n++;
	}
	/* Nothing else of the dump's: no image directory, no pipe. */
	qsort(keep, nk, sizeof(*keep), cmp_int);
	for (size_t i = 0; i < nk; i++) {
		if (keep[i] > prev + 1)
			close_range(prev + 1, keep[i] - 1, 0);
		prev = keep[i];
	}
	close_range(prev + 1, ~0U, 0);
	if (chdir("/"))
		return 1;
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "xckpt-track", 0, 0, 0);
	for (;;) {
		size_t np = 0, live = 0;

		for (size_t i = 0; i < n; i++) {
			if (!e[i].pid)
				continue;
			live++;
			p[np++] = (struct pollfd){ .fd = e[i].lfd, .events = POLLIN };
			p[np++] = (struct pollfd){ .fd = e[i].pidfd, .events = POLLIN };
		}
		if (!live)
			return 0;
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		np = 0;
		for (size_t i = 0; i < n; i++) {
			if (!e[i].pid)
				continue;
			if (p[np + 1].revents)
				kent_drop(&e[i]);	/* the process ended */
			else if (p[np].revents)
				kent_hand(&e[i]);
			np += 2;
		}
	}
}
