/* Remote syscall and blob-call register setup, and the syscall-restart
 * rules of arch/x86/kernel/signal.c, for tasks stopped inside a syscall. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "arch/arch.h"

#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

bool arch_is_syscall_insn(const uint8_t *p)
{
	return p[0] == 0x0f && p[1] == 0x05;
}

void arch_rsys_prepare(struct xc_rec_regs *r, uint64_t insn, long nr, const uint64_t a[6])
{
	r->rip = insn;
	r->rax = nr;
	/* orig_rax = -1: the kernel must not apply restart logic to our call. */
	r->orig_rax = (uint64_t)-1;
	r->rdi = a[0];
	r->rsi = a[1];
	r->rdx = a[2];
	r->r10 = a[3];
	r->r8 = a[4];
	r->r9 = a[5];
}

void arch_blob_call_prepare(struct xc_rec_regs *r, uint64_t entry, uint64_t arg, uint64_t sp)
{
	r->rip = entry;
	r->rdi = arg;
	r->rsp = sp;
	r->orig_rax = (uint64_t)-1;
	/* Clear DF and TF; the blob's C code expects a sane flags register. */
	r->eflags &= ~((1ULL << 10) | (1ULL << 8));
}

/* A relative sleep interrupted with a remainder pointer has had the time
 * left written there by the kernel (nanosleep_copyout()): sleep that, read
 * from the remainder, rather than the whole request again. The caller's
 * request stays as it was. Without a remainder pointer the time left is
 * nowhere to be read, and the whole request is slept again (longer, never
 * shorter). Absolute sleeps restart with ERESTARTNOHAND, not here. */
static void sleep_remainder(struct xc_rec_regs *r)
{
	if (r->orig_rax == SYS_nanosleep && r->rsi)
		r->rdi = r->rsi;
	else if (r->orig_rax == SYS_clock_nanosleep && r->r10)
		r->rdx = r->r10;
}

static bool has_restart_block(long nr)
{
	return nr == SYS_nanosleep || nr == SYS_clock_nanosleep || nr == SYS_poll || nr == SYS_futex;
}

bool arch_regs_in_restart_syscall(const struct xc_rec_regs *r)
{
	return r->orig_rax == SYS_restart_syscall && -r->rax == ERESTART_RESTARTBLOCK;
}

/* "mov $nr, %eax" right before the syscall instruction, as glibc's and Go's
 * wrappers have it; and the call one that keeps a restart block. */
long arch_restart_syscall_nr(const uint8_t code[ARCH_CALL_CODE_LEN])
{
	long nr;

	if (code[0] != 0xb8 || !arch_is_syscall_insn(code + 5))
		return -1;
	nr = (long)((uint32_t)code[1] | (uint32_t)code[2] << 8 | (uint32_t)code[3] << 16 |
		    (uint32_t)code[4] << 24);
	return has_restart_block(nr) ? nr : -1;
}

int arch_regs_for_image(struct xc_rec_regs *r, long restart_nr)
{
	if ((long)r->orig_rax < 0 || -r->rax != ERESTART_RESTARTBLOCK)
		return 0;
	if (r->orig_rax == SYS_restart_syscall)
		r->orig_rax = (uint64_t)restart_nr;
	if (!has_restart_block((long)r->orig_rax))
		return -ENOTSUP;
	r->rax = (uint64_t)-ERESTARTNOHAND;
	sleep_remainder(r);
	return 0;
}

bool arch_regs_interrupted(const struct xc_rec_regs *r)
{
	uint64_t err = -r->rax;

	return (long)r->orig_rax >= 0 &&
	       (err == ERESTARTSYS || err == ERESTARTNOINTR || err == ERESTARTNOHAND);
}

bool arch_regs_restart(struct xc_rec_regs *r, bool same_task)
{
	/* Negated as unsigned: no overflow for any register value. */
	uint64_t err = -r->rax;

	if ((long)r->orig_rax < 0)
		return false;
	switch (err) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		r->rax = r->orig_rax;
		break;
	case ERESTART_RESTARTBLOCK:
		/* A new task has no restart block: issue the call again with
		 * its original arguments (they are still in the registers). */
		r->rax = same_task ? SYS_restart_syscall : r->orig_rax;
		if (!same_task)
			sleep_remainder(r);
		break;
	default:
		return false;
	}
	r->rip -= ARCH_SYSCALL_INSN_LEN;
	r->orig_rax = (uint64_t)-1;
	return true;
}

/* ARCH_MAP_VDSO_64 exists with CONFIG_CHECKPOINT_RESTORE. Asked with the vDSO
 * still mapped, the kernel refuses with EEXIST where it has it and EINVAL
 * where it does not; nothing is changed either way. */
int arch_probe_vdso_remap(void)
{
	long r = syscall(SYS_arch_prctl, 0x2003 /* ARCH_MAP_VDSO_64 */, 0x100000UL);

	if (r == 0 || errno == EEXIST)
		return 0;
	return -errno;
}
