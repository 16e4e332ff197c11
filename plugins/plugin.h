/* Plugin hook table. Plugins see only this header and common/ ones; never
 * tracer/ or restorer/. A NULL hook means "not interested"; -ENOTSUP from
 * init or a claim hook means "absent here" / "not mine". Any other error
 * from a hook aborts the dump or restore, which then unwinds: the target is
 * released as it was and every plugin's fini() runs with the error.
 *
 * Dump:    init → pause (before seize) → claim_vma / claim_fd (tree frozen,
 *          per mapping or fd the core does not know) → dump (after memory,
 *          records into proc-<pid>.img) → commit → resume (--leave-running,
 *          after the target is released) → fini(err).
 * Restore: init (with this plugin's records) → restore (memory, registers
 *          and rseq back, every thread still stopped) → release → resume →
 *          fini(err).
 *
 * Each plugin owns a range of record kinds within 0x1000-0x1fff (bit 15 may
 * be added for optional records) and declares them in docs/image-format.md;
 * the core frames and checksums them and never parses them, except through
 * the plugin's describe hook for xckpt show. */
#ifndef XC_PLUGIN_H
#define XC_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/vma.h"

enum xc_stage { XC_STAGE_DUMP, XC_STAGE_RESTORE };

#define XC_PLUGIN_KIND_FIRST	0x1000u
#define XC_PLUGIN_KIND_LAST	0x1fffu
#define XC_PLUGINS_MAX		8

struct xc_ctx;
struct xc_imgw;

/* One record of a plugin, as read back from a validated image. */
struct xc_plugin_rec {
	uint32_t kind;
	uint32_t len;
	const void *data;
};

struct xc_plugin_ctx {
	struct xc_ctx *ctx;		/* for xc_fail() and the plugin's options only */
	const struct xc_plugin *plugin;
	void *priv;			/* the plugin's own state, from init to fini */
	bool active;			/* init returned 0 */
	struct xc_imgw *img;		/* dump hook: the process file being written */
	const struct xc_plugin_rec *recs;	/* restore: its records, in image order */
	size_t nr_recs;
};

struct xc_plugin {
	const char *name;
	uint32_t kind_first, kind_last;	/* its record kinds (bit 15 ignored) */
	int  (*init)(struct xc_plugin_ctx *pc, enum xc_stage stage);	/* -ENOTSUP: absent here */
	void (*fini)(struct xc_plugin_ctx *pc, enum xc_stage stage, int err); /* err != 0: undo */
	int  (*pause)(struct xc_plugin_ctx *pc, pid_t pid);		/* before seize */
	int  (*claim_vma)(struct xc_plugin_ctx *pc, pid_t pid, const struct xc_vma *vma);
	int  (*claim_fd)(struct xc_plugin_ctx *pc, pid_t pid, int fd, const char *path,
			 mode_t mode);
	int  (*dump)(struct xc_plugin_ctx *pc, pid_t pid);
	int  (*restore)(struct xc_plugin_ctx *pc, pid_t pid);
	int  (*resume)(struct xc_plugin_ctx *pc, pid_t pid);		/* after cure, or after restore */
	/* xckpt check: 0 usable here, negative errno if not; note says why. */
	int  (*check)(char *note, size_t len);
	/* xckpt show: one line describing one of its records; no context. */
	void (*describe)(uint32_t kind, const void *data, uint32_t len, char *out, size_t outlen);
};

/* NULL-terminated, compiled in (plugins/plugin.c). */
extern const struct xc_plugin *const xc_plugins[];

/* The plugins of one dump or restore. */
struct xc_plugins {
	struct xc_plugin_ctx pc[XC_PLUGINS_MAX];
	size_t nr;
	enum xc_stage stage;
	bool started;
};

/* The plugin that owns a record kind, or NULL. */
const struct xc_plugin *xc_plugin_owner(uint32_t kind);
static inline bool xc_plugin_kind(uint32_t kind)
{
	kind &= ~0x8000u;
	return kind >= XC_PLUGIN_KIND_FIRST && kind <= XC_PLUGIN_KIND_LAST;
}

/* Dump: every plugin's init. Restore: the records read from the image are
 * handed to their owners first; a record without an owner here, or whose
 * owner is absent, fails the restore before anything is created. */
int xc_plugins_init(struct xc_plugins *ps, struct xc_ctx *ctx, enum xc_stage stage,
		    const struct xc_plugin_rec *recs, size_t nr_recs, pid_t pid);
/* Runs every active plugin's fini with err (also on success, err 0). */
void xc_plugins_fini(struct xc_plugins *ps, int err);
int xc_plugins_pause(struct xc_plugins *ps, pid_t pid);
/* 0: claimed (kept out of the image, the plugin brings it back), -ENOTSUP:
 * nobody's, other: error. */
int xc_plugins_claim_vma(struct xc_plugins *ps, pid_t pid, const struct xc_vma *vma);
int xc_plugins_claim_fd(struct xc_plugins *ps, pid_t pid, int fd, const char *path, mode_t mode);
int xc_plugins_dump(struct xc_plugins *ps, pid_t pid, struct xc_imgw *img);
int xc_plugins_restore(struct xc_plugins *ps, pid_t pid);
int xc_plugins_resume(struct xc_plugins *ps, pid_t pid);

/* For plugins: append a record of one of its own kinds (dump hook only). */
int xc_plugin_put(struct xc_plugin_ctx *pc, uint32_t kind, const void *p, size_t len);

/* For plugins: fds and mappings of pid whose path starts with prefix, read
 * from proc_root/PID (normally "/proc"; tests pass a fixture tree). */
struct xc_dev_use {
	unsigned nr_fds, nr_maps;
	int first_fd;			/* -1: none */
	char first_path[256];		/* path of the first hit */
};
int xc_plugin_dev_use(const char *proc_root, pid_t pid, const char *prefix,
		      struct xc_dev_use *use);

#endif
