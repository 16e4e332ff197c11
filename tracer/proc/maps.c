/* /proc/PID/maps and smaps. A header line per VMA:
 *   start-end perms offset major:minor inode   path
 * smaps adds "Key: value" lines; only VmFlags, KernelPageSize and
 * ProtectionKey matter here. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/img-format.h"
#include "tracer/proc/proc.h"

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', end - p);
	return nl ? nl : end;
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* sscanf(s, "%llx-%llx %4c %llx %x:%x %llu%n", ...) == 7, without sscanf's
 * cost (a tenth of a tree dump's parsing): each number as strtoull reads it,
 * as sscanf does, the literals exactly, a space of the format as any run of
 * white space. 0 or -EINVAL. */
static int scan_header(const char *s, unsigned long long *start, unsigned long long *end,
		       char perms[4], unsigned long long *off, unsigned *maj, unsigned *min,
		       unsigned long long *ino, int *n)
{
	const char *p = s;
	char *q;

	*start = strtoull(p, &q, 16);
	if (q == p || *q != '-')
		return -EINVAL;
	p = q + 1;
	*end = strtoull(p, &q, 16);
	if (q == p)
		return -EINVAL;
	p = skip_space(q);
	for (int i = 0; i < 4; i++) {
		if (!p[i])
			return -EINVAL;
		perms[i] = p[i];
	}
	p = skip_space(p + 4);
	*off = strtoull(p, &q, 16);
	if (q == p)
		return -EINVAL;
	p = skip_space(q);
	*maj = (unsigned)strtoul(p, &q, 16);
	if (q == p || *q != ':')
		return -EINVAL;
	p = q + 1;
	*min = (unsigned)strtoul(p, &q, 16);
	if (q == p)
		return -EINVAL;
	p = skip_space(q);
	*ino = strtoull(p, &q, 10);
	if (q == p)
		return -EINVAL;
	*n = (int)(q - s);
	return 0;
}

static int parse_header(const char *p, const char *e, struct xc_vma *v)
{
	char perms[5];
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	int n = 0;
	char tmp[160];
	size_t l = e - p < (long)sizeof(tmp) - 1 ? (size_t)(e - p) : sizeof(tmp) - 1;

	memcpy(tmp, p, l);
	tmp[l] = 0;
	if (scan_header(tmp, &start, &end, perms, &off, &maj, &min, &ino, &n))
		return -EINVAL;
	if (start >= end || (start & 0xfff) || (end & 0xfff))
		return -EINVAL;
	/* Not the path's PATH_MAX bytes: zeroing them would touch a fresh page
	 * per mapping. */
	memset(v, 0, offsetof(struct xc_vma, path));
	v->start = start;
	v->end = end;
	v->pgoff = off;
	v->dev_major = maj;
	v->dev_minor = min;
	v->ino = ino;
	if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
	    (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 's' && perms[3] != 'p'))
		return -EINVAL;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	v->shared = perms[3] == 's';
	/* The path starts after the padding and runs to the end of the line;
	 * it may hold spaces. */
	p += n;
	while (p < e && *p == ' ')
		p++;
	if ((size_t)(e - p) >= sizeof(v->path))
		return -ENAMETOOLONG;
	memcpy(v->path, p, e - p);
	v->path[e - p] = 0;
	return 0;
}

static void parse_vmflags(const char *p, const char *e, struct xc_vma *v)
{
	static const struct { char f[3]; uint32_t bit; } map[] = {
		{ "lo", XC_VMF_LOCKED }, { "dd", XC_VMF_DONTDUMP }, { "hg", XC_VMF_HUGEPAGE },
		{ "nh", XC_VMF_NOHUGEPAGE }, { "dc", XC_VMF_DONTFORK }, { "wf", XC_VMF_WIPEONFORK },
		{ "mg", XC_VMF_MERGEABLE }, { "sr", XC_VMF_SEQ_READ }, { "rr", XC_VMF_RAND_READ },
		{ "nr", XC_VMF_NORESERVE }, { "lf", XC_VMF_LOCKONFAULT },
	};

	v->vmflags = 0;
	for (; p + 1 < e; p++) {
		if (*p == ' ')
			continue;
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (p[0] == map[i].f[0] && p[1] == map[i].f[1])
				v->vmflags |= map[i].bit;
		if (p[0] == 'g' && p[1] == 'd')
			v->vm_growsdown = true;
		if (p[0] == 'm' && p[1] == 'w')
			v->vm_maywrite = true;
		if ((p[0] == 'i' && p[1] == 'o') || (p[0] == 'p' && p[1] == 'f'))
			v->vm_io = true;
		if (p[0] == 'u' && (p[1] == 'm' || p[1] == 'w' || p[1] == 'i'))
			v->vm_uffd = true;
		if (p[0] == 's' && p[1] == 's')
			v->vm_shstk = true;
		if (p[0] == 'd' && p[1] == 'p')
			v->vm_droppable = true;
		if (p[0] == 'h' && p[1] == 't')
			v->vm_hugetlb = true;
		p++;
	}
}

/* A smaps key line is "Word:" followed by spaces; a header starts with a
 * hex digit and holds a '-' before the first space. */
static int is_header(const char *p, const char *e)
{
	const char *sp = memchr(p, ' ', e - p);
	const char *dash = memchr(p, '-', e - p);

	return sp && dash && dash < sp;
}

int xc_parse_maps(const char *buf, size_t len, struct xc_vma **vmas, size_t *nr,
		  unsigned *bad_line)
{
	const char *p = buf, *end = buf + len;
	struct xc_vma *v = NULL;
	size_t n = 0, cap = 0;
	unsigned line = 0;
	int err = 0;

	*vmas = NULL;
	*nr = 0;
	while (p < end) {
		const char *e = line_end(p, end);

		line++;
		if (e == p) {
			p = e + 1;
			continue;
		}
		if (is_header(p, e)) {
			if (n == cap) {
				struct xc_vma *nv;
				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					err = -ENOMEM;
					break;
				}
				v = nv;
			}
			err = parse_header(p, e, &v[n]);
			if (err)
				break;
			if (n && v[n].start < v[n - 1].end) {
				err = -EINVAL;
				break;
			}
			n++;
		} else if (e - p > 8 && !memcmp(p, "VmFlags:", 8)) {
			if (!n) {
				err = -EINVAL;
				break;
			}
			parse_vmflags(p + 8, e, &v[n - 1]);
		} else if (e - p > 15 && !memcmp(p, "KernelPageSize:", 15)) {
			if (!n) {
				err = -EINVAL;
				break;
			}
			v[n - 1].kpage_kb = (uint32_t)strtoul(p + 15, NULL, 10);
		} else if (e - p > 14 && !memcmp(p, "ProtectionKey:", 14)) {
			if (!n) {
				err = -EINVAL;
				break;
			}
			v[n - 1].pkey = (uint32_t)strtoul(p + 14, NULL, 10);
		} else if (!n || !memchr(p, ':', e - p)) {
			err = -EINVAL;
			break;
		}
		p = e + 1;
	}
	if (err) {
		if (bad_line)
			*bad_line = line;
		free(v);
		return err;
	}
	*vmas = v;
	*nr = n;
	return 0;
}
