/* Seccomp: the mode and filters are checked while the image is read and
 * laid out in the blob's region for the blob, which installs them
 * (restorer/blob/restorer.c) once everything it needs root for is done but
 * for the credentials, which would forbid the install. xckpt suspends the
 * filters while it traces the task (PTRACE_O_SUSPEND_SECCOMP, restore.c),
 * so the rest of the restore is not judged by them; they take effect at the
 * detach. */
#define LOG_PREFIX "seccomp: "
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "restorer/rst.h"

#define SECCOMP_FILTER_FLAG_LOG_ 2u
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW_ 4u

static size_t filter_bytes(const struct xc_rec_seccomp_filter *f)
{
	return sizeof(*f) + (size_t)f->nr_insns * sizeof(struct sock_filter);
}

/* One filter record: its length matches its instruction count. */
bool rst_seccomp_filter_ok(const struct xc_rec_seccomp_filter *f, uint32_t len)
{
	return len >= sizeof(*f) && f->nr_insns >= 1 && f->nr_insns <= XC_SECCOMP_MAX_INSNS &&
	       len == filter_bytes(f) &&
	       !(f->flags & ~(SECCOMP_FILTER_FLAG_LOG_ | SECCOMP_FILTER_FLAG_SPEC_ALLOW_));
}

/* The mode with as many filters as it says: strict has none, filter mode
 * at least one; filters need the mode record. */
bool rst_seccomp_ok(const struct xc_rst *r)
{
	if (!r->seccomp)
		return !r->nr_filters;
	if (r->seccomp->mode == 1)
		return !r->nr_filters && !r->seccomp->nr_filters;
	return r->seccomp->mode == 2 && r->nr_filters && r->seccomp->nr_filters == r->nr_filters;
}

size_t rst_seccomp_size(const struct xc_rst *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nr_filters; i++)
		n += filter_bytes(r->filters[i]);
	return n;
}

/* The filters, first installed first, as the blob reads them: each one's
 * record (flags, count, instructions) back to back. */
void rst_seccomp_fill(const struct xc_rst *r, char *dst, uint64_t dst_addr, struct rst_args *a)
{
	size_t off = 0;

	a->seccomp_mode = r->seccomp ? r->seccomp->mode : 0;
	a->nr_filters = (uint32_t)r->nr_filters;
	a->filters = dst_addr;
	for (size_t i = 0; i < r->nr_filters; i++) {
		memcpy(dst + off, r->filters[i], filter_bytes(r->filters[i]));
		off += filter_bytes(r->filters[i]);
	}
}
