/* Per-process attributes (child side, before the blob): transparent huge
 * pages disabled, child subreaper, membarrier registrations, oom_score_adj,
 * loginuid. All belong to the process or its mm, which the blob keeps.
 * Each is set only where it differs from what the child inherited from
 * xckpt, so that a restore needs no privilege for what did not change. */
#define LOG_PREFIX "attrs: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Writes v to /proc/self/<name> unless it reads so already. */
static int proc_set(struct xc_rst *r, const char *name, long long v)
{
	char path[64], now[64] = "", s[32];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return rst_child_fail(r, name, "open", -errno);
	n = read(fd, now, sizeof(now) - 1);
	if (n <= 0 || strtoll(now, NULL, 10) != v) {
		snprintf(s, sizeof(s), "%lld", v);
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
	int err = proc_set(r, "oom_score_adj", a->oom_score_adj);

	return err ? err : proc_set(r, "loginuid", a->loginuid);
}
