/* xckpt check: probe, without side effects on this process, each kernel
 * feature xckpt relies on, in the manner of 'criu check'. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/arch.h"
#include "common/cmds.h"
#include "common/ctx.h"
#include "plugins/plugin.h"

#ifndef PR_SET_MM_MAP_SIZE
#define PR_SET_MM_MAP_SIZE 15
#endif
#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN _IOWR('f', 16, char[96])	/* struct pm_scan_arg, Linux 6.7 */
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

struct probe {
	const char *name;
	bool needed;		/* dump or restore fail without it */
	int (*fn)(char *note, size_t len);
};

static int p_seize(char *note, size_t len)
{
	pid_t pid = fork();
	int st, ok = 0;

	if (pid < 0)
		return -errno;
	if (!pid) {
		pause();
		_exit(0);
	}
	if (!ptrace(PTRACE_SEIZE, pid, 0, 0) && !ptrace(PTRACE_INTERRUPT, pid, 0, 0) &&
	    waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st))
		ok = 1;
	else
		snprintf(note, len, "%s", strerror(errno));
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return ok ? 0 : -EPERM;
}

static int p_clone3(char *note, size_t len)
{
	/* A too-small size is refused with EINVAL where clone3 exists. */
	long r = syscall(SYS_clone3, NULL, 0);
	return r < 0 && errno == ENOSYS ? -ENOSYS : 0;
}

/* A real clone3 with set_tid, at a pid that is free now; the child exits at
 * once. */
static int p_set_tid(char *note, size_t len)
{
	struct clone_args args;
	pid_t want, got;
	int st;

	for (want = 30000; want > 300; want -= 97)
		if (kill(want, 0) && errno == ESRCH)
			break;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	got = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (got == 0)
		_exit(0);
	if (got < 0) {
		snprintf(note, len, "%s%s", strerror(errno),
			 errno == EPERM ? ": needs CAP_CHECKPOINT_RESTORE" : "");
		return -errno;
	}
	waitpid(got, &st, 0);
	return got == want ? 0 : -EINVAL;
}

static int p_mm_map(char *note, size_t len)
{
	unsigned int size = 0;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0))
		return -errno;
	snprintf(note, len, "struct size %u", size);
	return 0;
}

static int p_vm_readv(char *note, size_t len)
{
	char a = 1, b = 0;
	struct iovec lo = { &b, 1 }, re = { &a, 1 };

	return process_vm_readv(getpid(), &lo, 1, &re, 1, 0) == 1 ? 0 : -errno;
}

static int p_pidfd_getfd(char *note, size_t len)
{
	long r = syscall(438 /* pidfd_getfd */, -1, 0, 0);
	return r < 0 && errno == ENOSYS ? -ENOSYS : 0;
}

static int p_rseq_conf(char *note, size_t len)
{
	pid_t pid = fork();
	char buf[32];
	int st;
	long r;

	if (pid < 0)
		return -errno;
	if (!pid) {
		pause();
		_exit(0);
	}
	r = -1;
	if (!ptrace(PTRACE_SEIZE, pid, 0, 0) && !ptrace(PTRACE_INTERRUPT, pid, 0, 0) &&
	    waitpid(pid, &st, __WALL) == pid)
		r = ptrace(0x420f /* PTRACE_GET_RSEQ_CONFIGURATION */, pid, sizeof(buf), buf);
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return r < 0 ? -EINVAL : 0;
}

static int p_uffd(char *note, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	close(fd);
	snprintf(note, len, "write-protect %s, async write-protect %s",
		 api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP ? "yes" : "no",
		 api.features & UFFD_FEATURE_WP_ASYNC ? "yes" : "no");
	return 0;
}

static int p_pagemap_scan(char *note, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int r;

	if (fd < 0)
		return -errno;
	/* A NULL argument: EFAULT where the ioctl exists, ENOTTY where not. */
	r = ioctl(fd, PAGEMAP_SCAN, NULL);
	r = r < 0 && errno == ENOTTY ? -ENOTTY : 0;
	close(fd);
	return r;
}

/* Names given with PR_SET_VMA_ANON_NAME come back only where the kernel
 * has CONFIG_ANON_VMA_NAME. */
static int p_anon_names(char *note, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r = 0;

	if (p == MAP_FAILED)
		return -errno;
	if (prctl(0x53564d41 /* PR_SET_VMA */, 0 /* PR_SET_VMA_ANON_NAME */, (unsigned long)p,
		  4096, "xckpt-check"))
		r = -errno;
	munmap(p, 4096);
	if (r == -EINVAL)
		snprintf(note, len, "no CONFIG_ANON_VMA_NAME: images with names are refused");
	return r;
}

/* What a restore of MAP_HUGETLB memory takes from: the default size's pool. */
static int p_hugetlb(char *note, size_t len)
{
	unsigned long total = 0, free = 0, kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Total: %lu", &total);
		sscanf(line, "HugePages_Free: %lu", &free);
		sscanf(line, "Hugepagesize: %lu", &kb);
	}
	fclose(f);
	if (!kb)
		return -ENOENT;
	snprintf(note, len, "%lu of %lu pages of %lu kB free (vm.nr_hugepages)", free, total, kb);
	return 0;
}

static int p_vdso(char *note, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int vdso = 0, vclock = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		vdso |= !!strstr(line, "[vdso]");
		vclock |= !!strstr(line, "[vvar_vclock]");
	}
	fclose(f);
	snprintf(note, len, "%s layout", vclock ? "[vvar] [vvar_vclock] [vdso]" : "[vvar] [vdso]");
	return vdso ? 0 : -ENOENT;
}

static int p_vdso_remap(char *note, size_t len)
{
	return arch_probe_vdso_remap();
}

static int p_proc_files(char *note, size_t len)
{
	char path[64];

	/* Read by every dump: POSIX timers and the files behind mappings. */
	if (access("/proc/self/timers", R_OK)) {
		snprintf(note, len, "/proc/PID/timers: %s", strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "/proc/%d/map_files", getpid());
	if (access(path, R_OK)) {
		snprintf(note, len, "/proc/PID/map_files: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int p_xsave(char *note, size_t len)
{
	uint64_t f;
	uint32_t size;

	arch_xstate_caps(&f, &size);
	snprintf(note, len, "features %#llx, %u bytes", (unsigned long long)f, size);
	return 0;
}

int xc_check(struct xc_ctx *ctx)
{
	static const struct probe probes[] = {
		{ "ptrace seize/interrupt", true, p_seize },
		{ "clone3", true, p_clone3 },
		{ "clone3 set_tid", true, p_set_tid },
		{ "prctl PR_SET_MM_MAP", true, p_mm_map },
		{ "process_vm_readv/writev", true, p_vm_readv },
		{ "vDSO", true, p_vdso },
		{ "vDSO remap (ARCH_MAP_VDSO)", true, p_vdso_remap },
		{ "/proc timers and map_files", true, p_proc_files },
		{ "FP/vector state (xsave)", true, p_xsave },
		{ "PTRACE_GET_RSEQ_CONFIGURATION", false, p_rseq_conf },
		{ "pidfd_getfd", false, p_pidfd_getfd },
		{ "userfaultfd", false, p_uffd },
		{ "PAGEMAP_SCAN", false, p_pagemap_scan },
		{ "named anonymous mappings", false, p_anon_names },
		{ "hugetlb pool", false, p_hugetlb },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		char note[128] = "";
		int r = probes[i].fn(note, sizeof(note));

		printf("%-32s %s%s%s%s\n", probes[i].name, r ? (probes[i].needed ? "MISSING" : "absent") : "ok",
		       note[0] ? " (" : "", note, note[0] ? ")" : "");
		if (r && probes[i].needed)
			bad++;
	}
	/* Plugins: informational, xckpt works without them. */
	for (const struct xc_plugin *const *p = xc_plugins; *p; p++) {
		char name[64], note[256] = "";
		int r;

		if (!(*p)->check)
			continue;
		r = (*p)->check(note, sizeof(note));
		snprintf(name, sizeof(name), "plugin %s", (*p)->name);
		printf("%-32s %s%s%s%s\n", name, r ? "absent" : "ok", note[0] ? " (" : "", note,
		       note[0] ? ")" : "");
	}
	printf("%s\n", bad ? "xckpt cannot work here" : "looks good");
	return bad ? XC_EXIT_FAIL : 0;
}
