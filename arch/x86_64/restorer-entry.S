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
	.section .note.GNU-stack,"",@progbits
