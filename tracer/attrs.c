/* Per-process and per-thread attributes beyond ids, limits and signals.
 * Per process: oom_score_adj, loginuid and coredump_filter (read from
 * /proc), transparent huge pages disabled, child subreaper, membarrier
 * registrations, dumpable, mlockall(MCL_FUTURE) and the private futex hash
 * (the parasite asks them
 * inside the task, XC_PCMD_DUMP_MISC). Per thread, asked by the parasite in
 * each thread: parent-death signal, TSC and machine-check policies,
 * speculation controls, keep-caps, NUMA memory policy. What would not come back as it was is
 * refused here, before anything is written. */
#define LOG_PREFIX "attrs: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define XC_SECBIT_KEEP_CAPS 0x10
#define XC_PF_IO_FLUSHER 0x00180000u	/* PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE */

/* The parasite's answers into the record; a question the kernel does not
 * know (-EINVAL: membarrier or THP too old) reads as not set. Pure, for
 * the unit tests; what could not be read is xc_attrs_refusal()'s. */
void xc_attrs_from_misc(const struct xc_parasite_args *m, struct xc_rec_task_attrs *ta)
{
	ta->thp_disable = m->misc.thp_disable > 0 ? (uint32_t)m->misc.thp_disable : 0;
	ta->child_subreaper = m->misc.child_subreaper > 0 ? 1 : 0;
	ta->membarrier = m->misc.membarrier > 0 ? (uint32_t)m->misc.membarrier : 0;
	ta->dumpable = m->misc.dumpable >= 0 ? (uint32_t)m->misc.dumpable : 1;
	ta->mlockall = m->misc.mcl > 0 ? (uint32_t)m->misc.mcl : 0;
	ta->futex_hash_slots = m->misc.futex_hash > 0 ? (uint32_t)m->misc.futex_hash : 0;
	ta->flags = m->misc.futex_hash >= 0 ? XC_TA_FUTEX_HASH : 0;
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
	if (m->misc.dumpable < 0)
		return "PR_GET_DUMPABLE could not be read";
	if (m->misc.mcl < 0)
		return "whether mlockall(MCL_FUTURE) is on could not be read (a fresh mapping failed)";
	/* PR_SET_MEMORY_MERGE needs CAP_SYS_RESOURCE, which a restore
	 * cannot count on; -EINVAL: a kernel without KSM */
	if (m->misc.memory_merge > 0)
		return "KSM for the whole process (PR_SET_MEMORY_MERGE) is not restored yet";
	if (m->misc.memory_merge < 0 && m->misc.memory_merge != -EINVAL)
		return "PR_GET_MEMORY_MERGE could not be read";
	if (m->misc.futex_hash < 0 && m->misc.futex_hash != -EINVAL)
		return "the private futex hash (PR_FUTEX_HASH) could not be read";
	return NULL;
}

/* One thread's own answers into its record. Pure. */
void xc_thread_attrs_from_ps(const struct xc_pthread_state *ps, struct xc_rec_thread *t)
{
	t->pdeathsig = ps->pdeathsig > 0 ? (uint32_t)ps->pdeathsig : 0;
	t->tsc = ps->tsc > 0 ? (uint32_t)ps->tsc : 0;
	t->mce_kill = ps->mce_kill >= 0 ? (uint32_t)ps->mce_kill : 2;
	t->securebits = ps->securebits > 0 ? (uint32_t)ps->securebits : 0;
	for (int w = 0; w < 3; w++)
		t->spec[w] = ps->spec[w] > 0 ? (uint32_t)ps->spec[w] : 0;
	t->mempolicy = ps->mempolicy > 0 ? (uint32_t)ps->mempolicy : 0;
	t->mempolicy_nodes = ps->mempolicy > 0 ? ps->mempolicy_nodes : 0;
}

/* What one thread's own answers say would not come back as it was: NULL,
 * or why. A question the kernel does not know (-EINVAL), or a speculation
 * control it does not have (-ENODEV), reads as the default. Pure. */
const char *xc_thread_attrs_refusal(const struct xc_pthread_state *ps)
{
	if (ps->securebits < 0)
		return "PR_GET_SECUREBITS could not be read";
	if (ps->securebits & ~XC_SECBIT_KEEP_CAPS)
		return "securebits (PR_SET_SECUREBITS) are not restored yet";
	if (ps->pdeathsig < 0)
		return "PR_GET_PDEATHSIG could not be read";
	if (ps->tsc < 0 && ps->tsc != -EINVAL)
		return "PR_GET_TSC could not be read";
	if (ps->mce_kill < 0 && ps->mce_kill != -EINVAL)
		return "PR_MCE_KILL_GET could not be read";
	for (int w = 0; w < 3; w++)
		if (ps->spec[w] < 0 && ps->spec[w] != -EINVAL && ps->spec[w] != -ENODEV)
			return "PR_GET_SPECULATION_CTRL could not be read";
	/* -ENOSYS: a kernel without NUMA, where every policy is the default */
	if (ps->mempolicy == -EINVAL)
		return "NUMA memory policies on more than 64 nodes are not supported yet";
	if (ps->mempolicy < 0 && ps->mempolicy != -ENOSYS)
		return "the NUMA memory policy (get_mempolicy) could not be read";
	return NULL;
}

/* PR_SET_IO_FLUSHER (which needs CAP_SYS_RESOURCE to read back, as to set)
 * shows as its two task flags in /proc/PID/task/TID/stat. Pure. */
bool xc_io_flusher(uint32_t stat_flags)
{
	return (stat_flags & XC_PF_IO_FLUSHER) == XC_PF_IO_FLUSHER;
}

/* A mapping's own NUMA memory policy (mbind) is not restored yet.
 * /proc/PID/numa_maps shows for each mapping its own policy, or where it
 * has none the leader thread's: with a default leader policy any other is
 * a mapping's own; with another, mappings that differ from each other are
 * (one whose policy equals the thread's cannot be told apart, and comes
 * back as the thread's). Returns the start of the first such mapping, or
 * 0. Pure. */
uint64_t xc_numa_maps_own_policy(const char *buf, bool thread_default)
{
	char first[64] = "", pol[64];
	unsigned long long start;
	const char *p = buf;

	while (p && *p) {
		if (sscanf(p, "%llx %63s", &start, pol) == 2) {
			if (!first[0])
				snprintf(first, sizeof(first), "%s", pol);
			if (strcmp(pol, thread_default ? "default" : first))
				return start ? start : 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* The parasite asked each mapping (get_mempolicy(MPOL_F_ADDR), exact and
 * cheap); where it could not read its own maps (no /proc in its mount
 * namespace, a full fd table), numa_maps is read from outside, which costs
 * a walk of every page table. */
static int numa_check(struct xc_dump *d)
{
	int64_t at = d->misc.misc.vma_policy;
	size_t len;
	char *buf;
	int err;

	if (at < 0 && !faccessat(d->procfd, "numa_maps", F_OK, 0)) {
		err = xc_proc_read(d, "numa_maps", &buf, &len);
		if (err)
			return err;
		at = (int64_t)xc_numa_maps_own_policy(buf, xc_leader(d)->ps.mempolicy <= 0);
		free(buf);
	}
	if (at <= 0)
		return 0;
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, "a NUMA memory policy of the mapping's own (mbind) is not "
			"restored yet", -ENOTSUP, "mapping at %#llx", (unsigned long long)at);
}

/* The nice value of the process's autogroup ("/autogroup-25 nice 0",
 * /proc/PID/autogroup): 0 or -EINVAL. A process still in the boot-time
 * group (never under a setsid since boot, as under an init that does not
 * make sessions) has an empty file: that group's nice cannot be set, so it
 * reads as 0. Pure. */
int xc_autogroup_nice(const char *buf, int *nice)
{
	const char *p = strstr(buf, " nice ");
	char *end;
	long v;

	if (!buf[strspn(buf, " \n")]) {
		*nice = 0;
		return 0;
	}
	if (!p)
		return -EINVAL;
	v = strtol(p + 6, &end, 10);
	if (end == p + 6 || v < -20 || v > 19)
		return -EINVAL;
	*nice = (int)v;
	return 0;
}

/* The autogroup's nice value is not restored yet: the restored process
 * joins an autogroup that others share (its session's, or xckpt's), whose
 * value it must not change for them. A kernel without autogroups has no
 * file. */
static int autogroup_check(struct xc_dump *d)
{
	size_t len;
	char *buf;
	int nice, err;

	if (faccessat(d->procfd, "autogroup", F_OK, 0))
		return 0;
	err = xc_proc_read(d, "autogroup", &buf, &len);
	if (err)
		return err;
	err = xc_autogroup_nice(buf, &nice);
	free(buf);
	if (err)
		return xc_fail(d->ctx, d->pid, "autogroup", "parse", err);
	if (!nice)
		return 0;
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	return xc_failf(d->ctx, d->pid, "an autogroup nice value is not restored yet", -ENOTSUP,
			"autogroup (nice %d)", nice);
}

/* Right after the parasite's answers, before anything is written. */
int dump_attrs_check(struct xc_dump *d)
{
	const char *why = xc_attrs_refusal(&d->misc);
	int err;

	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	if (why)
		return xc_fail(d->ctx, d->pid, "process", why, -ENOTSUP);
	for (size_t i = 0; i < d->nr_thr; i++) {
		const struct xc_pthread_state *ps = &d->thr[i].ps;

		why = xc_thread_attrs_refusal(ps);
		if (why)
			return xc_failf(d->ctx, d->pid, why, -ENOTSUP, "thread %d (securebits %#llx)",
					d->thr[i].tid, (unsigned long long)ps->securebits);
	}
	d->ctx->exit_hint = 0;
	err = numa_check(d);
	return err ? err : autogroup_check(d);
}

/* A single number from /proc/PID/<name>. */
static int proc_long(struct xc_dump *d, const char *name, int base, long long *v)
{
	char *buf, *end;
	size_t len;
	int err = xc_proc_read(d, name, &buf, &len);

	if (err)
		return err;
	*v = strtoll(buf, &end, base);
	if (end == buf)
		err = xc_fail(d->ctx, d->pid, name, "parse", -EINVAL);
	free(buf);
	return err;
}

int dump_attrs(struct xc_dump *d)
{
	struct xc_rec_task_attrs ta = { 0 };
	long long v;
	int err;

	xc_attrs_from_misc(&d->misc, &ta);
	err = proc_long(d, "oom_score_adj", 10, &v);
	if (err)
		return err;
	ta.oom_score_adj = (int32_t)v;
	err = proc_long(d, "loginuid", 10, &v);
	if (err)
		return err;
	ta.loginuid = (uint32_t)v;
	err = proc_long(d, "coredump_filter", 16, &v);
	if (err)
		return err;
	ta.coredump_filter = (uint32_t)v;
	return xc_imgw_put(d->ctx, &d->img, XC_REC_TASK_ATTRS, &ta, sizeof(ta));
}
