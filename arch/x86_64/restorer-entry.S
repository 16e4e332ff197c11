/* Restorer entry: arch_blob_jump() set rdi = args and rsp. The syscall
 * instruction below is where the restoring parent runs the final munmap of
 * the blob itself (see restorer/restore.c). */
	.text
	.globl xc_restorer_entry
	.hidden xc_restorer_entry
xc_restorer_entry:
	andq	$-16, %rsp
	call	restorer_main
	ud2
	.globl xc_restorer_syscall
	.hidden xc_restorer_syscall
xc_restorer_syscall:
	syscall
	ud2
/* long xc_clone3_thread(struct clone_args *ca, size_t size,
 *			  void (*fn)(void *, void *), void *a0, void *a1)
 * clone3 for a thread: the child starts on the stack the args give it, with
 * nothing of the parent's frame, so it must not return from here: it calls
 * fn(a0, a1), which never returns. The parent gets the tid or -errno. The
 * registers that hold fn, a0 and a1 survive the syscall in both. */
	.globl xc_clone3_thread
	.hidden xc_clone3_thread
xc_clone3_thread:
	mov	%rdx, %r9
	mov	%rcx, %r10
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jnz	1f
	mov	%r10, %rdi
	mov	%r8, %rsi
	xor	%ebp, %ebp
	andq	$-16, %rsp
	call	*%r9
	ud2
1:	ret
	.section .note.GNU-stack,"",@progbits
