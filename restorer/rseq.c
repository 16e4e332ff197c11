/* The C library registers an rseq area for each thread; a task created for
 * restore inherits that registration and would have the kernel write into
 * the restored address space. Cut it before the switch. */
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restorer/rst.h"

void rst_rseq_unregister_self(void)
{
	struct rseq *rs;

	if (!__rseq_size)
		return;
	rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	syscall(SYS_rseq, rs, __rseq_size < 32 ? 32 : __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}
