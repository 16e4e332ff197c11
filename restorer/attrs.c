/* Per-process attributes (child side, before the blob): transparent huge
 * pages disabled, child subreaper, membarrier registrations, oom_score_adj,
 * coredump_filter, loginuid. All belong to the process or its mm, which the
 * blob keeps. Each is set only where it differs from what the child
 * inherited from xckpt, so that a restore needs no privilege for what did
 * not change. What the blob and the parent set (per-thread attributes,
 * capabilities, mlockall, dumpable) is checked here before anything is
 * created (rst_attrs_check). */
#define LOG_PREFIX "attrs: "
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Writes v to /proc/self/<name> unless it reads so already (the file
 * shows it in base 10 or 16). */
static int proc_set(struct xc_rst *r, const char *name, long long v, int base)
{
	char path[64], now[64] = "", s[32];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return rst_child_fail(r, name, "open", -errno);
	n = read(fd, now, sizeof(now) - 1);
	if (n <= 0 || strtoll(now, NULL, base) != v) {
		snprintf(s, sizeof(s), base == 16 ? "%#llx" : "%lld", v);
		if (pwrite(fd, s, strlen(s), 0) != (ssize_t)strlen(s))
			err = rst_child_fail(r, name, "write", -errno);
	}
	close(fd);
	return err;
}

int rst_attrs(struct xc_rst *r)
{
	const struct xc_rec_task_attrs *a = r->task_attrs;

	/* PR_GET_THP_DISABLE said 1 (disabled) or 3 (disabled except where
	 * madvise(MADV_HUGEPAGE) asks: PR_THP_DISABLE_EXCEPT_ADVISED). */
	if (a->thp_disable &&
	    prctl(PR_SET_THP_DISABLE, 1, a->thp_disable & 2 ? 1ul << 1 : 0, 0, 0))
		return rst_child_fail(r, "transparent huge pages", "prctl PR_SET_THP_DISABLE", -errno);
	if (a->child_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return rst_child_fail(r, "child subreaper", "prctl PR_SET_CHILD_SUBREAPER", -errno);
	for (int bit = 0; bit < 32; bit++)
		if ((a->membarrier & (1u << bit)) && syscall(SYS_membarrier, 1u << bit, 0, 0))
			return rst_child_fail(r, "membarrier registration", "membarrier", -errno);
	int err = proc_set(r, "oom_score_adj", a->oom_score_adj, 10);

	if (!err)
		err = proc_set(r, "coredump_filter", a->coredump_filter, 16);
	return err ? err : proc_set(r, "loginuid", a->loginuid, 10);
}

/* What PR_SET_SPECULATION_CTRL is to set for a thread that read saved
 * (PR_GET_SPECULATION_CTRL), or 0 to leave the kernel's: only a control
 * the thread could change (PR_SPEC_PRCTL) is its own; the others are the
 * system's mitigation mode. Pure. */
uint32_t rst_spec_state(uint32_t saved)
{
	if (!(saved & PR_SPEC_PRCTL))
		return 0;
	if (saved & PR_SPEC_FORCE_DISABLE)
		return PR_SPEC_FORCE_DISABLE;
	if (saved & PR_SPEC_DISABLE_NOEXEC)
		return PR_SPEC_DISABLE_NOEXEC;
	if (saved & PR_SPEC_DISABLE)
		return PR_SPEC_DISABLE;
	return saved & PR_SPEC_ENABLE ? PR_SPEC_ENABLE : 0;
}

/* xckpt's own capability sets, as the restored threads start with them. */
static int own_caps(struct rst_caps *own)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	own->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	own->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	own->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	own->bnd = own->amb = 0;
	for (int c = 0; c < 64; c++) {
		int b = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);

		if (b > 0)
			own->bnd |= 1ull << c;
		if (a > 0)
			own->amb |= 1ull << c;
	}
	return 0;
}

/* Whether the saved sets c come back exactly: NULL, or why not. As root
 * (the blob's set_creds) they are set as they were, which takes nothing
 * beyond what xckpt holds; otherwise the process runs with xckpt's
 * bounding set and no capability (the blob's drop_caps), so that is what
 * it must have had: a restore grants nothing the process lacked, and
 * takes nothing it had. Pure. */
const char *rst_caps_refusal(const struct xc_rec_creds *c, const struct rst_caps *own, bool as_root)
{
	if (as_root) {
		/* capset() takes an inheritable capability outside the
		 * permitted set only with CAP_SETPCAP, and then within the
		 * bounding set; dropping from the bounding set needs it too. */
		bool setpcap = own->eff >> CAP_SETPCAP & 1;
		uint64_t inh_ok = own->inh | (setpcap ? own->bnd : own->prm);

		if (c->cap_prm & ~own->prm || c->cap_bnd & ~own->bnd || c->cap_inh & ~inh_ok)
			return "xckpt lacks capabilities the process held";
		if (c->cap_bnd != own->bnd && !setpcap)
			return "xckpt lacks CAP_SETPCAP to set the bounding set the process had";
		return NULL;
	}
	if (c->cap_eff || c->cap_prm || c->cap_inh || c->cap_amb)
		return "the process held capabilities, which only a restore by root gives back";
	if (c->cap_bnd != own->bnd)
		return "the process had another capability bounding set than xckpt "
		       "(only a restore by root sets it)";
	return NULL;
}

/* Parent side, after rst_become_owner() and before anything is created:
 * the capability sets, and a parent-death signal of a root of the tree,
 * whose parent is xckpt: with --detach it would fire at once. */
int rst_attrs_check(struct xc_rtree *t)
{
	struct rst_caps own;
	int err = own_caps(&own);

	if (err)
		return xc_fail(t->ctx, 0, "xckpt's capabilities", "capget", err);
	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_rst *r = &t->procs[i];
		const struct xc_rec_creds *c = r->creds;
		const char *why;

		if (!c)
			continue;	/* a zombie: nothing runs */
		for (size_t j = 0; t->ctx->detach && !r->rec->ppid && j < r->nr_thr; j++)
			if (r->thr[j].rec->pdeathsig)
				return xc_failf(t->ctx, r->pid, "it would fire when xckpt exits: "
						"restore without --detach", -ENOTSUP,
						"parent-death signal %u of thread %u",
						r->thr[j].rec->pdeathsig, r->thr[j].rec->tid);
		why = rst_caps_refusal(c, &own, geteuid() == 0);
		if (why) {
			t->ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(t->ctx, r->pid, why, -EPERM,
					"capabilities (CapPrm %#llx, CapBnd %#llx; xckpt's %#llx, %#llx)",
					(unsigned long long)c->cap_prm, (unsigned long long)c->cap_bnd,
					(unsigned long long)own.prm, (unsigned long long)own.bnd);
		}
	}
	return 0;
}
