/* Checkpoint generations of `xckpt run`: numbered image directories in one
 * job directory. Pure decisions (names, durations, what to prune) live here
 * so the unit tests can check them on plain arrays; run.c does the I/O. */
#ifndef XC_GENS_H
#define XC_GENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "gen-000042": six digits at least, more once past 999999. */
#define XC_GEN_PREFIX	"gen-"
#define XC_GEN_MAX	99999999u

/* A duration: "90", "90s", "1.5m", "2h", "1d", "250ms". Returns 0 and
 * milliseconds, or -EINVAL. Zero is refused (an interval must elapse). */
int xc_parse_duration(const char *s, uint64_t *ms);

/* 0 and the generation number if name is exactly a generation directory's
 * name ("gen-" and digits, no sign, no trailing text), else -EINVAL. */
int xc_gen_parse(const char *name, uint32_t *gen);
void xc_gen_name(uint32_t gen, char *buf, size_t len);

/* Given the complete generations found (any order), the newest, 0 if none. */
uint32_t xc_gen_newest(const uint32_t *gens, size_t n);

/* Which generations to delete so that the newest `keep` remain (keep 0:
 * keep all). Writes them into out (capacity n), returns how many. */
size_t xc_gen_prune(const uint32_t *gens, size_t n, unsigned keep, uint32_t *out);

/* The same with incremental generations: parents[i] is the generation
 * gens[i] was dumped against (0: a full image). Kept: the newest `keep` and
 * every generation one of them needs to be restored. */
size_t xc_gen_prune_chains(const uint32_t *gens, const uint32_t *parents, size_t n,
			   unsigned keep, uint32_t *out);

/* A signal by name ("USR1", "SIGUSR1", "TERM") or number. -EINVAL if
 * unknown or one that cannot be caught. */
int xc_parse_signal(const char *s, int *sig);

/* The control channel's request line: "checkpoint PID\n" asks for a
 * checkpoint once PID has stopped itself. 0 and the pid, or -EINVAL. */
int xc_control_parse(const char *line, size_t len, int *pid);

#endif
