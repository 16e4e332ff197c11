/* Victim: spins inside an rseq critical section of the C library's rseq
 * area, and counts the times it finds its section unarmed while inside it:
 * the kernel clears rseq_cs without aborting when it sees the thread
 * outside the section, which is what happens if a dump resumes it elsewhere
 * and then puts it back. A correct dump sends it through its abort handler
 * instead. SIGUSR2 ends it; it prints "lost N aborts M".
 *
 * usage: rseq DIR */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "ready.h"

struct cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));

extern char cs_start[], cs_end[], cs_abort[];
void cs_spin(uint64_t *rseq_cs, struct cs *cs, uint64_t *lost, uint64_t *aborts,
	     volatile sig_atomic_t *stop);

/* rdi = &rseq->rseq_cs, rsi = cs, rdx = lost, rcx = aborts, r8 = stop */
__asm__(".text\n"
	".globl cs_spin\n"
	"cs_spin:\n"
	"1:	movq %rsi, (%rdi)\n"
	".globl cs_start\n"
	"cs_start:\n"
	"	cmpq $0, (%rdi)\n"
	"	jne 2f\n"
	"	incq (%rdx)\n"		/* unarmed while inside: lost */
	"	jmp 1b\n"
	"2:	cmpl $0, (%r8)\n"
	"	je cs_start\n"
	".globl cs_end\n"
	"cs_end:\n"
	"	movq $0, (%rdi)\n"
	"	ret\n"
	"	.long 0x53053053\n"	/* RSEQ_SIG, just before the abort handler */
	".globl cs_abort\n"
	"cs_abort:\n"
	"	incq (%rcx)\n"
	"	jmp 1b\n");

static volatile sig_atomic_t stop;
static void on_usr2(int sig) { stop = 1; }

int main(int argc, char **argv)
{
	static struct cs cs;
	uint64_t lost = 0, aborts = 0;

	if (argc != 2)
		return 2;
	if (!__rseq_size) {
		printf("SKIP: the C library has not registered rseq\n");
		return 77;
	}
	close_range(3, ~0U, 0);
	signal(SIGUSR2, on_usr2);
	cs.start_ip = (uint64_t)cs_start;
	cs.post_commit_offset = (uint64_t)(cs_end - cs_start);
	cs.abort_ip = (uint64_t)cs_abort;
	victim_ready(argv[1]);
	cs_spin((uint64_t *)((char *)__builtin_thread_pointer() + __rseq_offset + 8), &cs, &lost,
		&aborts, &stop);
	printf("lost %llu aborts %llu\n", (unsigned long long)lost, (unsigned long long)aborts);
	return lost != 0;
}
