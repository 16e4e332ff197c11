/* A stand-in libcuda.so.1 for integ_cuda_fake_*: the driver entry points
 * the CUDA plugin loads, with the checkpoint API's state machine kept per
 * process in $XCKPT_FAKE_CUDA/state-PID. Every call appends a line to
 * $XCKPT_FAKE_CUDA/trace naming the call and whether the process was
 * traced at that moment, so a test can check when the plugin calls the
 * driver: before the seize, while the restored process is still stopped,
 * after the release. $XCKPT_FAKE_CUDA_FAIL names one call that fails.
 * Built with -DFAKE_OLD_DRIVER it is a driver from before the checkpoint
 * API (victims/fakecuda-old). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OK = 0, INVALID = 1, NOT_SUPPORTED = 801, ILLEGAL_STATE = 401, NOT_FOUND = 500 };
enum { RUNNING, LOCKED, CHECKPOINTED };

static const char *dir(void)
{
	const char *d = getenv("XCKPT_FAKE_CUDA");
	return d ? d : "/nonexistent";
}

static int traced(int pid)
{
	char path[64], line[256];
	int t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &t) == 1)
			break;
	fclose(f);
	return t != 0;
}

static int trace(const char *call, int pid)
{
	char path[4096];
	const char *fail = getenv("XCKPT_FAKE_CUDA_FAIL");
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir());
	f = fopen(path, "ae");
	if (f) {
		fprintf(f, "%s traced=%d\n", call, pid ? traced(pid) : 0);
		fclose(f);
	}
	return fail && !strcmp(fail, call);
}

static int get(int pid)
{
	char path[4096];
	int s = RUNNING;
	FILE *f;

	snprintf(path, sizeof(path), "%s/state-%d", dir(), pid);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &s) != 1)
			s = RUNNING;
		fclose(f);
	}
	return s;
}

static void set(int pid, int s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state-%d", dir(), pid);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%d\n", s);
		fclose(f);
	}
}

/* from -> to, or ILLEGAL_STATE */
static int step(const char *call, int pid, int from, int to)
{
	if (trace(call, pid))
		return NOT_SUPPORTED;
	if (get(pid) != from)
		return ILLEGAL_STATE;
	set(pid, to);
	return OK;
}

int cuDriverGetVersion(int *v) { *v = 12080; return OK; }
int cuInit(unsigned flags) { trace("cuInit", 0); return OK; }
int cuDeviceGetCount(int *n) { *n = 1; return OK; }
int cuDeviceGetName(char *name, int len, int dev) { snprintf(name, len, "Fake GPU"); return dev ? INVALID : OK; }
int cuDeviceGetUuid_v2(unsigned char *u, int dev) { memset(u, 0xab, 16); return dev ? INVALID : OK; }
int cuDeviceTotalMem_v2(size_t *b, int dev) { *b = (size_t)1 << 30; return dev ? INVALID : OK; }

#ifndef FAKE_OLD_DRIVER
int cuCheckpointProcessGetState(int pid, int *st)
{
	if (trace("GetState", pid))
		return NOT_SUPPORTED;
	*st = get(pid);
	return OK;
}

int cuCheckpointProcessGetRestoreThreadId(int pid, int *tid) { *tid = pid; return OK; }
int cuCheckpointProcessLock(int pid, void *a) { return step("Lock", pid, RUNNING, LOCKED); }
int cuCheckpointProcessCheckpoint(int pid, void *a) { return step("Checkpoint", pid, LOCKED, CHECKPOINTED); }
int cuCheckpointProcessRestore(int pid, void *a) { return step("Restore", pid, CHECKPOINTED, LOCKED); }
int cuCheckpointProcessUnlock(int pid, void *a) { return step("Unlock", pid, LOCKED, RUNNING); }
#endif
