/* x86_64 REGS record: the kernel's struct user_regs_struct, in its order. */
#ifndef XC_ARCH_IMG_REGS_H
#define XC_ARCH_IMG_REGS_H
#include <assert.h>
#include <stdint.h>

struct xc_rec_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};
static_assert(sizeof(struct xc_rec_regs) == 216, "doc: x86_64 regs");
#endif
