/* The leader's stack at the moment of the dump, unwound with libunwind's
 * ptrace accessors while the registers are still the target's own. Only
 * informational (show): a failure to unwind is logged, never fatal. */
#define LOG_PREFIX "backtrace: "
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define MAX_FRAMES 64

/* What unwinding learns from the target's executables, kept from one
 * process to the next while they map the same files at the same places
 * (the processes of a tree forked without exec): libunwind's own cache of
 * unwind rules by address, in one address space, and the symbol of each
 * address met. Without it each process of a tree of 128 maps and parses
 * its libraries' unwind tables and symbols again (76,000 ptrace calls for
 * the ring, 6,700 with it). Executable memory that is no file's (code made
 * at run time) may differ at one address from one process to the next: a
 * process that has some gets a flushed cache and leaves none behind. */
struct xc_bt_cache {
	unw_addr_space_t as;
	struct xc_bt_text {
		uint64_t start, end, pgoff, ino;
		uint32_t dev_major, dev_minor;
	} *text;
	size_t nr_text;
	bool shareable;
	struct xc_bt_sym {
		uint64_t ip, off;
		char sym[sizeof(((struct xc_bt_frame *)0)->sym)];
	} *syms;
	size_t nr_syms, cap_syms;
};

/* The cache is made for the process's executable mappings: kept if they
 * are those it was made for, else emptied. */
static void same_text(struct xc_bt_cache *c, const struct xc_dump *d)
{
	size_t n = 0;
	bool same, shareable = true;
	struct xc_bt_text *t;

	for (size_t i = 0; i < d->nr_vmas; i++)
		n += !!(d->vmas[i].prot & PROT_EXEC);
	same = c->shareable && n == c->nr_text;
	for (size_t i = 0, k = 0; same && i < d->nr_vmas; i++) {
		const struct xc_vma *v = &d->vmas[i];

		if (!(v->prot & PROT_EXEC))
			continue;
		t = &c->text[k++];
		same = t->start == v->start && t->end == v->end && t->pgoff == v->pgoff &&
		       t->ino == v->ino && t->dev_major == v->dev_major && t->dev_minor == v->dev_minor;
	}
	if (same)
		return;
	unw_flush_cache(c->as, 0, 0);
	c->nr_syms = 0;
	c->nr_text = 0;
	t = realloc(c->text, (n ? n : 1) * sizeof(*t));
	c->shareable = t != NULL;
	if (!t)
		return;
	c->text = t;
	for (size_t i = 0; i < d->nr_vmas; i++) {
		const struct xc_vma *v = &d->vmas[i];

		if (!(v->prot & PROT_EXEC))
			continue;
		if (!v->ino && strcmp(v->path, "[vdso]") && strcmp(v->path, "[vsyscall]"))
			shareable = false;
		c->text[c->nr_text++] = (struct xc_bt_text){ v->start, v->end, v->pgoff, v->ino,
							     v->dev_major, v->dev_minor };
	}
	c->shareable = shareable;
}

static struct xc_bt_cache *cache_of(struct xc_dump *d)
{
	struct xc_bt_cache *c = d->tree->bt;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->as = unw_create_addr_space(&_UPT_accessors, 0);
		if (!c->as || unw_set_caching_policy(c->as, UNW_CACHE_GLOBAL)) {
			if (c->as)
				unw_destroy_addr_space(c->as);
			free(c);
			return NULL;
		}
		d->tree->bt = c;
	}
	same_text(c, d);
	return c;
}

/* The symbol of the frame's address, looked up once per cache. */
static void frame_sym(struct xc_bt_cache *c, unw_cursor_t *cur, struct xc_bt_frame *f)
{
	unw_word_t off;
	struct xc_bt_sym *s;

	for (size_t i = 0; c->shareable && i < c->nr_syms; i++)
		if (c->syms[i].ip == f->ip) {
			f->off = c->syms[i].off;
			memcpy(f->sym, c->syms[i].sym, sizeof(f->sym));
			return;
		}
	if (unw_get_proc_name(cur, f->sym, sizeof(f->sym), &off) == 0)
		f->off = off;
	else
		f->sym[0] = 0;
	if (!c->shareable)
		return;
	if (c->nr_syms == c->cap_syms) {
		size_t cap = c->cap_syms ? 2 * c->cap_syms : 32;

		s = realloc(c->syms, cap * sizeof(*s));
		if (!s)
			return;
		c->syms = s;
		c->cap_syms = cap;
	}
	s = &c->syms[c->nr_syms++];
	s->ip = f->ip;
	s->off = f->off;
	memcpy(s->sym, f->sym, sizeof(s->sym));
}

int dump_backtrace_collect(struct xc_dump *d)
{
	struct xc_bt_cache *c;
	unw_cursor_t cur;
	void *upt;
	int n = 0;

	d->bt = calloc(MAX_FRAMES, sizeof(*d->bt));
	if (!d->bt)
		return 0;
	c = cache_of(d);
	upt = c ? _UPT_create(d->pid) : NULL;
	if (!upt || unw_init_remote(&cur, c->as, upt) < 0) {
		xc_debug("pid %d: cannot start unwinding", d->pid);
		goto out;
	}
	do {
		struct xc_bt_frame *f = &d->bt[n];
		unw_word_t ip, sp;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || unw_get_reg(&cur, UNW_REG_SP, &sp) < 0)
			break;
		f->ip = ip;
		f->sp = sp;
		frame_sym(c, &cur, f);
		n++;
	} while (n < MAX_FRAMES && unw_step(&cur) > 0);
out:
	d->nr_bt = n;
	if (upt)
		_UPT_destroy(upt);
	/* Rules learnt from code that is no file's stay with this process. */
	if (c && !c->shareable)
		unw_flush_cache(c->as, 0, 0);
	return 0;
}

void dump_backtrace_cache_free(struct xc_tree *t)
{
	if (!t->bt)
		return;
	unw_destroy_addr_space(t->bt->as);
	free(t->bt->text);
	free(t->bt->syms);
	free(t->bt);
	t->bt = NULL;
}

int dump_backtrace(struct xc_dump *d)
{
	uint32_t hdr[2] = { (uint32_t)d->pid, d->nr_bt };

	return xc_imgw_put2(d->ctx, &d->img, XC_REC_BACKTRACE, hdr, sizeof(hdr), d->bt,
			    d->nr_bt * sizeof(*d->bt));
}
