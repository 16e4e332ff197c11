/* Benchmark victim for scripts/bench (not a test): holds MIB MiB of random
 * bytes, which no compressor can shrink, and MIB MiB of text-like data (log
 * lines built from a small vocabulary with counters and numbers, which zstd
 * shrinks a few times, like real logs or CSV). It hashes both, writes the
 * two regions to DIR/regions and its pid to DIR/ready, then sleeps until
 * SIGUSR2. After restore the bench sends SIGUSR2; the victim hashes both
 * regions again and prints PASS (exit 0) or FAIL (exit 1).
 *
 * The contents depend only on MIB, so every run holds the same bytes and the
 * bench can compare runs and reference copies made of different instances.
 *
 * usage: bench_mem DIR [MIB]     (MIB: size of each region, default 1024) */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_usr2(int sig) { stop_flag = 1; }

/* splitmix64: fast, good enough to defeat any compressor, and seedable. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill_random(uint64_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len / 8; i++)
		p[i] = next(&seed);
}

static const char *const levels[] = { "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG",
				      "DEBUG", "WARN", "ERROR", "INFO" };
static const char *const comps[] = { "http", "db", "cache", "auth", "worker", "scheduler",
				     "queue", "mailer" };
static const char *const methods[] = { "GET", "GET", "GET", "POST", "PUT", "DELETE", "GET",
				       "PATCH" };
static const char *const paths[] = { "/api/v1/users", "/api/v1/orders", "/api/v2/items",
				     "/static/img", "/healthz", "/login", "/api/v1/search",
				     "/api/v2/cart", "/metrics", "/api/v1/invoices" };
static const char *const users[] = { "alice", "bob", "carol", "dave", "erin", "frank",
				     "grace", "heidi", "ivan", "judy", "mallory", "oscar",
				     "peggy", "trent", "victor", "walter" };
static const char *const words[] = {
	"request", "completed", "cache", "miss", "hit", "retry", "connection", "reset",
	"by", "peer", "timeout", "after", "opened", "closed", "session", "expired",
	"queue", "depth", "flushed", "rows", "scanned", "index", "rebuilt", "slow",
	"query", "lock", "acquired", "released", "worker", "started", "stopped", "job",
	"scheduled", "failed", "succeeded", "payload", "too", "large", "token", "refreshed",
	"user", "logged", "in", "out", "backend", "unavailable", "upstream", "the",
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct text {
	char *p, *end;
	uint64_t rng;
};

static void put_s(struct text *t, const char *s)
{
	while (*s && t->p < t->end)
		*t->p++ = *s++;
}

static void put_c(struct text *t, char c)
{
	if (t->p < t->end)
		*t->p++ = c;
}

static void put_u(struct text *t, uint64_t v, int width)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) || n < width);
	while (n)
		put_c(t, d[--n]);
}

static void put_hex(struct text *t, uint64_t v, int digits)
{
	while (digits--)
		put_c(t, "0123456789abcdef"[(v >> (4 * digits)) & 15]);
}

/* One log line: a timestamp that moves forward, a level, a component, and
 * either an HTTP access record or a short message of vocabulary words. */
static void put_line(struct text *t, uint64_t *ms)
{
	uint64_t r = next(&t->rng);
	uint64_t s;

	*ms += r % 97;
	s = *ms / 1000;
	put_s(t, "2025-11-");
	put_u(t, 1 + s / 86400 % 28, 2);
	put_c(t, 'T');
	put_u(t, s / 3600 % 24, 2);
	put_c(t, ':');
	put_u(t, s / 60 % 60, 2);
	put_c(t, ':');
	put_u(t, s % 60, 2);
	put_c(t, '.');
	put_u(t, *ms % 1000, 3);
	put_c(t, ' ');
	put_s(t, levels[(r >> 8) % N(levels)]);
	put_s(t, " [");
	put_s(t, comps[(r >> 12) % N(comps)]);
	put_c(t, '-');
	put_u(t, (r >> 16) % 16, 1);
	put_s(t, "] ");
	if ((r >> 20) % 3) {
		put_s(t, methods[(r >> 22) % N(methods)]);
		put_c(t, ' ');
		put_s(t, paths[(r >> 26) % N(paths)]);
		put_c(t, '/');
		put_u(t, (r >> 30) % 100000, 1);
		put_s(t, " status=");
		put_u(t, (r >> 47) % 10 ? 200 : ((r >> 47) % 20 ? 404 : 500), 1);
		put_s(t, " bytes=");
		put_u(t, (r >> 51) % 8192, 1);
		put_s(t, " user=");
		put_s(t, users[(r >> 40) % N(users)]);
		put_s(t, " took=");
		put_u(t, (r >> 44) % 300, 1);
		put_s(t, "ms\n");
	} else {
		int n = 3 + (int)((r >> 22) % 6);
		uint64_t w = next(&t->rng);

		for (int i = 0; i < n; i++, w >>= 6) {
			put_s(t, words[(w & 63) % N(words)]);
			put_c(t, ' ');
		}
		put_s(t, "id=");
		put_hex(t, r >> 32, 8);
		put_c(t, '\n');
	}
}

static void fill_text(char *p, size_t len, uint64_t seed)
{
	struct text t = { p, p + len, seed };
	uint64_t ms = 0;

	while (t.p < t.end)
		put_line(&t, &ms);
}

/* Four independent lanes keep the multiplies from serialising. */
static uint64_t hash(const void *p, size_t len)
{
	const uint64_t *w = p;
	uint64_t h[4] = { 1, 2, 3, 4 };

	for (size_t i = 0; i + 4 <= len / 8; i += 4)
		for (int k = 0; k < 4; k++) {
			h[k] = (h[k] ^ w[i + k]) * 0x9e3779b97f4a7c15ULL;
			h[k] ^= h[k] >> 29;
		}
	return h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char tmp[4096], path[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f))
		return -1;
	/* rename: the bench never reads a half-written file */
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	const struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct sigaction sa = { 0 };
	char buf[256];
	size_t mib, len;
	uint64_t h_rand, h_text;
	void *rnd, *txt;
	double t0;
	int ok;

	if (argc < 2 || argc > 3)
		return 2;
	mib = argc == 3 ? strtoul(argv[2], NULL, 10) : 1024;
	if (!mib)
		return 2;
	len = mib << 20;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now();
	rnd = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	txt = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rnd == MAP_FAILED || txt == MAP_FAILED) {
		perror("mmap");
		return 3;
	}
	fill_random(rnd, len, 42);
	fill_text(txt, len, 4242);
	h_rand = hash(rnd, len);
	h_text = hash(txt, len);
	printf("filled %zu MiB random + %zu MiB text in %.2f s (hashes %016llx %016llx)\n",
	       mib, mib, now() - t0, (unsigned long long)h_rand, (unsigned long long)h_text);

	/* The handler must be in place before the bench can see ready. */
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	snprintf(buf, sizeof(buf), "random %p %zu\ntext %p %zu\n", rnd, len, txt, len);
	if (write_file(argv[1], "regions", buf))
		return 3;
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write_file(argv[1], "ready", buf))
		return 3;

	while (!stop_flag)
		nanosleep(&nap, NULL);

	t0 = now();
	ok = hash(rnd, len) == h_rand;
	if (!ok)
		printf("FAIL: random region hash\n");
	if (hash(txt, len) != h_text) {
		printf("FAIL: text region hash\n");
		ok = 0;
	}
	printf("%s (checked in %.2f s)\n", ok ? "PASS" : "FAIL", now() - t0);
	return ok ? 0 : 1;
}
