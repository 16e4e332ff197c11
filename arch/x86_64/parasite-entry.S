/* Parasite entry: the host sets rdi = args and rsp = top of the blob's stack,
 * then resumes the target here; the int3 hands control back.
 *
 * The args and the stack, from rdi up to rsp, are mapped read-execute with
 * the code (a target with PR_SET_MDWE refuses write and execute together,
 * and refuses making a mapping executable later): they are made read-write
 * here, before anything touches them, rather than by a remote mprotect
 * (two more stops of the target). On failure rax holds -errno at the trap
 * and the args still hold the ret the host wrote (XC_PARASITE_NOT_RUN). */
	.text
	.globl xc_parasite_entry
	.hidden xc_parasite_entry
xc_parasite_entry:
	movq	%rsp, %rsi
	subq	%rdi, %rsi
	movl	$3, %edx		/* PROT_READ | PROT_WRITE */
	movl	$10, %eax		/* __NR_mprotect */
	syscall				/* keeps rdi */
	testq	%rax, %rax
	jnz	1f
	andq	$-16, %rsp
	call	parasite_main
	int3
	ud2
1:	int3
	ud2
	.section .note.GNU-stack,"",@progbits
