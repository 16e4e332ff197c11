/* Lazy restore (--lazy), xckpt's side. Private anonymous memory is not
 * written before the processes run: the blob registers those mappings
 * with a userfaultfd in missing mode (restorer/blob/restorer.c), xckpt
 * takes a copy of that fd at the blob's first trap (pidfd_getfd; the
 * process closes its own in phase 2, so its fd table is the dumped one)
 * and hands it to the page server (pagesrv.c), which brings pages in on
 * demand and in the background and exits once every page is in. The page
 * server is a process of its own, started before the tree, so that it
 * outlives a restoring xckpt that returns (--detach) or is killed.
 * Everything else (file-backed, shared, locked memory) is written before
 * the process runs, as without --lazy. */
#define LOG_PREFIX "lazy: "
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

#ifndef UFFD_FEATURE_THREAD_ID
#define UFFD_FEATURE_THREAD_ID (1 << 8)
#endif

/* Missing mode covers anonymous, shmem and hugetlbfs mappings, not private
 * file mappings, whose copied-on-write pages are written before the
 * process runs. Shared memory is too (one object, several processes).
 * Locked memory is expected resident. A wipe-on-fork mapping would reach a
 * child forked before its pages are in with the image's pages instead of
 * zeros. The stack holds the arguments and environment, which other
 * processes read (/proc/PID/cmdline, ps): the kernel reads them without
 * waiting for a userfaultfd (it would fail the read), so the stack is
 * written before the process runs; it is small. */
bool rst_lazy_vma(const struct xc_rst *r, const struct xc_rec_vma *v)
{
	/* hugetlb memory stays eager: the page server copies 4 KiB pages
	 * and blocks, and a huge page can only be filled whole. */
	return r->ctx->lazy && v->kind == XC_VMA_ANON && !(v->flags & XC_VMA_F_STACK) &&
	       !v->hpage_shift && !(v->vmflags & (XC_VMF_LOCKED | XC_VMF_WIPEONFORK));
}

/* Fork: a child made before its parent's pages are in gets a userfaultfd
 * of its own (the page server fills it too; without it the child would
 * read zeros). Remove, unmap, remap: a page dropped by madvise or munmap
 * must not be filled afterwards, and one moved by mremap is filled where
 * it went. Thread id: the page server kills a process whose pages it
 * cannot read, and a forked child is known only by its faults. */
uint64_t rst_lazy_features(const struct rst_vma *v, uint32_t n, uint32_t *lazy)
{
	*lazy = 0;
	for (uint32_t i = 0; i < n; i++)
		*lazy |= v[i].lazy;
	return UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP | UFFD_FEATURE_EVENT_REMOVE |
	       UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_THREAD_ID;
}

/* The segments of lazy mappings move to lazy_segs; segs keeps the rest,
 * which rst_mm_fill() writes. Both are in address order, as the VMAs. */
static int split(struct xc_rst *r)
{
	size_t page = sysconf(_SC_PAGESIZE), v = 0, keep = 0;

	r->lazy_segs = malloc((r->nr_segs + 1) * sizeof(*r->lazy_segs));
	if (!r->lazy_segs)
		return xc_fail(r->ctx, r->pid, "pages", "allocate", -ENOMEM);
	for (size_t i = 0; i < r->nr_segs; i++) {
		const struct xc_pseg *s = &r->segs[i];

		while (v < r->nr_vmas && r->vmas[v]->end <= s->vaddr)
			v++;
		if (v < r->nr_vmas && r->vmas[v]->start <= s->vaddr &&
		    s->vaddr + (uint64_t)s->nr_pages * page <= r->vmas[v]->end &&
		    rst_lazy_vma(r, r->vmas[v])) {
			r->lazy_segs[r->nr_lazy_segs++] = *s;
			r->lazy_pages += s->nr_pages;
		} else {
			r->segs[keep++] = *s;
		}
	}
	r->nr_segs = keep;
	r->seg_pages -= r->lazy_pages;
	return 0;
}

/* Marks (keep != NULL) or finds the highest of the page files' fds. */
static int pager_fds(struct xc_rtree *t, char *keep)
{
	int max = -1;

	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];

		for (size_t k = 0; k <= r->nr_chain; k++) {
			const struct xc_pager *pr = k ? &r->chain[k - 1].pager : &r->pager;
			int fds[2] = { pr->fd, pr->dfd };

			if (k && !r->chain)
				break;
			for (int j = 0; j < 2; j++) {
				if (fds[j] > max)
					max = fds[j];
				if (keep && fds[j] >= 0)
					keep[fds[j]] = 1;
			}
		}
	}
	return max;
}

/* In the page server: keeps fds 0-2 (stdin and stdout become /dev/null: a
 * caller reading xckpt's output must not wait for the server), the page
 * files and the sockets to xckpt and to the guard; closes every other fd
 * it inherited (sockets, pipes, files of the tree, which must not stay
 * open in it). */
void rst_lazy_server_fds(struct xc_rtree *t, int sock, int guard)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), keep_max = pager_fds(t, NULL);
	char *keep;

	if (sock > keep_max)
		keep_max = sock;
	if (guard > keep_max)
		keep_max = guard;
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	keep = calloc((size_t)keep_max + 1, 1);
	if (!keep)
		_exit(XC_EXIT_FAIL);
	keep[sock] = 1;
	keep[guard] = 1;
	pager_fds(t, keep);
	for (int fd = 3; fd <= keep_max; fd++)
		if (!keep[fd])
			close(fd);
	close_range((unsigned)keep_max + 1, ~0U, 0);
	free(keep);
}

/* The guard and its child the page server (pageguard.c) are made by a
 * double fork, so that they are no children of xckpt (whose waits for the
 * tree must not meet them) and are adopted once left alone. The server
 * tells its pid first. */
int rst_lazy_start(struct xc_rtree *t)
{
	uint64_t pages = 0;
	int sv[2], status, err = 0;
	pid_t mid;

	t->lazy_sock = 0;
	if (!t->ctx->lazy)
		return 0;
	for (size_t i = 0; i < t->nr && !err; i++)
		if (!(t->procs[i].rec->flags & XC_PROC_ZOMBIE))
			err = split(&t->procs[i]);
	for (size_t i = 0; i < t->nr; i++)
		pages += t->procs[i].lazy_pages;
	if (err || !pages)
		return err;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return xc_fail(t->ctx, 0, "page server", "socketpair", -errno);
	mid = fork();
	if (mid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return xc_fail(t->ctx, 0, "page server", "fork", err);
	}
	if (!mid) {
		pid_t s = fork();

		if (s)
			_exit(s < 0 ? XC_EXIT_FAIL : 0);
		close(sv[0]);
		rst_pageguard_main(t, sv[1]);
	}
	close(sv[1]);
	t->lazy_sock = sv[0];
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(sv[0], &t->lazy_pid, sizeof(t->lazy_pid)) != sizeof(t->lazy_pid)) {
		rst_lazy_end(t);
		return xc_fail(t->ctx, 0, "page server", "start", -ECHILD);
	}
	xc_info("page server pid %d: %llu MiB of private memory in the background and on "
		"demand; it stays until every page is in", t->lazy_pid,
		(unsigned long long)(pages * sysconf(_SC_PAGESIZE) >> 20));
	return 0;
}

/* At the blob's first trap: the uffd it made, by number in its args. */
int rst_lazy_hand(struct xc_rst *r, pid_t pid)
{
	struct xc_rtree *t = r->tree;
	int32_t nr, msg[2] = { (int32_t)(r - t->procs), pid };
	struct iovec lo = { &nr, sizeof(nr) },
		     re = { (void *)(uintptr_t)(r->args_addr + offsetof(struct rst_args, uffd)),
			    sizeof(nr) };
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec io = { msg, sizeof(msg) };
	struct msghdr mh = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int pidfd, fd, err = 0;

	if (t->lazy_sock <= 0 || !r->lazy_pages)
		return 0;
	if (process_vm_readv(pid, &lo, 1, &re, 1, 0) != sizeof(nr))
		return xc_fail(r->ctx, pid, "restorer", "read its userfaultfd", -errno);
	if (nr < 0)
		return xc_fail(r->ctx, pid, "userfaultfd", "find in the restorer", -EBADF);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return xc_fail(r->ctx, pid, "process", "pidfd_open", -errno);
	fd = (int)syscall(438 /* pidfd_getfd */, pidfd, nr, 0);
	if (fd < 0)
		err = xc_failf(r->ctx, pid, "pidfd_getfd", -errno, "userfaultfd (fd %d)", nr);
	close(pidfd);
	if (err)
		return err;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(t->lazy_sock, &mh, MSG_NOSIGNAL) != sizeof(msg))
		err = xc_failf(r->ctx, pid, "hand over", errno ? -errno : -EPIPE,
			       "page server pid %d", t->lazy_pid);
	close(fd);
	return err;
}

/* Said, not left to the socket's end: a --pidns init, made after the
 * socket, holds a copy of xckpt's end for as long as it lives. */
void rst_lazy_end(struct xc_rtree *t)
{
	int32_t end[2] = { -1, 0 };

	if (t->lazy_sock <= 0)
		return;
	if (send(t->lazy_sock, end, sizeof(end), MSG_NOSIGNAL) != sizeof(end))
		xc_debug("page server: tell the end: %s", strerror(errno));
	close(t->lazy_sock);
	t->lazy_sock = 0;
}
