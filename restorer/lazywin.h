/* Where a lazily restored process's image pages are now (lazywin.c): its
 * current addresses mapped to the image's, in windows that munmap cuts and
 * mremap moves. Pure; the page server keeps one set per process. */
#ifndef XC_LAZYWIN_H
#define XC_LAZYWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Current addresses [start, end) hold the image's pages from img on. */
struct rst_lwin {
	uint64_t start, end, img;
};

struct rst_lwins {
	struct rst_lwin *w;
	size_t n;
};

/* The image address of current address a; false: none there. */
bool rst_lwin_to_img(const struct rst_lwins *ws, uint64_t a, uint64_t *ia);
/* The window holding image address ia, or NULL. */
const struct rst_lwin *rst_lwin_of_img(const struct rst_lwins *ws, uint64_t ia);
/* The parts of current [s, e) that windows cover, into out (room for
 * ws->n); with cut, they leave the windows (munmap). 0 or -ENOMEM. */
int rst_lwin_cut(struct rst_lwins *ws, uint64_t s, uint64_t e, bool cut, struct rst_lwin *out,
		 size_t *nr_out);
/* mremap moved current [from, from + len) to to, after unmapping whatever
 * was at [to, to + len): those parts go to gone (room for ws->n + 1). */
int rst_lwin_move(struct rst_lwins *ws, uint64_t from, uint64_t to, uint64_t len,
		  struct rst_lwin *gone, size_t *nr_gone);

#endif
