/* Keeps values in xmm/ymm (and zmm16-31 when the CPU has AVX-512) inside
 * one asm loop, so nothing but the kernel's context switch, a signal frame
 * or a checkpoint/restore could change them. */
#include <cpuid.h>
#include <stdint.h>

#include "vecloop.h"

static int have_avx512(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 16) & 1;
}

__attribute__((target("avx2"))) static int loop_avx2(volatile sig_atomic_t *stop)
{
	static const uint64_t pat[4] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL,
					 0x1111222233334444ULL, 0x5555666677778888ULL };
	int bad = 0;

	__asm__ volatile(
		"vmovdqu (%[p]), %%ymm8\n\t"
		"vpaddq %%ymm8, %%ymm8, %%ymm9\n\t"
		"vpaddq %%ymm9, %%ymm8, %%ymm10\n\t"
		"vpxor %%ymm8, %%ymm10, %%ymm11\n\t"
		"1:\n\t"
		"vpaddq %%ymm8, %%ymm8, %%ymm12\n\t"
		"vpcmpeqq %%ymm12, %%ymm9, %%ymm13\n\t"
		"vpmovmskb %%ymm13, %%eax\n\t"
		"cmp $-1, %%eax\n\t"
		"jne 2f\n\t"
		"vpaddq %%ymm9, %%ymm8, %%ymm12\n\t"
		"vpcmpeqq %%ymm12, %%ymm10, %%ymm13\n\t"
		"vpmovmskb %%ymm13, %%eax\n\t"
		"cmp $-1, %%eax\n\t"
		"jne 2f\n\t"
		"vpxor %%ymm8, %%ymm10, %%ymm12\n\t"
		"vpcmpeqq %%ymm12, %%ymm11, %%ymm13\n\t"
		"vpmovmskb %%ymm13, %%eax\n\t"
		"cmp $-1, %%eax\n\t"
		"jne 2f\n\t"
		"vmovdqu (%[p]), %%ymm12\n\t"
		"vpcmpeqq %%ymm12, %%ymm8, %%ymm13\n\t"
		"vpmovmskb %%ymm13, %%eax\n\t"
		"cmp $-1, %%eax\n\t"
		"jne 2f\n\t"
		"pause\n\t"
		"cmpl $0, (%[s])\n\t"
		"je 1b\n\t"
		"jmp 3f\n\t"
		"2: movl $1, %[bad]\n\t"
		"3:\n\t"
		"vzeroupper\n\t"
		: [bad] "+m"(bad)
		: [p] "r"(pat), [s] "r"(stop)
		: "eax", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "memory", "cc");
	return !bad;
}

__attribute__((target("avx512f"))) static int loop_avx512(volatile sig_atomic_t *stop)
{
	static const uint64_t pat[8] = { 1, 2, 3, 4, 0xdeadbeefcafef00dULL, 6, 7, 0x8000000000000001ULL };
	int bad = 0;

	__asm__ volatile(
		"vmovdqu64 (%[p]), %%zmm20\n\t"
		"vpaddq %%zmm20, %%zmm20, %%zmm21\n\t"
		"vmovdqu (%[p]), %%ymm8\n\t"
		"1:\n\t"
		"vmovdqu (%[p]), %%ymm12\n\t"
		"vpcmpeqq %%ymm12, %%ymm8, %%ymm13\n\t"
		"vpmovmskb %%ymm13, %%eax\n\t"
		"cmp $-1, %%eax\n\t"
		"jne 2f\n\t"
		"vpaddq %%zmm20, %%zmm20, %%zmm22\n\t"
		"vpcmpeqq %%zmm22, %%zmm21, %%k1\n\t"
		"kmovw %%k1, %%eax\n\t"
		"cmp $0xff, %%eax\n\t"
		"jne 2f\n\t"
		"vmovdqu64 (%[p]), %%zmm22\n\t"
		"vpcmpeqq %%zmm22, %%zmm20, %%k1\n\t"
		"kmovw %%k1, %%eax\n\t"
		"cmp $0xff, %%eax\n\t"
		"jne 2f\n\t"
		"pause\n\t"
		"cmpl $0, (%[s])\n\t"
		"je 1b\n\t"
		"jmp 3f\n\t"
		"2: movl $1, %[bad]\n\t"
		"3:\n\t"
		"vzeroupper\n\t"
		: [bad] "+m"(bad)
		: [p] "r"(pat), [s] "r"(stop)
		: "eax", "k1", "xmm8", "xmm12", "xmm13", "memory", "cc");
	return !bad;
}

int vec_loop(volatile sig_atomic_t *stop)
{
	if (have_avx512())
		return loop_avx512(stop) ? 1 : 0;
	return loop_avx2(stop);
}
