/* Commands that need neither the tracer nor the restorer. */
#ifndef XC_CMDS_H
#define XC_CMDS_H
struct xc_ctx;
int xc_show(struct xc_ctx *ctx);	/* common/show.c */
int xc_check(struct xc_ctx *ctx);	/* common/check.c: exit status */
#endif
