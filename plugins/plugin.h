/* Plugin hook table. Plugins see only this header and common/ ones; never
 * tracer/ or restorer/. A NULL hook means "not interested"; -ENOTSUP from a
 * hook means "not mine". Each plugin owns its record kinds (0x1000-0x1fff)
 * in docs/image-format.md; the core frames them and never parses them. */
#ifndef XC_PLUGIN_H
#define XC_PLUGIN_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/vma.h"

enum xc_stage { XC_STAGE_DUMP, XC_STAGE_RESTORE };

struct xc_plugin_ctx;	/* log, this plugin's image sections, its options */

struct xc_plugin {
	const char *name;
	int  (*init)(struct xc_plugin_ctx *pc, enum xc_stage stage);	/* -ENOTSUP: absent here */
	void (*fini)(struct xc_plugin_ctx *pc, enum xc_stage stage, int err);
	int  (*pause)(struct xc_plugin_ctx *pc, pid_t pid);		/* before seize */
	int  (*claim_vma)(struct xc_plugin_ctx *pc, pid_t pid, const struct xc_vma *vma);
	int  (*dump)(struct xc_plugin_ctx *pc, pid_t pid);
	int  (*restore)(struct xc_plugin_ctx *pc, pid_t pid);
	int  (*resume)(struct xc_plugin_ctx *pc, pid_t pid);
};

/* NULL-terminated, compiled in (plugins/plugin.c). */
extern const struct xc_plugin *const xc_plugins[];

/* True if some plugin claims the mapping (0 from its claim_vma). */
bool xc_plugins_claim_vma(pid_t pid, const struct xc_vma *vma);

#endif
