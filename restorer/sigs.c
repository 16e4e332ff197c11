/* Signal dispositions (child side). The mask, the sigaltstack and the
 * pending signals come back in the blob: the mask and altstack through
 * rt_sigreturn's frame, the pending ones queued just before it. */
#define LOG_PREFIX "sigs: "
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "restorer/rst.h"

int rst_sigs(struct xc_rst *r)
{
	for (int sig = 1; sig <= 64; sig++) {
		const struct xc_ksigaction *sa = &r->sigactions->sa[sig - 1];
		char obj[32];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, sa, NULL, 8)) {
			snprintf(obj, sizeof(obj), "signal %d", sig);
			return rst_child_fail(r, obj, "rt_sigaction", -errno);
		}
	}
	return 0;
}
