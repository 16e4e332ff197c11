/* Creating the task with its original pid: clone3 with set_tid. A plain
 * fork-like clone (no CLONE_VM), so the child starts as a copy of xckpt. */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restorer/rst.h"

pid_t rst_clone_with_pid(pid_t pid)
{
	struct clone_args args;
	pid_t tid = pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&tid;
	args.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}
