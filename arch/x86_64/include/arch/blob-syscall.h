/* Raw syscalls for freestanding blobs: return the kernel's value, -errno on
 * failure. No libc, no errno, no TLS. */
#ifndef XC_ARCH_BLOB_SYSCALL_H
#define XC_ARCH_BLOB_SYSCALL_H

#include <asm/unistd.h>

static inline long xc_sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define xc_sys0(n)		xc_sys6(n, 0, 0, 0, 0, 0, 0)
#define xc_sys1(n, a)		xc_sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define xc_sys2(n, a, b)	xc_sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define xc_sys3(n, a, b, c)	xc_sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define xc_sys4(n, a, b, c, d)	xc_sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define xc_sys5(n, a, b, c, d, e) \
	xc_sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static inline void xc_trap(void)
{
	__asm__ volatile("int3" ::: "memory");
}

#define XC_ARCH_SET_GS		0x1001
#define XC_ARCH_SET_FS		0x1002
#define XC_ARCH_MAP_VDSO_64	0x2003

/* Restore the thread's TLS bases, which rt_sigreturn does not. */
static inline long xc_arch_set_tls(unsigned long fs, unsigned long gs)
{
	long r = xc_sys2(__NR_arch_prctl, XC_ARCH_SET_FS, fs);
	if (r)
		return r;
	return xc_sys2(__NR_arch_prctl, XC_ARCH_SET_GS, gs);
}

static inline long xc_arch_map_vdso(unsigned long addr)
{
	return xc_sys2(__NR_arch_prctl, XC_ARCH_MAP_VDSO_64, addr);
}

/* clone3 for a thread that starts in fn(a0, a1) on the stack the args
 * give it (restorer-entry.S). Returns the tid, or -errno. */
long xc_clone3_thread(void *ca, unsigned long size, void (*fn)(void *, void *), void *a0,
		      void *a1);

__attribute__((noreturn)) static inline void xc_sigreturn(unsigned long sp)
{
	__asm__ volatile("mov %0, %%rsp\n\tmov %1, %%eax\n\tsyscall\n\tud2"
			 :: "r"(sp), "i"(__NR_rt_sigreturn) : "memory");
	__builtin_unreachable();
}
#endif
