/* Session, process group, name and personality of the task (child side). */
#define LOG_PREFIX "task: "
#include <errno.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

/* A shell job restored in the foreground: its new group takes the terminal
 * over from xckpt's, or its first read would stop it (SIGTTIN). All signals
 * are blocked here, so tcsetpgrp() raises no SIGTTOU. */
static void take_terminal(struct xc_rst *r)
{
	if (r->ctx->detach)
		return;
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd) && tcgetpgrp(fd) == getpgid(getppid())) {
			if (tcsetpgrp(fd, getpid()))
				xc_debug("pid %d: take the terminal: %s", r->pid, strerror(errno));
			return;
		}
}

int rst_task(struct xc_rst *r)
{
	char comm[16];

	/* A session or process group leader (a daemon, a shell job) leads
	 * again; any other process stays in xckpt's group and session. A
	 * stopped job restored with --detach gets a session of its own: left
	 * in an orphaned group when xckpt exits, the kernel would send it
	 * SIGHUP, which kills it. */
	if (r->task->sid == (uint32_t)r->pid ||
	    ((r->thread->flags & XC_THR_STOPPED) && r->ctx->detach)) {
		if (setsid() < 0)
			return rst_child_fail(r, "session", "setsid", -errno);
	} else if (r->task->pgid == (uint32_t)r->pid) {
		if (setpgid(0, 0))
			return rst_child_fail(r, "process group", "setpgid", -errno);
		take_terminal(r);
	}
	if (personality(r->task->personality) < 0)
		return rst_child_fail(r, "personality", "set", -errno);
	__builtin_memcpy(comm, r->task->comm, sizeof(comm));
	comm[15] = 0;
	if (prctl(PR_SET_NAME, comm))
		return rst_child_fail(r, "comm", "prctl set name", -errno);
	return 0;
}
