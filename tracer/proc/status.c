/* /proc/PID/status: "Key:\tvalue" lines. Unknown keys are skipped; a line
 * without a colon is malformed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/proc.h"

static int hex64(const char *v, uint64_t *out)
{
	char *end;

	*out = strtoull(v, &end, 16);
	return end == v ? -EINVAL : 0;
}

static int parse_line(const char *key, const char *v, struct xc_proc_status *st)
{
	if (!strcmp(key, "Name")) {
		snprintf(st->name, sizeof(st->name), "%s", v);
	} else if (!strcmp(key, "State")) {
		st->state = v[0];
	} else if (!strcmp(key, "Umask")) {
		st->umask = (uint32_t)strtoul(v, NULL, 8);
		st->has_umask = 1;
	} else if (!strcmp(key, "Tgid")) {
		st->tgid = atoi(v);
	} else if (!strcmp(key, "PPid")) {
		st->ppid = atoi(v);
	} else if (!strcmp(key, "TracerPid")) {
		st->tracer_pid = atoi(v);
	} else if (!strcmp(key, "Uid") || !strcmp(key, "Gid")) {
		uint32_t *id = key[0] == 'U' ? st->uid : st->gid;
		if (sscanf(v, "%u %u %u %u", &id[0], &id[1], &id[2], &id[3]) != 4)
			return -EINVAL;
	} else if (!strcmp(key, "Groups")) {
		char *end;
		st->nr_groups = 0;
		for (;;) {
			unsigned long g = strtoul(v, &end, 10);
			if (end == v)
				break;
			if (st->nr_groups == 64)
				return -E2BIG;
			st->groups[st->nr_groups++] = (uint32_t)g;
			v = end;
		}
	} else if (!strcmp(key, "Threads")) {
		st->threads = (uint32_t)atoi(v);
	} else if (!strcmp(key, "SigPnd")) {
		return hex64(v, &st->sig_pnd);
	} else if (!strcmp(key, "ShdPnd")) {
		return hex64(v, &st->shd_pnd);
	} else if (!strcmp(key, "SigBlk")) {
		return hex64(v, &st->sig_blk);
	} else if (!strcmp(key, "SigIgn")) {
		return hex64(v, &st->sig_ign);
	} else if (!strcmp(key, "SigCgt")) {
		return hex64(v, &st->sig_cgt);
	} else if (!strcmp(key, "CapInh")) {
		return hex64(v, &st->cap_inh);
	} else if (!strcmp(key, "CapPrm")) {
		return hex64(v, &st->cap_prm);
	} else if (!strcmp(key, "CapEff")) {
		return hex64(v, &st->cap_eff);
	} else if (!strcmp(key, "CapBnd")) {
		return hex64(v, &st->cap_bnd);
	} else if (!strcmp(key, "CapAmb")) {
		return hex64(v, &st->cap_amb);
	} else if (!strcmp(key, "NoNewPrivs")) {
		st->no_new_privs = atoi(v);
	} else if (!strcmp(key, "Seccomp")) {
		st->seccomp = atoi(v);
	} else if (!strcmp(key, "Kthread")) {
		st->kthread = atoi(v);
	}
	return 0;
}

int xc_parse_status(const char *buf, size_t len, struct xc_proc_status *st)
{
	const char *p = buf, *end = buf + len;
	int seen = 0;

	memset(st, 0, sizeof(*st));
	st->kthread = -1;
	while (p < end) {
		const char *e = memchr(p, '\n', end - p);
		char line[1024], *colon, *v;
		size_t l;
		int err;

		if (!e)
			e = end;
		l = e - p;
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, p, l);
		line[l] = 0;
		p = e + 1;
		if (!l)
			continue;
		colon = strchr(line, ':');
		if (!colon)
			return -EINVAL;
		*colon = 0;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		err = parse_line(line, v, st);
		if (err)
			return err;
		seen++;
	}
	return seen && st->tgid ? 0 : -EINVAL;
}
