/* System V shared memory across a tree, for cases/shm.sh.
 *
 *   sysvshm tree DIR  a parent with two segments: A (IPC_PRIVATE, 3 pages
 *                     and 100 bytes, owner changed to 1:2, a page made
 *                     read-only by mprotect, marked IPC_RMID) and B (a key
 *                     of its own, 1 MiB with data at 0 and 512 KiB,
 *                     SHM_LOCK). Its child inherits A and attaches B itself
 *                     with SHM_RDONLY. DIR/ids gets "A B KEY". On SIGUSR1
 *                     both check what IPC_STAT said before (key, mode with
 *                     SHM_DEST and SHM_LOCKED, owner, creator, size, number
 *                     of mappings), the content, that writes are shared both
 *                     ways, that the read-only attachment cannot be made
 *                     writable, that shmdt() takes each attachment, and
 *                     that A is gone with its last one. The parent removes
 *                     B and prints PASS.
 *   sysvshm attach KEY DIR
 *                     attach (or make) the segment of KEY and sleep.
 *   sysvshm scribble KEY
 *                     write into the segment of KEY (at 0 and 256 KiB) and
 *                     exit.
 *   sysvshm part DIR  a segment of which one page was unmapped.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ready.h"

#define B_SIZE (1u << 20)

static size_t page;

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

/* What must come back as it was: everything IPC_STAT reports but the
 * times and the pids of the last operations. */
static void same_stat(const char *name, int id, const struct shmid_ds *b)
{
	struct shmid_ds a;

	if (shmctl(id, IPC_STAT, &a)) {
		CHECK(0, "%s: IPC_STAT: %s", name, strerror(errno));
		return;
	}
	CHECK(a.shm_perm.__key == b->shm_perm.__key, "%s: key %#x, was %#x", name,
	      a.shm_perm.__key, b->shm_perm.__key);
	CHECK(a.shm_perm.mode == b->shm_perm.mode, "%s: mode %#o, was %#o", name,
	      a.shm_perm.mode, b->shm_perm.mode);
	CHECK(a.shm_perm.uid == b->shm_perm.uid && a.shm_perm.gid == b->shm_perm.gid,
	      "%s: owner %u:%u, was %u:%u", name, a.shm_perm.uid, a.shm_perm.gid,
	      b->shm_perm.uid, b->shm_perm.gid);
	CHECK(a.shm_perm.cuid == b->shm_perm.cuid && a.shm_perm.cgid == b->shm_perm.cgid,
	      "%s: creator %u:%u, was %u:%u", name, a.shm_perm.cuid, a.shm_perm.cgid,
	      b->shm_perm.cuid, b->shm_perm.cgid);
	CHECK(a.shm_segsz == b->shm_segsz, "%s: size %zu, was %zu", name, a.shm_segsz,
	      b->shm_segsz);
	CHECK(a.shm_nattch == b->shm_nattch, "%s: %lu mappings, was %lu", name,
	      (unsigned long)a.shm_nattch, (unsigned long)b->shm_nattch);
}

static bool wait_byte(volatile uint8_t *p, uint8_t want)
{
	for (int i = 0; i < 3000 && *p != want; i++)
		usleep(1000);
	return *p == want;
}

static int child(volatile uint8_t *a, int b_id)
{
	volatile uint8_t *b = shmat(b_id, NULL, SHM_RDONLY);
	size_t a_size = 3 * page + 100;

	if (b == (void *)-1)
		_exit(2);
	kill(getppid(), SIGUSR2);	/* attached */
	victim_wait_go();
	CHECK(wait_byte(&a[3 * page], 'P'), "child: parent's write into A not seen");
	CHECK(wait_byte(&b[100], 'Q'), "child: parent's write into B not seen");
	for (size_t i = 0; i < a_size; i++)
		if (i != 3 * page && a[i] != pattern(i)) {
			CHECK(0, "child: A[%zu] = %u", i, a[i]);
			break;
		}
	CHECK(mprotect((void *)b, page, PROT_READ | PROT_WRITE) && errno == EACCES,
	      "child: the SHM_RDONLY attachment could be made writable");
	a[3 * page + 1] = 'C';
	CHECK(!shmdt((void *)b), "child: shmdt B: %s", strerror(errno));
	CHECK(!shmdt((void *)a), "child: shmdt A: %s", strerror(errno));
	_exit(fails ? 1 : 0);
}

static volatile sig_atomic_t attached;

static void on_usr2(int sig)
{
	(void)sig;
	attached = 1;
}

static int tree(const char *dir)
{
	size_t a_size = 3 * page + 100;
	struct shmid_ds a_before, b_before, ds;
	volatile uint8_t *a, *b;
	key_t key = (key_t)(0x58430000 | (getpid() & 0xffff));
	int a_id, b_id, status;
	char path[4096];
	pid_t pid;
	FILE *f;

	signal(SIGUSR2, on_usr2);
	a_id = shmget(IPC_PRIVATE, a_size, IPC_CREAT | 0640);
	b_id = shmget(key, B_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	if (a_id < 0 || b_id < 0)
		return 2;
	snprintf(path, sizeof(path), "%s/ids", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d %d %d\n", a_id, b_id, key) < 0 || fclose(f))
		return 2;
	a = shmat(a_id, NULL, 0);
	b = shmat(b_id, NULL, 0);
	if (a == (void *)-1 || b == (void *)-1)
		return 2;
	for (size_t i = 0; i < a_size; i++)
		a[i] = pattern(i);
	memcpy((void *)b, "B-data", 6);
	memcpy((void *)(b + B_SIZE / 2), "B-half", 6);
	if (shmctl(a_id, IPC_STAT, &ds))
		return 2;
	ds.shm_perm.uid = 1;
	ds.shm_perm.gid = 2;
	if (shmctl(a_id, IPC_SET, &ds) || shmctl(b_id, SHM_LOCK, NULL) ||
	    mprotect((void *)(a + page), page, PROT_READ))
		return 2;
	pid = fork();
	if (pid == 0)
		child(a, b_id);
	while (!attached)
		usleep(1000);
	if (shmctl(a_id, IPC_RMID, NULL) || shmctl(a_id, IPC_STAT, &a_before) ||
	    shmctl(b_id, IPC_STAT, &b_before))
		return 2;
	victim_ready(dir);
	victim_wait_go();

	same_stat("A", a_id, &a_before);
	same_stat("B", b_id, &b_before);
	for (size_t i = 0; i < a_size; i++)
		if (a[i] != pattern(i)) {
			CHECK(0, "A[%zu] = %u", i, a[i]);
			break;
		}
	CHECK(!memcmp((void *)b, "B-data", 6) && !memcmp((void *)(b + B_SIZE / 2), "B-half", 6),
	      "B's content changed");
	CHECK(b[B_SIZE / 4] == 0, "B at 256 KiB is %u, not 0", b[B_SIZE / 4]);
	CHECK(mprotect((void *)(a + page), page, PROT_READ | PROT_WRITE) == 0,
	      "A's read-only page: mprotect: %s", strerror(errno));
	a[3 * page] = 'P';
	b[100] = 'Q';
	kill(pid, SIGUSR1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed (status %#x)", status);
	CHECK(a[3 * page + 1] == 'C', "child's write into A not seen");
	CHECK(!shmdt((void *)a), "shmdt A: %s", strerror(errno));
	CHECK(shmctl(a_id, IPC_STAT, &ds) && (errno == EINVAL || errno == EIDRM),
	      "A still exists after its last detach");
	CHECK(!shmdt((void *)b), "shmdt B: %s", strerror(errno));
	CHECK(!shmctl(b_id, IPC_RMID, NULL), "remove B: %s", strerror(errno));
	printf(fails ? "FAIL: sysvshm\n" : "PASS\n");
	return fails ? 1 : 0;
}

static int attach(key_t key, const char *dir)
{
	int id = shmget(key, 4096, IPC_CREAT | 0600);

	if (id < 0 || shmat(id, NULL, 0) == (void *)-1)
		return 2;
	victim_ready(dir);
	for (;;)
		pause();
}

static int scribble(key_t key)
{
	int id = shmget(key, 0, 0);
	uint8_t *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);

	if (p == (void *)-1)
		return 2;
	memset(p, 0xff, 16);
	memset(p + B_SIZE / 4, 0xff, 16);
	return shmdt(p) ? 2 : 0;
}

static int part(const char *dir)
{
	int id = shmget(IPC_PRIVATE, 4 * page, IPC_CREAT | 0600);
	uint8_t *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	char path[4096];
	FILE *f;

	if (p == (void *)-1 || shmctl(id, IPC_RMID, NULL) || munmap(p + 3 * page, page))
		return 2;
	snprintf(path, sizeof(path), "%s/ids", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d %lx\n", id, (unsigned long)p) < 0 || fclose(f))
		return 2;
	victim_ready(dir);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	close_range(3, ~0u, 0);		/* nothing of the test's shell */
	victim_go_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "tree"))
		return tree(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "attach"))
		return attach((key_t)strtol(argv[2], NULL, 0), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "scribble"))
		return scribble((key_t)strtol(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "part"))
		return part(argv[2]);
	fprintf(stderr, "usage: sysvshm tree|attach|scribble|part ...\n");
	return 2;
}
