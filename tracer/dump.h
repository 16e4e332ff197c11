/* Tracer entry point: the only thing main.c calls on the dump side. */
#ifndef XC_DUMP_H
#define XC_DUMP_H
struct xc_ctx;
int xc_dump(struct xc_ctx *ctx);
/* `xckpt __track-keeper ...`: holds write tracking between dumps (track.c). */
int xc_track_keeper_main(int argc, char **argv);
#endif
