/* Terminal, name and personality of the task (child side). */
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

	/* Session and group were made at birth (pstree.c). A root that leads
	 * its group takes the terminal, as a shell job in the foreground. */
	if (!r->rec->ppid && r->rec->pgid == (uint32_t)r->pid && getpgrp() == r->pid)
		take_terminal(r);
	if (personality(r->task->personality) < 0)
		return rst_child_fail(r, "personality", "set", -errno);
	__builtin_memcpy(comm, r->task->comm, sizeof(comm));
	comm[15] = 0;
	if (prctl(PR_SET_NAME, comm))
		return rst_child_fail(r, "comm", "prctl set name", -errno);
	return 0;
}
