/* --file-map OLD=NEW: a file or directory tree that moved since the dump.
 * Restore opens open files and files behind mappings at their path with
 * OLD replaced by NEW (the longest OLD that is the whole path or a leading
 * run of its components). A mapped path is the user's word that it is the
 * same file, so its identity (device and inode) is not compared, only its
 * content's size and mtime (image.c). */
#define LOG_PREFIX "filemap: "
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "restorer/rst.h"

/* Length of a side without trailing slashes. */
static size_t side_len(const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

/* OLD=NEW, both absolute and neither "/": 0 with the lengths of both sides
 * (trailing slashes left out), or -EINVAL. */
int xc_file_map_parse(const char *m, size_t *old_len, const char **new, size_t *new_len)
{
	const char *eq = strchr(m, '=');

	if (!eq || m[0] != '/' || eq[1] != '/')
		return -EINVAL;
	*old_len = side_len(m, (size_t)(eq - m));
	*new = eq + 1;
	*new_len = side_len(*new, strlen(*new));
	if (*old_len == 1 || *new_len == 1 || strchr(*new, '='))
		return -EINVAL;
	return 0;
}

/* 1: mapped into out, 0: not mapped (out = path), -ENAMETOOLONG. */
int xc_file_map_apply(const char *const *maps, int n, const char *path, char *out, size_t outlen)
{
	size_t best_old = 0, best_new = 0, ol, nl;
	const char *best = NULL, *nw;
	int len;

	for (int i = 0; i < n; i++) {
		if (xc_file_map_parse(maps[i], &ol, &nw, &nl))
			continue;
		if (strncmp(path, maps[i], ol) || (path[ol] && path[ol] != '/'))
			continue;
		if (ol > best_old) {
			best_old = ol;
			best = nw;
			best_new = nl;
		}
	}
	if (best)
		len = snprintf(out, outlen, "%.*s%s", (int)best_new, best, path + best_old);
	else
		len = snprintf(out, outlen, "%s", path);
	if (len < 0 || (size_t)len >= outlen)
		return -ENAMETOOLONG;
	return best != NULL;
}

/* One recorded path: its --file-map'd copy into *out, *mapped said. */
static int resolve(struct xc_rst *r, const char *path, char **out, bool *mapped)
{
	char buf[4096];
	int ret = xc_file_map_apply(r->ctx->file_map, r->ctx->nr_file_map, path, buf, sizeof(buf));

	if (ret < 0)
		return xc_failf(r->ctx, r->pid, "--file-map", ret, "%s", path);
	*mapped = ret;
	*out = strdup(buf);
	return *out ? 0 : xc_fail(r->ctx, r->pid, "paths", "allocate", -ENOMEM);
}

/* The path each open file (in r->ofiles order) and each file behind
 * mappings of one process is opened at on this machine, with --file-map
 * applied; kept in r for the checks and the child. */
int rst_paths_resolve(struct xc_rst *r)
{
	int err = 0;

	r->ofile_paths = calloc(r->nr_ofiles + 1, sizeof(*r->ofile_paths));
	r->ofile_mapped = calloc(r->nr_ofiles + 1, sizeof(*r->ofile_mapped));
	r->mapfile_paths = calloc(r->nr_files + 1, sizeof(*r->mapfile_paths));
	r->mapfile_mapped = calloc(r->nr_files + 1, sizeof(*r->mapfile_mapped));
	if (!r->ofile_paths || !r->ofile_mapped || !r->mapfile_paths || !r->mapfile_mapped)
		return xc_fail(r->ctx, r->pid, "paths", "allocate", -ENOMEM);
	for (size_t i = 0; !err && i < r->nr_ofiles; i++)
		err = resolve(r, r->ofiles[i]->path, &r->ofile_paths[i], &r->ofile_mapped[i]);
	for (size_t i = 0; !err && i < r->nr_files; i++)
		err = resolve(r, r->files[i]->path, &r->mapfile_paths[i], &r->mapfile_mapped[i]);
	return err;
}

/* Every open file of the tree by id, pointing into its process's paths. */
int rst_file_paths_resolve(struct xc_rtree *t)
{
	t->file_paths = calloc(t->nr_files + 1, sizeof(*t->file_paths));
	if (!t->file_paths)
		return xc_fail(t->ctx, 0, "paths", "allocate", -ENOMEM);
	for (size_t i = 0; i < t->nr; i++)
		for (size_t k = 0; t->procs[i].ofile_paths && k < t->procs[i].nr_ofiles; k++)
			t->file_paths[t->procs[i].ofiles[k]->id - 1] = t->procs[i].ofile_paths[k];
	return 0;
}

void rst_file_paths_free(struct xc_rtree *t)
{
	free(t->file_paths);
	t->file_paths = NULL;
}

void rst_paths_free(struct xc_rst *r)
{
	for (size_t i = 0; r->ofile_paths && i < r->nr_ofiles; i++)
		free(r->ofile_paths[i]);
	for (size_t i = 0; r->mapfile_paths && i < r->nr_files; i++)
		free(r->mapfile_paths[i]);
	free(r->ofile_paths);
	free(r->ofile_mapped);
	free(r->mapfile_paths);
	free(r->mapfile_mapped);
}
