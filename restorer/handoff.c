/* Event objects and ptys that several processes share (inherited across
 * fork): one process makes the object, the others get that very open file
 * description from it, as SCM_RIGHTS over a datagram socketpair that xckpt
 * made for it before the fork. The maker is the process whose image holds
 * the FILE record (the first one dumped that holds it), which is also the
 * one with the object's records; an epoll's watches are its fds.
 *
 * No wait can close a cycle: every process handles its open files in the
 * same order (restore_fds: pass, then FILE id), a receiver waits at one
 * file only for its maker to reach that same file, and the maker never
 * waits for a receiver but to queue a datagram, which the receivers of
 * that file are there to read. */
#define LOG_PREFIX "handoff: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

bool rst_handoff_wanted(const struct xc_rec_file *f, uint32_t users)
{
	/* /dev/tty stands for the controlling terminal of whoever opens it:
	 * the restored session's, not xckpt's. */
	return users > 1 && (rst_is_anon_file(f->kind) || rst_is_tty_file(f->kind) ||
			     (f->kind == XC_FD_CHR && !strcmp(f->path, "/dev/tty")));
}

/* Parent side, before the fork: the socketpair of each such file, at
 * t->handoff[2 * (id - 1)] (the maker sends on it) and [+ 1] (the others
 * receive on it); -1 elsewhere. Counted in nr_shared; the caller moves
 * them into the shared block, so every process inherits them. */
int rst_handoff_open(struct xc_rtree *t, const uint32_t *users)
{
	t->handoff = malloc((2 * t->nr_files + 1) * sizeof(*t->handoff));
	t->handoff_users = malloc((t->nr_files + 1) * sizeof(*t->handoff_users));
	if (!t->handoff || !t->handoff_users)
		return xc_fail(t->ctx, 0, "shared event objects", "allocate", -ENOMEM);
	for (size_t id = 1; id <= t->nr_files; id++) {
		int *sv = &t->handoff[2 * (id - 1)];

		sv[0] = sv[1] = -1;
		t->handoff_users[id - 1] = users[id];
		if (!rst_handoff_wanted(t->files[id - 1], users[id]))
			continue;
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
			return xc_failf(t->ctx, 0, "socketpair to share it", -errno,
					"open file %zu (%s)", id, t->files[id - 1]->path);
		t->nr_shared += 2;
	}
	return 0;
}

void rst_handoff_close(struct xc_rtree *t)
{
	for (size_t i = 0; t->handoff && i < 2 * t->nr_files; i++)
		if (t->handoff[i] >= 0)
			close(t->handoff[i]);
	free(t->handoff);
	free(t->handoff_users);
	t->handoff = NULL;
	t->handoff_users = NULL;
}

bool rst_handoff_is_maker(const struct xc_rst *r, const struct xc_rec_file *f)
{
	for (size_t i = 0; i < r->nr_ofiles; i++)
		if (r->ofiles[i] == f)
			return true;
	return false;
}

/* Child side, the maker: one copy of fd for each other process. */
int rst_handoff_send(struct xc_rst *r, const struct xc_rec_file *f, int fd, const char *obj)
{
	const struct xc_rtree *t = r->tree;
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (!t->handoff || t->handoff[2 * (f->id - 1)] < 0)
		return 0;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (uint32_t i = 1; i < t->handoff_users[f->id - 1]; i++)
		while (sendmsg(t->handoff[2 * (f->id - 1)], &m, 0) != 1)
			if (errno != EINTR)
				return rst_child_fail(r, obj, "hand to the other processes", -errno);
	return 0;
}

/* Child side, another holder: the maker's open file description, as a new
 * fd in *out. */
int rst_handoff_recv(struct xc_rst *r, const struct xc_rec_file *f, const char *obj, int *out)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(r->tree->handoff[2 * (f->id - 1) + 1], &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rst_child_fail(r, obj, "receive from the process that made it", -errno);
	c = CMSG_FIRSTHDR(&m);
	if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return rst_child_fail(r, obj, "receive from the process that made it", -EPROTO);
	memcpy(out, CMSG_DATA(c), sizeof(int));
	return 0;
}

bool rst_handoff_expected(const struct xc_rst *r, const struct xc_rec_file *f)
{
	return r->tree->handoff && r->tree->handoff[2 * (f->id - 1)] >= 0 &&
	       !rst_handoff_is_maker(r, f);
}
