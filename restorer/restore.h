/* Restorer entry point: the only thing main.c calls on the restore side. */
#ifndef XC_RESTORE_H
#define XC_RESTORE_H
struct xc_ctx;
int xc_restore(struct xc_ctx *ctx);
#endif
