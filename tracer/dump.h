/* Tracer entry point: the only thing main.c calls on the dump side. */
#ifndef XC_DUMP_H
#define XC_DUMP_H
struct xc_ctx;
int xc_dump(struct xc_ctx *ctx);
#endif
