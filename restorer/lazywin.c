/* Windows from a process's current addresses to its image's (lazywin.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "restorer/lazywin.h"

bool rst_lwin_to_img(const struct rst_lwins *ws, uint64_t a, uint64_t *ia)
{
	for (size_t i = 0; i < ws->n; i++)
		if (a >= ws->w[i].start && a < ws->w[i].end) {
			*ia = ws->w[i].img + (a - ws->w[i].start);
			return true;
		}
	return false;
}

const struct rst_lwin *rst_lwin_of_img(const struct rst_lwins *ws, uint64_t ia)
{
	for (size_t i = 0; i < ws->n; i++)
		if (ia >= ws->w[i].img && ia - ws->w[i].img < ws->w[i].end - ws->w[i].start)
			return &ws->w[i];
	return NULL;
}

int rst_lwin_cut(struct rst_lwins *ws, uint64_t s, uint64_t e, bool cut, struct rst_lwin *out,
		 size_t *nr_out)
{
	struct rst_lwin *w = malloc((2 * ws->n + 1) * sizeof(*w));
	size_t n = 0;

	if (!w)
		return -ENOMEM;
	*nr_out = 0;
	for (size_t i = 0; i < ws->n; i++) {
		struct rst_lwin x = ws->w[i];
		uint64_t os = x.start > s ? x.start : s, oe = x.end < e ? x.end : e;

		if (os >= oe || !cut)
			w[n++] = x;
		if (os >= oe)
			continue;
		out[(*nr_out)++] = (struct rst_lwin){ os, oe, x.img + (os - x.start) };
		if (!cut)
			continue;
		if (x.start < os)
			w[n++] = (struct rst_lwin){ x.start, os, x.img };
		if (oe < x.end)
			w[n++] = (struct rst_lwin){ oe, x.end, x.img + (oe - x.start) };
	}
	free(ws->w);
	ws->w = w;
	ws->n = n;
	return 0;
}

int rst_lwin_move(struct rst_lwins *ws, uint64_t from, uint64_t to, uint64_t len,
		  struct rst_lwin *gone, size_t *nr_gone)
{
	struct rst_lwin *moved = malloc((ws->n + 1) * sizeof(*moved)), *w;
	size_t n;
	int err = moved ? rst_lwin_cut(ws, from, from + len, true, moved, &n) : -ENOMEM;

	if (!err)
		err = rst_lwin_cut(ws, to, to + len, true, gone, nr_gone);
	if (!err) {
		w = realloc(ws->w, (ws->n + n + 1) * sizeof(*w));
		if (w)
			ws->w = w;
		else
			err = -ENOMEM;
	}
	for (size_t i = 0; !err && i < n; i++)
		ws->w[ws->n++] = (struct rst_lwin){ moved[i].start - from + to,
						    moved[i].end - from + to, moved[i].img };
	free(moved);
	return err;
}
