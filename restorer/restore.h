/* Restorer entry points: what main.c calls on the restore side. */
#ifndef XC_RESTORE_H
#define XC_RESTORE_H
#include <stddef.h>
struct xc_ctx;
int xc_restore(struct xc_ctx *ctx);
/* --file-map OLD=NEW: 0 when well formed (restorer/filemap.c). */
int xc_file_map_parse(const char *m, size_t *old_len, const char **new, size_t *new_len);

#endif
