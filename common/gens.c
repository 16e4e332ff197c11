/* Pure helpers of `xckpt run` (see gens.h). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gens.h"

int xc_parse_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	double v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double t = v * units[i].ms;
			/* Under a millisecond or over a year: a typo, not a plan. */
			if (t < 1 || t > 366.0 * 86400000)
				return -EINVAL;
			*ms = (uint64_t)t;
			return 0;
		}
	return -EINVAL;
}

int xc_gen_parse(const char *name, uint32_t *gen)
{
	size_t plen = strlen(XC_GEN_PREFIX);
	unsigned long v = 0;
	const char *p;

	if (strncmp(name, XC_GEN_PREFIX, plen))
		return -EINVAL;
	p = name + plen;
	if (strlen(p) < 6 || strlen(p) > 8)
		return -EINVAL;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!v || v > XC_GEN_MAX)
		return -EINVAL;
	*gen = (uint32_t)v;
	return 0;
}

void xc_gen_name(uint32_t gen, char *buf, size_t len)
{
	snprintf(buf, len, XC_GEN_PREFIX "%06u", gen);
}

uint32_t xc_gen_newest(const uint32_t *gens, size_t n)
{
	uint32_t best = 0;

	for (size_t i = 0; i < n; i++)
		if (gens[i] > best)
			best = gens[i];
	return best;
}

size_t xc_gen_prune(const uint32_t *gens, size_t n, unsigned keep, uint32_t *out)
{
	size_t k = 0;

	if (!keep)
		return 0;
	/* A generation goes when at least `keep` newer ones exist. */
	for (size_t i = 0; i < n; i++) {
		unsigned newer = 0;
		for (size_t j = 0; j < n; j++)
			newer += gens[j] > gens[i];
		if (newer >= keep)
			out[k++] = gens[i];
	}
	return k;
}

size_t xc_gen_prune_chains(const uint32_t *gens, const uint32_t *parents, size_t n,
			   unsigned keep, uint32_t *out)
{
	size_t k = 0;

	if (!keep)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bool needed = false;
		/* Needed if it is among the newest `keep`, or an ancestor of one:
		 * walk each kept generation's chain (bounded by n steps, so a
		 * cycle in damaged markers cannot loop). */
		for (size_t j = 0; j < n && !needed; j++) {
			unsigned newer = 0;
			uint32_t g = gens[j];
			for (size_t m = 0; m < n; m++)
				newer += gens[m] > gens[j];
			if (newer >= keep)
				continue;
			for (size_t steps = 0; g && steps <= n; steps++) {
				uint32_t next = 0;
				if (g == gens[i]) {
					needed = true;
					break;
				}
				for (size_t m = 0; m < n; m++)
					if (gens[m] == g)
						next = parents[m];
				g = next;
			}
		}
		if (!needed)
			out[k++] = gens[i];
	}
	return k;
}

int xc_parse_signal(const char *s, int *sig)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "ALRM", SIGALRM },
		{ "TERM", SIGTERM }, { "XCPU", SIGXCPU }, { "URG", SIGURG },
		{ "PWR", SIGPWR }, { "WINCH", SIGWINCH },
	};
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		v = strtol(s, &end, 10);
		if (*end || v <= 0 || v >= SIGRTMIN || v == SIGKILL || v == SIGSTOP ||
		    v == SIGCHLD || v == SIGCONT)
			return -EINVAL;
		*sig = (int)v;
		return 0;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*sig = names[i].sig;
			return 0;
		}
	return -EINVAL;
}

int xc_control_parse(const char *line, size_t len, int *pid)
{
	static const char verb[] = "checkpoint ";
	char buf[64], *end;
	long v;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= sizeof(buf) || len <= sizeof(verb) - 1)
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = 0;
	if (strncmp(buf, verb, sizeof(verb) - 1))
		return -EINVAL;
	if (!isdigit((unsigned char)buf[sizeof(verb) - 1]))
		return -EINVAL;
	v = strtol(buf + sizeof(verb) - 1, &end, 10);
	if (*end || v <= 0 || v > 4194304)
		return -EINVAL;
	*pid = (int)v;
	return 0;
}
