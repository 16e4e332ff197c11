/* x86_64 registers through ptrace: GPRs (fs/gs base included) and the XSAVE
 * area. */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "arch/arch.h"

const char *const arch_reg_names[sizeof(struct xc_rec_regs) / 8] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
	"rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
	"gs_base", "ds", "es", "fs", "gs",
};

int arch_get_regs(pid_t tid, struct xc_rec_regs *r)
{
	struct iovec iov = { r, sizeof(*r) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov))
		return -errno;
	return iov.iov_len == sizeof(*r) ? 0 : -EIO;
}

int arch_set_regs(pid_t tid, const struct xc_rec_regs *r)
{
	struct iovec iov = { (void *)r, sizeof(*r) };

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov))
		return -errno;
	return 0;
}

/* For ptrace the kernel stores XCR0 in the first 8 software-reserved bytes of
 * the FXSAVE area (offset 464), as gdb relies on; the rest of the area is the
 * standard (uncompacted) XSAVE format. */
#define XSTATE_XCR0_OFF	464

int arch_get_xstate(pid_t tid, void *buf, size_t *len, uint64_t *features)
{
	struct iovec iov = { buf, *len };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov))
		return -errno;
	*len = iov.iov_len;
	if (iov.iov_len < 576)
		return -EIO;
	memcpy(features, (char *)buf + XSTATE_XCR0_OFF, sizeof(*features));
	return 0;
}

void arch_xstate_caps(uint64_t *features, uint32_t *size)
{
	unsigned int a, b, c, d;
	uint32_t lo, hi;

	*features = 0x3;
	*size = 512;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	*features = (uint64_t)hi << 32 | lo;
	__cpuid_count(0xd, 0, a, b, c, d);
	*size = b;
}
