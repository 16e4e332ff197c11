/* Seccomp: the mode (Seccomp: in /proc/PID/status) and, in filter mode,
 * every filter with its flags, read with PTRACE_SECCOMP_GET_FILTER and
 * PTRACE_SECCOMP_GET_METADATA (CONFIG_CHECKPOINT_RESTORE). The kernel
 * numbers filters from the last installed (0) back; the image keeps them in
 * the order they were installed, which is the order restore installs them
 * in. While the target is seized its filters are suspended (seize.c). */
#define LOG_PREFIX "seccomp: "
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "common/log.h"
#include "tracer/tracer.h"

#define PTRACE_SECCOMP_GET_FILTER_ 0x420c
#define PTRACE_SECCOMP_GET_METADATA_ 0x420d

struct seccomp_metadata_ {
	uint64_t filter_off;
	uint64_t flags;
};

/* Filter index i (0: the last installed) into a new record; -ENOENT,
 * unreported, past the first installed. */
static int read_filter(struct xc_dump *d, unsigned long i, struct xc_rec_seccomp_filter **out)
{
	struct seccomp_metadata_ meta = { .filter_off = i };
	struct xc_rec_seccomp_filter *f;
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER_, d->pid, i, NULL);

	if (n < 0 && errno == ENOENT)
		return -ENOENT;
	if (n < 0)
		return xc_failf(d->ctx, d->pid, "ptrace get filter", -errno, "seccomp filter %lu", i);
	if (n < 1 || n > XC_SECCOMP_MAX_INSNS)
		return xc_failf(d->ctx, d->pid, "filter length", -EINVAL, "seccomp filter %lu", i);
	f = calloc(1, sizeof(*f) + (size_t)n * sizeof(struct sock_filter));
	if (!f)
		return xc_fail(d->ctx, d->pid, "seccomp", "allocate", -ENOMEM);
	if (ptrace(PTRACE_SECCOMP_GET_FILTER_, d->pid, i, f + 1) != n ||
	    ptrace(PTRACE_SECCOMP_GET_METADATA_, d->pid, sizeof(meta), &meta) < 0) {
		int err = errno ? -errno : -EIO;
		free(f);
		return xc_failf(d->ctx, d->pid, "ptrace get filter", err, "seccomp filter %lu", i);
	}
	f->nr_insns = (uint32_t)n;
	f->flags = (uint32_t)meta.flags;
	*out = f;
	return 0;
}

int dump_seccomp_collect(struct xc_dump *d)
{
	struct xc_rec_seccomp_filter *f = NULL, **nv;
	int err;

	if (d->st.seccomp != 2)
		return 0;
	for (unsigned long i = 0;; i++) {
		err = read_filter(d, i, &f);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		nv = realloc(d->filters, (d->nr_filters + 1) * sizeof(*nv));
		if (!nv) {
			free(f);
			return xc_fail(d->ctx, d->pid, "seccomp", "allocate", -ENOMEM);
		}
		d->filters = nv;
		d->filters[d->nr_filters++] = f;
	}
	if (!d->nr_filters)
		return xc_fail(d->ctx, d->pid, "seccomp", "filter mode without a filter", -EINVAL);
	return 0;
}

int dump_seccomp(struct xc_dump *d)
{
	struct xc_rec_seccomp s = { .mode = (uint32_t)d->st.seccomp,
				    .nr_filters = (uint32_t)d->nr_filters };
	int err;

	if (!s.mode)
		return 0;
	err = xc_imgw_put(d->ctx, &d->img, XC_REC_SECCOMP, &s, sizeof(s));
	for (size_t i = d->nr_filters; !err && i-- > 0;)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_SECCOMP_FILTER, d->filters[i],
				  sizeof(*d->filters[i]) +
					  d->filters[i]->nr_insns * sizeof(struct sock_filter));
	return err;
}

void dump_seccomp_free(struct xc_dump *d)
{
	for (size_t i = 0; i < d->nr_filters; i++)
		free(d->filters[i]);
	free(d->filters);
	d->filters = NULL;
	d->nr_filters = 0;
}
