/* The registry and the hook walks. Plugins are compiled in, one array; the
 * walks call them in array order and stop at the first error, which the
 * failing hook has already reported with xc_fail(). */
#include <ctype.h>
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

/* The fds (in directory order) and then the mappings (in maps order) of a
 * process whose path starts with a given prefix. */
struct dev_ent {
	int fd;			/* -1: a mapping */
	char *path;
};
struct dev_list {
	struct dev_ent *v;
	size_t n, cap;
	int err;		/* reading fd/ or maps failed: -errno */
};

static void dev_list_free(struct dev_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int dev_list_add(struct dev_list *l, int fd, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct dev_ent *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].fd = fd;
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

/* The path column of a maps line: after five fields, as
 * sscanf("%*s %*s %*s %*s %*s %n") finds it; NULL when a field is missing. */
static const char *maps_path(const char *line)
{
	const char *p = line;

	for (int i = 0; i < 5; i++) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return NULL;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static int dev_scan(const char *proc_root, pid_t pid, const char *prefix, struct dev_list *l)
{
	char path[PATH_MAX], link[PATH_MAX], *line = NULL;
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	FILE *f;
	int dfd, err = 0;

	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), "%s/%d/fd", proc_root, pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		err = -errno;
		if (dfd >= 0)
			close(dfd);
		return l->err = err;
	}
	while (!err && (de = readdir(dir))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;	/* closed since the listing */
		link[n] = 0;
		if (starts(link, prefix))
			err = dev_list_add(l, atoi(de->d_name), link);
	}
	closedir(dir);
	if (err)
		return l->err = err;
	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return l->err = -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		char *nl = strchr(line, '\n');
		const char *p;

		if (nl)
			*nl = 0;
		/* start-end perms offset dev inode, then the path */
		p = maps_path(line);
		if (p && starts(p, prefix))
			err = dev_list_add(l, -1, p);
	}
	free(line);
	fclose(f);
	return l->err = err;
}

static void dev_count(const struct dev_list *l, const char *prefix, struct xc_dev_use *use)
{
	memset(use, 0, sizeof(*use));
	use->first_fd = -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct dev_ent *e = &l->v[i];

		if (!starts(e->path, prefix))
			continue;
		if (e->fd >= 0 && !use->nr_fds++ && !use->nr_maps) {
			use->first_fd = e->fd;
			snprintf(use->first_path, sizeof(use->first_path), "%.255s", e->path);
		} else if (e->fd < 0 && !use->nr_maps++ && !use->nr_fds) {
			snprintf(use->first_path, sizeof(use->first_path), "%.255s", e->path);
		}
	}
}

/* During the pause walk, every plugin asks about the same process: fd/ and
 * maps are read once for all of them, keeping what is under /dev/. */
#define DEV_DIR "/dev/"
static _Thread_local struct {
	bool armed, filled;
	char proc_root[PATH_MAX];
	pid_t pid;
	struct dev_list l;
} dev_memo;

int xc_plugin_dev_use(const char *proc_root, pid_t pid, const char *prefix,
		      struct xc_dev_use *use)
{
	struct dev_list l;
	int err;

	memset(use, 0, sizeof(*use));
	use->first_fd = -1;
	if (dev_memo.armed && starts(prefix, DEV_DIR)) {
		if (dev_memo.filled && (dev_memo.pid != pid || strcmp(dev_memo.proc_root, proc_root))) {
			dev_list_free(&dev_memo.l);
			dev_memo.filled = false;
		}
		if (!dev_memo.filled) {
			dev_scan(proc_root, pid, DEV_DIR, &dev_memo.l);
			snprintf(dev_memo.proc_root, sizeof(dev_memo.proc_root), "%s", proc_root);
			dev_memo.pid = pid;
			dev_memo.filled = true;
		}
		if (dev_memo.l.err)
			return dev_memo.l.err;
		dev_count(&dev_memo.l, prefix, use);
		return 0;
	}
	err = dev_scan(proc_root, pid, prefix, &l);
	if (!err)
		dev_count(&l, prefix, use);
	dev_list_free(&l);
	return err;
}

int xc_plugins_pause(struct xc_plugins *ps, pid_t pid)
{
	int err;

	dev_memo.armed = true;
	err = walk(ps, HOOK_PAUSE, pid);
	dev_memo.armed = false;
	if (dev_memo.filled)
		dev_list_free(&dev_memo.l);
	dev_memo.filled = false;
	return err;
}
