/* Victim: holds state of every kind the core restores, signals readiness,
 * then spins in an asm loop that keeps known values in the vector registers
 * and checks them on every round. After restore the harness sends SIGUSR1
 * (its handler counts) and SIGUSR2 (leave the loop); the victim then checks
 * everything against what it saved before the dump and prints PASS or FAIL.
 *
 * usage: state DIR      (DIR: scratch directory, writes DIR/ready) */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ready.h"

#include "vecloop.h"

#define HEAP_MB 24
#define ANON_MB 40

static volatile sig_atomic_t usr1_count, stop_flag, rt_got;
static volatile int rt_value;

static void on_usr1(int sig) { usr1_count++; }
static void on_usr2(int sig) { stop_flag = 1; }
static void on_alrm(int sig) { }
static void on_rt(int sig, siginfo_t *si, void *uc) { rt_got++; rt_value = si->si_value.sival_int; }

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

static int fails;
#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL: " __VA_ARGS__); printf("\n"); fails++; } } while (0)

int main(int argc, char **argv)
{
	char path[4096], cwd_before[4096], cwd_after[4096], buf[64];
	struct rlimit rl_nofile = { 123, 0 }, rl_core = { 0, 0 }, got;
	stack_t ss = { 0 }, ss_after;
	sigset_t mask, cur;
	uint64_t h_heap, h_anon, h_cow, h_none, h_shared;
	unsigned char *heap, *anon, *cow, *none, *shared;
	int datafd, outfd, libfd;
	struct sigaction sa = { 0 };

	if (argc != 2)
		return 2;
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* memory: heap, a large anonymous mapping with holes, a COW'd file page */
	heap = malloc(HEAP_MB << 20);
	srand(42);
	/* Six random bits a byte: compressible, so that the dump compresses
	 * it (incompressible blocks are stored raw at no cost), slowly at
	 * zstd:19, slowly enough for the interrupted and killed cases to stop
	 * a dump in the middle. */
	for (size_t i = 0; i < (HEAP_MB << 20); i++)
		heap[i] = (unsigned char)(rand() >> 7) & 0x3f;
	anon = mmap(NULL, ANON_MB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < (ANON_MB << 20); i += 4096 * 3)
		memset(anon + i, (int)(i >> 12), 4096);		/* every third page touched */
	mprotect(anon + (8 << 20), 1 << 20, PROT_READ);		/* a read-only piece in between */
	snprintf(path, sizeof(path), "%s/lib.dat", argv[1]);
	libfd = open(path, O_RDWR | O_CREAT, 0644);
	for (int i = 0; i < 4; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		for (int k = 0; k < 4096 / 64; k++)
			write(libfd, buf, sizeof(buf));
	}
	cow = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, libfd, 0);
	/* a read-only view of a file opened for writing: may become writable */
	unsigned char *shro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, libfd, 0);
	close(libfd);
	memcpy(cow + 4096 + 100, "copied-on-write", 15);	/* page 1 only */
	memset(cow + 2 * 4096, 0, 4096);	/* a COW'd page cleared: must not come back as 'c's */
	/* data behind PROT_NONE, and shared anonymous memory */
	none = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(none, 0xa5, 1 << 20);
	h_none = fnv(none, 1 << 20, 1469598103934665603ULL);
	mprotect(none, 1 << 20, PROT_NONE);
	shared = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < (1 << 20); i += 4096)
		shared[i] = (unsigned char)(i >> 12);
	h_shared = fnv(shared, 1 << 20, 1469598103934665603ULL);
	/* Unmapped from this process but still held by the shmem file: the
	 * pagemap shows nothing for these pages, the data is there. */
	madvise(shared, 1 << 19, MADV_DONTNEED);
	h_heap = fnv(heap, HEAP_MB << 20, 1469598103934665603ULL);
	h_anon = fnv(anon, ANON_MB << 20, 1469598103934665603ULL);
	h_cow = fnv(cow, 4 * 4096, 1469598103934665603ULL);

	/* files: a read offset and an append-mode log */
	snprintf(path, sizeof(path), "%s/data.txt", argv[1]);
	datafd = open(path, O_RDONLY);
	if (datafd < 0 || read(datafd, buf, 10) != 10)
		return 3;
	snprintf(path, sizeof(path), "%s/log.txt", argv[1]);
	outfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	write(outfd, "before\n", 7);
	int pathfd = open(path, O_PATH);

	/* fs, limits, signals */
	snprintf(path, sizeof(path), "%s/sub dir", argv[1]);
	mkdir(path, 0755);
	chdir(path);
	getcwd(cwd_before, sizeof(cwd_before));
	umask(027);
	setrlimit(RLIMIT_CORE, &rl_core);
	getrlimit(RLIMIT_NOFILE, &got);
	rl_nofile.rlim_max = got.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl_nofile);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 1, &sa, NULL);
	ss.ss_sp = malloc(65536);
	ss.ss_size = 65536;
	sigaltstack(&ss, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* a pending, queued real-time signal with a value */
	sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 4242 });

	/* a timer, the name, the personality */
	struct itimerval it = { { 1000, 0 }, { 1000, 0 } }, it_after;
	sa.sa_handler = on_alrm;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	prctl(PR_SET_NAME, "xc-victim");
	personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE);

	victim_ready(argv[1]);

	/* Registers: the loop keeps its values until SIGUSR2; the handlers run
	 * on a signal frame, which the kernel saves the vector state around. */
	int vec_ok = vec_loop(&stop_flag);
	CHECK(vec_ok, "vector registers changed (%d)", vec_ok);

	CHECK(fnv(heap, HEAP_MB << 20, 1469598103934665603ULL) == h_heap, "heap hash");
	CHECK(fnv(anon, ANON_MB << 20, 1469598103934665603ULL) == h_anon, "anon hash");
	CHECK(fnv(cow, 4 * 4096, 1469598103934665603ULL) == h_cow, "cow hash");
	CHECK(!mprotect(none, 1 << 20, PROT_READ) &&
	      fnv(none, 1 << 20, 1469598103934665603ULL) == h_none, "PROT_NONE data");
	CHECK(fnv(shared, 1 << 20, 1469598103934665603ULL) == h_shared, "shared anonymous memory");
	CHECK(shro != MAP_FAILED && !mprotect(shro, 4096, PROT_READ | PROT_WRITE) && shro[0] == 'a',
	      "shared file mapping can be made writable again");
	CHECK(usr1_count >= 1, "SIGUSR1 handler did not run (%d)", usr1_count);
	CHECK(read(datafd, buf, 5) == 5 && !memcmp(buf, "abcde", 5), "file offset");
	CHECK(write(outfd, "after\n", 6) == 6, "log write");
	CHECK(fcntl(pathfd, F_GETFL) & O_PATH, "O_PATH descriptor");
	CHECK(getcwd(cwd_after, sizeof(cwd_after)) && !strcmp(cwd_before, cwd_after), "cwd");
	CHECK(umask(0) == 027, "umask");
	CHECK(!getrlimit(RLIMIT_NOFILE, &got) && got.rlim_cur == 123, "RLIMIT_NOFILE");
	CHECK(!getrlimit(RLIMIT_CORE, &got) && got.rlim_cur == 0, "RLIMIT_CORE");
	CHECK(!sigaltstack(NULL, &ss_after) && ss_after.ss_sp == ss.ss_sp &&
	      ss_after.ss_size == ss.ss_size, "sigaltstack");
	CHECK(!getitimer(ITIMER_REAL, &it_after) && it_after.it_interval.tv_sec == 1000 &&
	      it_after.it_value.tv_sec > 900 && it_after.it_value.tv_sec <= 1000, "itimer");
	prctl(PR_GET_NAME, buf);
	CHECK(!strcmp(buf, "xc-victim"), "comm (%s)", buf);
	CHECK(personality(0xffffffff) & ADDR_NO_RANDOMIZE, "personality");
	/* The C library's rseq area must still be registered: registering it
	 * again with the same arguments is refused with EBUSY. */
	if (__rseq_size) {
		void *rs = (char *)__builtin_thread_pointer() + __rseq_offset;
		long r = syscall(SYS_rseq, rs, __rseq_size < 32 ? 32 : __rseq_size, 0, RSEQ_SIG);
		CHECK(r == -1 && errno == EBUSY, "rseq registration (%ld)", r);
	}
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGWINCH) && !sigismember(&cur, SIGUSR1), "signal mask");
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	CHECK(rt_got == 1 && rt_value == 4242, "pending queued signal (%d, %d)", rt_got, rt_value);
	printf("%s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}
