/* The only arch hooks generic code may call. x86_64 implementation. */
#ifndef XC_ARCH_H
#define XC_ARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/img-regs.h"

#define ARCH_IMG_ID		1	/* XC_ARCH_X86_64 */
#define ARCH_NAME		"x86_64"
/* Highest user address + 1 with 4-level paging; 5-level only hands out
 * higher addresses on request, which xckpt refuses at dump. */
#define ARCH_TASK_SIZE		0x7ffffffff000ULL
#define ARCH_ELF_R_RELATIVE	8	/* R_X86_64_RELATIVE, the only relocation blobs may carry */
#define ARCH_XSTATE_MAX		(16u << 10)

bool arch_has_crc32c(void);
uint32_t arch_crc32c(uint32_t crc, const void *buf, size_t len);
/* Three CRCs at once, interleaved for the instruction's latency:
 * crc[k] = arch_crc32c(crc[k], buf + k * n, n); n a multiple of 8. */
void arch_crc32c_x3(uint32_t crc[3], const void *buf, size_t n);

/* ptrace access; -errno on failure. */
int arch_get_regs(pid_t tid, struct xc_rec_regs *r);
int arch_set_regs(pid_t tid, const struct xc_rec_regs *r);
/* Full FP/vector state; *len in: buffer size, out: bytes. */
int arch_get_xstate(pid_t tid, void *buf, size_t *len, uint64_t *features);
/* What this CPU and kernel can restore: feature mask and area size. */
void arch_xstate_caps(uint64_t *features, uint32_t *size);

static inline uint64_t arch_regs_ip(const struct xc_rec_regs *r) { return r->rip; }
static inline void arch_regs_set_ip(struct xc_rec_regs *r, uint64_t ip) { r->rip = ip; }
static inline uint64_t arch_regs_sp(const struct xc_rec_regs *r) { return r->rsp; }
static inline void arch_regs_set_sp(struct xc_rec_regs *r, uint64_t sp) { r->rsp = sp; }
/* Names of the REGS record's 64-bit words, in order (for show). */
extern const char *const arch_reg_names[sizeof(struct xc_rec_regs) / 8];

/* The thread pointer registers, which rt_sigreturn does not restore. */
static inline void arch_regs_tls(const struct xc_rec_regs *r, uint64_t tls[2])
{
	tls[0] = r->fs_base;
	tls[1] = r->gs_base;
}

/* Remote syscall: point r at a syscall instruction at insn with nr/args. */
void arch_rsys_prepare(struct xc_rec_regs *r, uint64_t insn, long nr, const uint64_t a[6]);
static inline long arch_rsys_ret(const struct xc_rec_regs *r) { return (long)r->rax; }
#define ARCH_SYSCALL_INSN_LEN 2
bool arch_is_syscall_insn(const uint8_t *p);

/* Set r to call a blob function: entry(arg) on a stack ending at sp. */
void arch_blob_call_prepare(struct xc_rec_regs *r, uint64_t entry, uint64_t arg, uint64_t sp);

/* A task stopped inside an interrupted syscall: rewrite r so that resuming
 * it re-issues the call, as the kernel would. same_task: it is resumed in
 * the task that keeps its restart block (restart_syscall is then usable);
 * otherwise the original call is issued again. Returns true if changed. */
bool arch_regs_restart(struct xc_rec_regs *r, bool same_task);

/* Dump: the registers the image keeps (docs/image-format.md 5.15). A
 * thread found inside an interrupted system call is kept inside it, with
 * the code the kernel returned, and the restore lets the kernel end the
 * interruption when the process goes on: restart the call, or fail it with
 * EINTR for a signal delivered then, exactly as it would have without the
 * dump. A restart block cannot move to a new task: ERESTART_RESTARTBLOCK
 * becomes ERESTARTNOHAND (the same outcome, handler or not) on the
 * original call, a relative sleep asking for the time it had left.
 * restart_nr: the original call of a thread found in restart_syscall
 * (arch_restart_syscall_nr()), or -1. 0, or -ENOTSUP when that call is
 * unknown. */
int arch_regs_for_image(struct xc_rec_regs *r, long restart_nr);
/* Stopped inside restart_syscall: the call it restarts is not in r. */
bool arch_regs_in_restart_syscall(const struct xc_rec_regs *r);
/* The call a thread in restart_syscall restarts, from the code that ends
 * at its rip (the call's number loaded right before the syscall
 * instruction), if it is one that keeps a restart block; -1 if not. */
#define ARCH_CALL_CODE_LEN 7
long arch_restart_syscall_nr(const uint8_t code[ARCH_CALL_CODE_LEN]);
/* Restore: r (from the image) is inside an interrupted call whose end the
 * kernel decides as the process goes on. */
bool arch_regs_interrupted(const struct xc_rec_regs *r);
/* Restorer side: the rt_sigreturn frame. arch_sigframe_size() bytes at
 * frame_addr (64-byte aligned) are filled; *sp is the stack pointer value
 * with which rt_sigreturn must be called. */
size_t arch_sigframe_size(uint32_t xstate_size);
int arch_sigframe_build(void *frame, uint64_t frame_addr, const struct xc_rec_regs *r,
			const void *xstate, uint32_t xstate_size, uint64_t xfeatures,
			uint64_t sigmask, const stack_t *ss, uint64_t *sp);

/* Can this kernel map the vDSO back at a given address? 0, or -errno. */
int arch_probe_vdso_remap(void);

/* Jump to a restorer blob entry with arg and a fresh stack; never returns. */
__attribute__((noreturn)) void arch_blob_jump(uint64_t entry, uint64_t arg, uint64_t sp);


#endif
