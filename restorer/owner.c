/* Who a restore runs as. An image is only as trustworthy as whoever could
 * write it: when root restores an image directory that belongs to another
 * user, every id the image claims must be that user's (its uids exactly,
 * its gids and groups among the user's groups in the system's database),
 * and xckpt becomes that user before it creates anything. It keeps only
 * CAP_CHECKPOINT_RESTORE (clone3 with set_tid, PR_SET_MM_MAP's exe), which
 * the restored process gives up before it runs (the blob drops its
 * capabilities). So a user's image never makes root create a process, open
 * a file or grant an id that the user could not have had. */
#define LOG_PREFIX "restore: "
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

static bool in_list(uint32_t id, const gid_t *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] == id)
			return true;
	return false;
}

/* Keeps CAP_CHECKPOINT_RESTORE, and only it, across the change of ids. */
static int keep_only_checkpoint_cap(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	const int cap = CAP_CHECKPOINT_RESTORE;

	d[cap / 32].permitted = d[cap / 32].effective = 1u << (cap % 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* Every id the image of one process claims, against what the restoring user
 * may take: the owner's ids (root restoring a user's directory) or our own. */
static int check_proc(struct xc_rst *r, uid_t owner, const struct passwd *pw,
		      const gid_t *allowed, int n)
{
	const struct xc_rec_creds *c = r->creds;

	if (c->uid != owner || c->euid != owner || c->suid != owner || c->fsuid != owner)
		return xc_failf(r->ctx, r->pid, "refused: the image claims other user ids than the "
				"owner of its directory", -EPERM, "credentials (uid %u/%u/%u/%u, "
				"directory owned by uid %u)", c->uid, c->euid, c->suid, c->fsuid,
				(unsigned)owner);
	if (!in_list(c->gid, allowed, n) || !in_list(c->egid, allowed, n) ||
	    !in_list(c->sgid, allowed, n) || !in_list(c->fsgid, allowed, n))
		return xc_failf(r->ctx, r->pid, "refused: the image claims a group its owner is not "
				"in", -EPERM, "credentials (gid %u/%u/%u/%u, owner %s)", c->gid,
				c->egid, c->sgid, c->fsgid, pw->pw_name);
	for (uint32_t i = 0; i < c->nr_groups && i < 64; i++)
		if (!in_list(c->groups[i], allowed, n))
			return xc_failf(r->ctx, r->pid, "refused: the image claims a group its owner "
					"is not in", -EPERM, "supplementary group %u (owner %s)",
					c->groups[i], pw->pw_name);
	return 0;
}

/* Without root a process could only come back with our ids: another
 * user's image would come back as someone else. */
static int check_ours(struct xc_rst *r)
{
	const struct xc_rec_creds *c = r->creds;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	if (c->uid != ru || c->euid != eu || c->suid != su || c->gid != rg || c->egid != eg ||
	    c->sgid != sg)
		return xc_failf(r->ctx, r->pid, "the image belongs to another user; only root may "
				"restore it", -EPERM, "credentials (uid %u, gid %u; restoring as uid %u)",
				c->uid, c->gid, (unsigned)eu);
	return 0;
}

static bool same_groups(const struct xc_rec_creds *a, const struct xc_rec_creds *b)
{
	return a->gid == b->gid && a->egid == b->egid && a->sgid == b->sgid &&
	       a->nr_groups == b->nr_groups &&
	       !memcmp(a->groups, b->groups, (a->nr_groups < 64 ? a->nr_groups : 64) * sizeof(uint32_t));
}

int rst_become_owner(struct xc_rtree *t)
{
	struct xc_rst *first = NULL;
	gid_t allowed[256];
	int n = 256, err = 0;
	struct passwd *pw;
	struct stat st;
	uid_t owner;

	for (size_t i = 0; i < t->nr && geteuid() != 0; i++)
		if (t->procs[i].creds && (err = check_ours(&t->procs[i])))
			return err;
	if (geteuid() != 0)
		return 0;
	if (fstat(t->dirfd, &st))
		return xc_fail(t->ctx, 0, t->ctx->dir, "stat image directory", -errno);
	owner = st.st_uid;
	if (owner == 0)
		return 0;
	t->ctx->exit_hint = XC_EXIT_IMAGE;
	pw = getpwuid(owner);
	if (!pw)
		return xc_failf(t->ctx, 0, "refused: the owner of the image directory is not a known "
				"user", -EPERM, "%s (uid %u)", t->ctx->dir, (unsigned)owner);
	if (getgrouplist(pw->pw_name, pw->pw_gid, allowed, &n) < 0)
		n = 0;	/* more than 256 groups: only the primary one below */
	if (!n)
		allowed[n++] = pw->pw_gid;
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_rst *r = &t->procs[i];
		if (!r->creds)
			continue;	/* a zombie: nothing runs */
		err = check_proc(r, owner, pw, allowed, n);
		if (err)
			return err;
		if (!first)
			first = r;
		else if (!same_groups(first->creds, r->creds))
			return xc_failf(t->ctx, r->pid, "refused: processes of a user's image with "
					"different groups (restore it as that user)", -EPERM,
					"credentials (gid %u, process %d has gid %u)", r->creds->gid,
					first->pid, first->creds->gid);
	}
	t->ctx->exit_hint = 0;
	if (!first)
		return 0;
	const struct xc_rec_creds *c = first->creds;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(c->nr_groups < 64 ? c->nr_groups : 64, (const gid_t *)c->groups) ||
	    setresgid(c->gid, c->egid, c->sgid) || setresuid(owner, owner, owner))
		return xc_failf(t->ctx, first->pid, "become the owner of the image", -errno,
				"uid %u", (unsigned)owner);
	err = keep_only_checkpoint_cap();
	if (err)
		return xc_fail(t->ctx, first->pid, "capabilities", "keep CAP_CHECKPOINT_RESTORE", err);
	/* Changing ids made us non-dumpable, and the restored processes would
	 * inherit that: we could not trace our own children. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	xc_info("restoring as %s (uid %u), the owner of %s", pw->pw_name, (unsigned)owner,
		t->ctx->dir);
	return 0;
}
