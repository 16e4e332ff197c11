/* Session, process group, name and personality of the task (child side). */
#define LOG_PREFIX "task: "
#include <errno.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

int rst_task(struct xc_rst *r)
{
	char comm[16];

	/* A session or process group leader (a daemon, a shell job) leads
	 * again; any other process stays in xckpt's group and session. */
	if (r->task->sid == (uint32_t)r->pid) {
		if (setsid() < 0)
			return rst_child_fail(r, "session", "setsid", -errno);
	} else if (r->task->pgid == (uint32_t)r->pid && setpgid(0, 0)) {
		return rst_child_fail(r, "process group", "setpgid", -errno);
	}
	if (personality(r->task->personality) < 0)
		return rst_child_fail(r, "personality", "set", -errno);
	__builtin_memcpy(comm, r->task->comm, sizeof(comm));
	comm[15] = 0;
	if (prctl(PR_SET_NAME, comm))
		return rst_child_fail(r, "comm", "prctl set name", -errno);
	return 0;
}
