/* Parasite entry: the host sets rdi = args and rsp = top of the blob's stack,
 * then resumes the target here; the int3 hands control back. */
	.text
	.globl xc_parasite_entry
	.hidden xc_parasite_entry
xc_parasite_entry:
	andq	$-16, %rsp
	call	parasite_main
	int3
	ud2
	.section .note.GNU-stack,"",@progbits
