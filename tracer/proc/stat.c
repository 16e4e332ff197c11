/* /proc/PID/stat: "pid (comm) state f4 f5 ..." where comm may hold spaces
 * and parentheses, so the fields are counted from the last ')'. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/proc/proc.h"

int xc_parse_stat(const char *buf, size_t len, struct xc_proc_stat *st)
{
	char tmp[2048];
	unsigned long long f[64];
	char *p, *rp, *end;
	int n = 0;

	if (len >= sizeof(tmp) || !len)
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = 0;
	memset(st, 0, sizeof(*st));
	st->pid = atoi(tmp);
	rp = strrchr(tmp, ')');
	if (!rp || rp[1] != ' ' || !rp[2])
		return -EINVAL;
	st->state = rp[2];
	p = rp + 3;
	/* Field 4 (ppid) onwards. */
	while (*p && n < 64) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		f[n] = strtoull(p, &end, 10);
		if (end == p)
			return -EINVAL;
		if (*p == '-')
			f[n] = (unsigned long long)strtoll(p, &end, 10);
		n++;
		p = end;
	}
	/* f[i] is field i + 4 (1-based numbering of proc(5)). */
	if (n < 52 - 3)
		return -EINVAL;
	st->ppid = (pid_t)f[0];
	st->pgid = (pid_t)f[1];
	st->sid = (pid_t)f[2];
	st->tty_nr = (uint32_t)f[7 - 4];
	st->tpgid = (pid_t)f[8 - 4];
	st->flags = (uint32_t)f[9 - 4];
	st->start_code = f[26 - 4];
	st->end_code = f[27 - 4];
	st->start_stack = f[28 - 4];
	st->exit_signal = (int)f[38 - 4];
	st->exit_code = n >= 52 - 3 ? (int)f[52 - 4] : 0;
	st->start_data = f[45 - 4];
	st->end_data = f[46 - 4];
	st->start_brk = f[47 - 4];
	st->arg_start = f[48 - 4];
	st->arg_end = f[49 - 4];
	st->env_start = f[50 - 4];
	st->env_end = f[51 - 4];
	return 0;
}
