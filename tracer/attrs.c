/* Per-process attributes beyond ids, limits and signals: oom_score_adj and
 * loginuid (read from /proc), transparent huge pages disabled, child
 * subreaper and membarrier registrations (the parasite asks them inside
 * the task, XC_PCMD_DUMP_MISC). */
#define LOG_PREFIX "attrs: "
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "tracer/tracer.h"

/* The parasite's answers into the record; a question the kernel does not
 * know (-EINVAL: membarrier or THP too old) reads as not set. Pure, for
 * the unit tests; what could not be read is xc_attrs_refusal()'s. */
void xc_attrs_from_misc(const struct xc_parasite_args *m, struct xc_rec_task_attrs *ta)
{
	ta->thp_disable = m->misc.thp_disable > 0 ? (uint32_t)m->misc.thp_disable : 0;
	ta->child_subreaper = m->misc.child_subreaper > 0 ? 1 : 0;
	ta->membarrier = m->misc.membarrier > 0 ? (uint32_t)m->misc.membarrier : 0;
}

/* What would not come back as it was: NULL, or why. Pure. */
const char *xc_attrs_refusal(const struct xc_parasite_args *m)
{
	if (m->misc.membarrier < 0 && m->misc.membarrier != -EINVAL)
		return "membarrier registrations could not be read";
	if (m->misc.thp_disable < 0 && m->misc.thp_disable != -EINVAL)
		return "PR_GET_THP_DISABLE could not be read";
	if (m->misc.child_subreaper < 0)
		return "PR_GET_CHILD_SUBREAPER could not be read";
	return NULL;
}

/* What one thread's own answers say would not come back as it was: NULL,
 * or why. Pure. */
const char *xc_thread_attrs_refusal(const struct xc_pthread_state *ps)
{
	if (ps->securebits < 0)
		return "PR_GET_SECUREBITS could not be read";
	if (ps->securebits)
		return "securebits (PR_SET_SECUREBITS) are not restored yet";
	return NULL;
}

/* Right after the parasite's answers, before anything is written. */
int dump_attrs_check(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_thr; i++) {
		const struct xc_pthread_state *ps = &d->thr[i].ps;
		const char *why = xc_thread_attrs_refusal(ps);

		if (why) {
			d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
			return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "thread %d (securebits %#llx)",
					d->thr[i].tid, (unsigned long long)ps->securebits);
		}
	}
	return 0;
}

/* A single decimal number from /proc/PID/<name>. */
static int proc_long(struct xc_dump *d, const char *name, long long *v)
{
	char *buf, *end;
	size_t len;
	int err = xc_proc_read(d, name, &buf, &len);

	if (err)
		return err;
	*v = strtoll(buf, &end, 10);
	if (end == buf)
		err = xc_fail(d->ctx, d->pid, name, "parse", -EINVAL);
	free(buf);
	return err;
}

int dump_attrs(struct xc_dump *d)
{
	struct xc_rec_task_attrs ta = { 0 };
	const char *why = xc_attrs_refusal(&d->misc);
	long long v;
	int err;

	if (why) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_fail(d->ctx, d->pid, "process", why, -ENOTSUP);
	}
	xc_attrs_from_misc(&d->misc, &ta);
	err = proc_long(d, "oom_score_adj", &v);
	if (err)
		return err;
	ta.oom_score_adj = (int32_t)v;
	err = proc_long(d, "loginuid", &v);
	if (err)
		return err;
	ta.loginuid = (uint32_t)v;
	return xc_imgw_put(d->ctx, &d->img, XC_REC_TASK_ATTRS, &ta, sizeof(ta));
}
