/* Each thread's stack at the moment of the dump, unwound with libunwind's
 * ptrace accessors while the registers are still the target's own. Only
 * informational (show): a failure to unwind is logged, never fatal. */
#define LOG_PREFIX "backtrace: "
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define MAX_FRAMES 64

int dump_backtrace_collect(struct xc_dump *d)
{
	unw_addr_space_t as;
	unw_cursor_t cur;
	void *upt;
	int n = 0;

	d->bt = calloc(MAX_FRAMES, sizeof(*d->bt));
	if (!d->bt)
		return 0;
	as = unw_create_addr_space(&_UPT_accessors, 0);
	upt = as ? _UPT_create(d->pid) : NULL;
	if (!upt || unw_init_remote(&cur, as, upt) < 0) {
		xc_debug("pid %d: cannot start unwinding", d->pid);
		goto out;
	}
	do {
		struct xc_bt_frame *f = &d->bt[n];
		unw_word_t ip, sp, off;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || unw_get_reg(&cur, UNW_REG_SP, &sp) < 0)
			break;
		f->ip = ip;
		f->sp = sp;
		if (unw_get_proc_name(&cur, f->sym, sizeof(f->sym), &off) == 0)
			f->off = off;
		else
			f->sym[0] = 0;
		n++;
	} while (n < MAX_FRAMES && unw_step(&cur) > 0);
out:
	d->nr_bt = n;
	if (upt)
		_UPT_destroy(upt);
	if (as)
		unw_destroy_addr_space(as);
	return 0;
}

int dump_backtrace(struct xc_dump *d)
{
	uint32_t hdr[2] = { (uint32_t)d->pid, d->nr_bt };

	return xc_imgw_put2(d->ctx, &d->img, XC_REC_BACKTRACE, hdr, sizeof(hdr), d->bt,
			    d->nr_bt * sizeof(*d->bt));
}
