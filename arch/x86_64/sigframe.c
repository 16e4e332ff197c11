/* The x86_64 rt_sigreturn frame (arch/x86/kernel/signal_64.c): a return
 * address slot, the ucontext with the sigcontext and signal mask, siginfo,
 * then the 64-byte aligned XSAVE area the sigcontext points to, closed by
 * XC_FP_XSTATE_MAGIC2. rt_sigreturn finds the frame at rsp - 8. */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define XC_FP_XSTATE_MAGIC1	0x46505853u
#define XC_FP_XSTATE_MAGIC2	0x46505845u
#define USER_CS			0x33
#define USER_DS			0x2b

struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext");

struct k_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext mc;
	uint64_t sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	uint8_t info[128];
};

struct fx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

static size_t fp_off(void)
{
	return (sizeof(struct k_rt_sigframe) + 63) & ~(size_t)63;
}

size_t arch_sigframe_size(uint32_t xstate_size)
{
	return fp_off() + xstate_size + 4 + 64;
}

int arch_sigframe_build(void *frame, uint64_t frame_addr, const struct xc_rec_regs *r,
			const void *xstate, uint32_t xstate_size, uint64_t xfeatures,
			uint64_t sigmask, const stack_t *ss, uint64_t *sp)
{
	struct k_rt_sigframe *f = frame;
	struct k_sigcontext *mc = &f->uc.mc;
	char *fp = (char *)frame + fp_off();
	struct fx_sw_bytes sw;
	uint32_t magic2 = XC_FP_XSTATE_MAGIC2;

	if ((frame_addr & 63) || xstate_size < 576)
		return -EINVAL;
	memset(frame, 0, arch_sigframe_size(xstate_size));
	f->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f->uc.uc_stack.sp = (uint64_t)ss->ss_sp;
	f->uc.uc_stack.flags = ss->ss_flags & ~SS_ONSTACK;
	f->uc.uc_stack.size = ss->ss_size;
	f->uc.sigmask = sigmask;

	mc->r8 = r->r8; mc->r9 = r->r9; mc->r10 = r->r10; mc->r11 = r->r11;
	mc->r12 = r->r12; mc->r13 = r->r13; mc->r14 = r->r14; mc->r15 = r->r15;
	mc->rdi = r->rdi; mc->rsi = r->rsi; mc->rbp = r->rbp; mc->rbx = r->rbx;
	mc->rdx = r->rdx; mc->rax = r->rax; mc->rcx = r->rcx; mc->rsp = r->rsp;
	mc->rip = r->rip; mc->eflags = r->eflags;
	mc->cs = USER_CS;
	mc->ss = USER_DS;
	mc->fpstate = frame_addr + fp_off();

	/* The image's area already carries the kernel's sw bytes; rewrite them
	 * so the checks in check_xstate_in_sigframe() hold on this kernel. */
	memcpy(fp, xstate, xstate_size);
	memset(&sw, 0, sizeof(sw));
	sw.magic1 = XC_FP_XSTATE_MAGIC1;
	sw.extended_size = xstate_size + 4;
	sw.xfeatures = xfeatures;
	sw.xstate_size = xstate_size;
	memcpy(fp + 464, &sw, sizeof(sw));
	memcpy(fp + xstate_size, &magic2, 4);

	*sp = frame_addr + sizeof(uint64_t);
	return 0;
}

__attribute__((noreturn)) void arch_blob_jump(uint64_t entry, uint64_t arg, uint64_t sp)
{
	__asm__ volatile("mov %0, %%rsp\n\txor %%ebp, %%ebp\n\tjmp *%1"
			 :: "r"(sp), "r"(entry), "D"(arg) : "memory");
	__builtin_unreachable();
}
