/* The registry and the hook walks. Plugins are compiled in, one array; the
 * walks call them in array order and stop at the first error, which the
 * failing hook has already reported with xc_fail(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/img.h"
#include "common/log.h"
#include "plugins/plugin.h"

extern const struct xc_plugin xc_example_plugin;
extern const struct xc_plugin xc_cuda_plugin;
extern const struct xc_plugin xc_ib_plugin;

const struct xc_plugin *const xc_plugins[] = {
	&xc_example_plugin,
	&xc_cuda_plugin,
	&xc_ib_plugin,
	NULL,
};

const struct xc_plugin *xc_plugin_owner(uint32_t kind)
{
	kind &= ~0x8000u;
	for (const struct xc_plugin *const *p = xc_plugins; *p; p++)
		if (kind >= (*p)->kind_first && kind <= (*p)->kind_last)
			return *p;
	return NULL;
}

/* Hands each record to its owner; the records of one plugin are adjacent
 * in the array the restore built, in image order. */
static int assign_recs(struct xc_plugins *ps, struct xc_ctx *ctx, const struct xc_plugin_rec *recs,
		       size_t nr, pid_t pid)
{
	for (size_t i = 0; i < nr; i++) {
		const struct xc_plugin *owner = xc_plugin_owner(recs[i].kind);
		struct xc_plugin_ctx *pc = NULL;

		for (size_t k = 0; k < ps->nr && owner; k++)
			if (ps->pc[k].plugin == owner)
				pc = &ps->pc[k];
		if (!pc) {
			if (recs[i].kind & 0x8000u)
				continue;	/* optional: whoever wrote it can do without */
			ctx->exit_hint = XC_EXIT_IMAGE;
			return xc_failf(ctx, pid, "no plugin here knows this record", -ENOTSUP,
					"plugin record kind %#x", recs[i].kind);
		}
		if (!pc->recs)
			pc->recs = &recs[i];
		else if (pc->recs + pc->nr_recs != &recs[i])
			return xc_failf(ctx, pid, "records of one plugin are not adjacent", -EBADMSG,
					"plugin %s", owner->name);
		pc->nr_recs++;
	}
	return 0;
}

int xc_plugins_init(struct xc_plugins *ps, struct xc_ctx *ctx, enum xc_stage stage,
		    const struct xc_plugin_rec *recs, size_t nr_recs, pid_t pid)
{
	int err;

	memset(ps, 0, sizeof(*ps));
	ps->stage = stage;
	ps->started = true;
	for (const struct xc_plugin *const *p = xc_plugins; *p && ps->nr < XC_PLUGINS_MAX; p++) {
		ps->pc[ps->nr].ctx = ctx;
		ps->pc[ps->nr].plugin = *p;
		ps->nr++;
	}
	err = assign_recs(ps, ctx, recs, nr_recs, pid);
	if (err)
		return err;
	for (size_t i = 0; i < ps->nr; i++) {
		struct xc_plugin_ctx *pc = &ps->pc[i];

		err = pc->plugin->init ? pc->plugin->init(pc, stage) : 0;
		if (err == -ENOTSUP) {
			/* Absent here: fine unless the image needs it. */
			for (size_t k = 0; k < pc->nr_recs; k++)
				if (!(pc->recs[k].kind & 0x8000u)) {
					ctx->exit_hint = XC_EXIT_IMAGE;
					return xc_failf(ctx, pid, "image holds its state, but it is not available here",
							-ENOTSUP, "plugin %s", pc->plugin->name);
				}
			continue;
		}
		if (err)
			return err;
		pc->active = true;
	}
	return 0;
}

void xc_plugins_fini(struct xc_plugins *ps, int err)
{
	if (!ps->started)
		return;
	/* Backwards, as an undo list. */
	for (size_t i = ps->nr; i-- > 0;) {
		struct xc_plugin_ctx *pc = &ps->pc[i];

		if (pc->active && pc->plugin->fini)
			pc->plugin->fini(pc, ps->stage, err);
		pc->active = false;
	}
	ps->started = false;
}

enum hook { HOOK_PAUSE, HOOK_DUMP, HOOK_RESTORE, HOOK_RESUME };

static int call(struct xc_plugin_ctx *pc, enum hook h, pid_t pid)
{
	const struct xc_plugin *p = pc->plugin;

	switch (h) {
	case HOOK_PAUSE: return p->pause ? p->pause(pc, pid) : 0;
	case HOOK_DUMP: return p->dump ? p->dump(pc, pid) : 0;
	case HOOK_RESTORE: return p->restore ? p->restore(pc, pid) : 0;
	case HOOK_RESUME: return p->resume ? p->resume(pc, pid) : 0;
	}
	return 0;
}

static int walk(struct xc_plugins *ps, enum hook h, pid_t pid)
{
	for (size_t i = 0; i < ps->nr; i++) {
		int err = ps->pc[i].active ? call(&ps->pc[i], h, pid) : 0;

		if (err)
			return err;
	}
	return 0;
}

int xc_plugins_pause(struct xc_plugins *ps, pid_t pid)
{
	return walk(ps, HOOK_PAUSE, pid);
}

int xc_plugins_restore(struct xc_plugins *ps, pid_t pid)
{
	return walk(ps, HOOK_RESTORE, pid);
}

int xc_plugins_resume(struct xc_plugins *ps, pid_t pid)
{
	return walk(ps, HOOK_RESUME, pid);
}

int xc_plugins_dump(struct xc_plugins *ps, pid_t pid, struct xc_imgw *img)
{
	int err;

	for (size_t i = 0; i < ps->nr; i++)
		ps->pc[i].img = img;
	err = walk(ps, HOOK_DUMP, pid);
	for (size_t i = 0; i < ps->nr; i++)
		ps->pc[i].img = NULL;
	return err;
}

int xc_plugins_claim_vma(struct xc_plugins *ps, pid_t pid, const struct xc_vma *vma)
{
	for (size_t i = 0; i < ps->nr; i++) {
		struct xc_plugin_ctx *pc = &ps->pc[i];
		int err;

		if (!pc->active || !pc->plugin->claim_vma)
			continue;
		err = pc->plugin->claim_vma(pc, pid, vma);
		if (err != -ENOTSUP)
			return err;
	}
	return -ENOTSUP;
}

int xc_plugins_claim_fd(struct xc_plugins *ps, pid_t pid, int fd, const char *path, mode_t mode)
{
	for (size_t i = 0; i < ps->nr; i++) {
		struct xc_plugin_ctx *pc = &ps->pc[i];
		int err;

		if (!pc->active || !pc->plugin->claim_fd)
			continue;
		err = pc->plugin->claim_fd(pc, pid, fd, path, mode);
		if (err != -ENOTSUP)
			return err;
	}
	return -ENOTSUP;
}

int xc_plugin_put(struct xc_plugin_ctx *pc, uint32_t kind, const void *p, size_t len)
{
	uint32_t k = kind & ~0x8000u;

	/* A plugin writes only its own kinds: the reader hands records to
	 * their owner by kind alone. */
	if (!pc->img || k < pc->plugin->kind_first || k > pc->plugin->kind_last)
		return xc_failf(pc->ctx, 0, "record kind outside the plugin's range", -EINVAL,
				"plugin %s kind %#x", pc->plugin->name, kind);
	return xc_imgw_put(pc->ctx, pc->img, kind, p, len);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int xc_plugin_dev_use(const char *proc_root, pid_t pid, const char *prefix,
		      struct xc_dev_use *use)
{
	char path[PATH_MAX], link[PATH_MAX], *line = NULL;
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	FILE *f;
	int dfd;

	memset(use, 0, sizeof(*use));
	use->first_fd = -1;
	snprintf(path, sizeof(path), "%s/%d/fd", proc_root, pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		int err = -errno;
		if (dfd >= 0)
			close(dfd);
		return err;
	}
	while ((de = readdir(dir))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;	/* closed since the listing */
		link[n] = 0;
		if (!starts(link, prefix))
			continue;
		if (!use->nr_fds++ && !use->nr_maps) {
			use->first_fd = atoi(de->d_name);
			snprintf(use->first_path, sizeof(use->first_path), "%.255s", link);
		}
	}
	closedir(dir);
	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		int off = -1;
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = 0;
		/* start-end perms offset dev inode, then the path */
		sscanf(line, "%*s %*s %*s %*s %*s %n", &off);
		if (off < 0 || !starts(line + off, prefix))
			continue;
		if (!use->nr_maps++ && !use->nr_fds)
			snprintf(use->first_path, sizeof(use->first_path), "%.255s", line + off);
	}
	free(line);
	fclose(f);
	return 0;
}
