/* `xckpt run -D DIR [--interval D] [--keep N] [--on-signal SIG] [--requeue]
 * [--stage-dir LOCAL] -- CMD...`
 *
 * Starts CMD, or restores the newest complete generation in DIR if there is
 * one, so the same command line starts and resumes a job. Then it sleeps in
 * poll(): no ptrace, no polling of the job, nothing between the job and the
 * kernel. It wakes for the interval timer, the checkpoint signal, a request
 * on the control FIFO, or the job's end. Each checkpoint is a child `xckpt
 * dump` into DIR/gen-NNNNNN, which becomes visible only once it is complete
 * on disk (the dump writes a hidden directory and renames it), so a crash at
 * any point leaves the previous generation as the newest.
 *
 * The control channel needs no library in the job: the job writes
 * "checkpoint PID\n" to the FIFO named by $XCKPT_CONTROL and stops itself
 * (SIGSTOP). Once the checkpoint is on disk xckpt continues it; a restore of
 * that generation continues it too, so in both lives the job carries on
 * from the same instruction. */
#define LOG_PREFIX "run: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/gens.h"
#include "common/img.h"
#include "common/img-format.h"
#include "common/log.h"
#include "common/run.h"

#define MAX_GENS 4096

struct run {
	struct xc_ctx *ctx;
	int dirfd;
	int ctlfd;		/* control FIFO, held open read-write */
	int sigfd;
	int timerfd;
	pid_t waited;		/* our child: the job, or the `xckpt restore` holding it */
	pid_t job;		/* the process tree's root, what a dump names */
	pid_t drain;		/* a staged generation being copied to DIR, 0: none */
	uint32_t drain_gen;
	uint32_t last_gen;
	bool stopping;		/* the job was saved and killed on the signal */
	char control[PATH_MAX];
	char absdir[PATH_MAX];	/* DIR, absolute: incremental images name their parent so */
};

/* An incremental generation's chain of parents stays this short: the next
 * one after it is a full image again (the dump allows 32). */
#define CHAIN_MAX 8

static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT };

/* Children start with the signal mask and dispositions of a fresh process,
 * not the supervisor's. */
static void child_reset(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static pid_t spawn_self(struct run *r, char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		child_reset();
		execv("/proc/self/exe", argv);
		dprintf(STDERR_FILENO, "xckpt: run: exec xckpt %s: %s\n", argv[1], strerror(errno));
		_exit(XC_EXIT_FAIL);
	}
	if (pid < 0)
		xc_fail(r->ctx, 0, argv[1], "fork", -errno);
	return pid;
}

static int wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return XC_EXIT_FAIL;
}

/* Complete generations: gen-NNNNNN directories holding an inventory. */
static size_t scan_gens(int dirfd, uint32_t *gens)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	rewinddir(d);	/* a dup shares the offset of earlier scans */
	while ((de = readdir(d)) && n < MAX_GENS) {
		char inv[NAME_MAX + 32];
		uint32_t g;
		if (xc_gen_parse(de->d_name, &g))
			continue;
		snprintf(inv, sizeof(inv), "%s/inventory.img", de->d_name);
		if (!faccessat(dirfd, inv, F_OK, 0))
			gens[n++] = g;
	}
	closedir(d);
	return n;
}

/* Hidden leftovers of a dump or drain whose xckpt died: ".gen-N.xckpt-tmp-PID"
 * and ".gen-N.drain-PID" whose PID is gone. */
static void sweep_leftovers(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;

	if (d)
		rewinddir(d);
	while (d && (de = readdir(d))) {
		const char *p = strrchr(de->d_name, '-');
		long pid;
		if (strncmp(de->d_name, "." XC_GEN_PREFIX, 5) || !p ||
		    (!strstr(de->d_name, ".xckpt-tmp-") && !strstr(de->d_name, ".drain-")))
			continue;
		pid = strtol(p + 1, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		xc_run_remove_gen(dirfd, de->d_name);
	}
	if (d)
		closedir(d);
}

static int open_dir(struct run *r, const char *path, int *fd)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return xc_fail(r->ctx, 0, path, "create job directory", -errno);
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return xc_fail(r->ctx, 0, path, "open job directory", -errno);
	return 0;
}

static int open_control(struct run *r)
{
	struct stat st;

	snprintf(r->control, sizeof(r->control), "%s/control", r->ctx->dir);
	if (!lstat(r->control, &st) && !S_ISFIFO(st.st_mode))
		return xc_fail(r->ctx, 0, r->control, "control FIFO: exists and is not a FIFO",
			       -EEXIST);
	if (mkfifo(r->control, 0600) && errno != EEXIST)
		return xc_fail(r->ctx, 0, r->control, "create control FIFO", -errno);
	/* Read-write: writers never see ENXIO or EPIPE while we live, and we
	 * never see end-of-file between them. */
	r->ctlfd = open(r->control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r->ctlfd < 0)
		return xc_fail(r->ctx, 0, r->control, "open control FIFO", -errno);
	return 0;
}

static int start_job(struct run *r)
{
	pid_t pid = fork();

	if (pid == 0) {
		child_reset();
		/* Only stdio goes to the job: a descriptor xckpt inherited (a pipe
		 * to whatever started it) would make every dump refuse the job. */
		close_range(3, ~0U, 0);
		setenv("XCKPT_CONTROL", r->control, 1);
		setenv("XCKPT_DIR", r->ctx->dir, 1);
		execvp(r->ctx->run_argv[0], r->ctx->run_argv);
		dprintf(STDERR_FILENO, "xckpt: run: %s: exec: %s\n", r->ctx->run_argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return xc_fail(r->ctx, 0, r->ctx->run_argv[0], "fork", -errno);
	r->waited = r->job = pid;
	return 0;
}

/* Small files beside the generations: ".gen-N.cont" (the pid that asked
 * for it, to continue after a restore) and ".gen-N.parent" (the generation
 * an incremental one was dumped against). */
static void marker(uint32_t gen, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "." XC_GEN_PREFIX "%06u.%s", gen, what);
}

static int write_marker(struct run *r, uint32_t gen, const char *what, long v)
{
	char name[64];
	int fd;

	marker(gen, what, name, sizeof(name));
	fd = openat(r->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%ld\n", v) < 0 || fsync(fd)) {
		xc_warn("gen-%06u: %s: %s", gen, name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* DIR/ended: CMD ended by itself, with this status. Site scripts (the Slurm
 * Epilog) tell a finished job from a requeued one by it: Slurm reports 0 as
 * the exit code of a run that was requeued. Gone while the job lives. */
static void mark_ended(struct run *r, int status)
{
	int fd = openat(r->dirfd, ".ended.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || dprintf(fd, "exit %d\n", status) < 0 || fsync(fd) ||
	    renameat(r->dirfd, ".ended.tmp", r->dirfd, "ended") || fsync(r->dirfd))
		xc_warn("%s/ended: %s", r->ctx->dir, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static long read_marker(struct run *r, uint32_t gen, const char *what)
{
	char name[64], buf[32];
	ssize_t n;
	int fd;

	marker(gen, what, name, sizeof(name));
	fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static void drop_markers(struct run *r, uint32_t gen)
{
	char name[64];

	marker(gen, "cont", name, sizeof(name));
	unlinkat(r->dirfd, name, 0);
	marker(gen, "parent", name, sizeof(name));
	unlinkat(r->dirfd, name, 0);
}

/* Restores generation gen through a child `xckpt restore`, which stays our
 * child and exits with the job's status. */
static int restore_gen(struct run *r, uint32_t gen)
{
	char name[32], path[PATH_MAX], pidfile[PATH_MAX], buf[32];
	char *argv[8 + 2 * (XC_CUDA_MAP_MAX + XC_FILE_MAP_MAX)] = {
		"xckpt", "restore", "-D", path, "--pidfile", pidfile };
	int argc = 6;
	pid_t cont;
	int fd;

	if (r->ctx->pidns)
		argv[argc++] = "--pidns";
	for (int i = 0; i < r->ctx->nr_cuda_gpu_map; i++) {
		argv[argc++] = "--cuda-gpu-map";
		argv[argc++] = (char *)r->ctx->cuda_gpu_map[i];
	}
	for (int i = 0; i < r->ctx->nr_file_map; i++) {
		argv[argc++] = "--file-map";
		argv[argc++] = (char *)r->ctx->file_map[i];
	}
	argv[argc] = NULL;
	xc_gen_name(gen, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", r->ctx->dir, name);
	snprintf(pidfile, sizeof(pidfile), "%s/.restore-%d.pid", r->ctx->dir, (int)getpid());
	unlink(pidfile);
	r->waited = spawn_self(r, argv);
	if (r->waited < 0)
		return -ECHILD;
	for (;;) {
		siginfo_t si = { 0 };
		ssize_t n;
		/* Peek only: a restore that ends after writing the pid is the job
		 * ending, which the supervisor reaps like any other end. */
		waitid(P_PID, (id_t)r->waited, &si, WEXITED | WNOHANG | WNOWAIT);
		fd = open(pidfile, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 1 && buf[n - 1] == '\n') {
				buf[n] = 0;
				r->job = (pid_t)strtol(buf, NULL, 10);
				break;
			}
		}
		if (si.si_pid == r->waited) {
			int status = wait_for(r->waited);
			unlink(pidfile);
			/* It printed its own error line; its status is ours. */
			return -(status_code(status) ?: XC_EXIT_FAIL);
		}
		usleep(10000);
	}
	unlink(pidfile);
	r->last_gen = gen;
	cont = (pid_t)read_marker(r, gen, "cont");
	if (cont > 0)
		kill(cont, SIGCONT);	/* saved on its own request, stopped by itself: it goes on */
	xc_info("resumed %s as pid %d", name, r->job);
	return 0;
}

/* Pages this generation stored itself (an incremental one keeps the rest in
 * its parents): the PAGE_RUNS of one process image. */
static unsigned long long proc_pages(struct run *r, int dirfd, const char *file)
{
	struct xc_imgr img;
	unsigned long long n = 0;
	const void *p;
	uint32_t k, l;

	if (xc_imgr_open(r->ctx, &img, dirfd, file, XC_FILE_PROC))
		return 0;
	while (xc_imgr_next(&img, &k, &p, &l) > 0) {
		const struct xc_page_run *run = p;

		if (k != XC_REC_PAGE_RUNS || l % sizeof(*run))
			continue;
		for (uint32_t i = 0; i < l / sizeof(*run); i++)
			n += run[i].nr_pages;
	}
	xc_imgr_close(&img);
	return n;
}

static void summary(struct run *r, const char *name, const char *where, double secs)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;
	unsigned long long bytes = 0, pages = 0;
	unsigned procs = 0;

	snprintf(path, sizeof(path), "%s/%s", where, name);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		struct stat st;
		if (!fstatat(dirfd(d), de->d_name, &st, 0) && S_ISREG(st.st_mode))
			bytes += (unsigned long long)st.st_size;
		if (!strncmp(de->d_name, "proc-", 5)) {
			procs++;
			pages += proc_pages(r, dirfd(d), de->d_name);
		}
	}
	if (d)
		closedir(d);
	fprintf(stderr, "xckpt: run: %s: %u process%s, %llu pages, %.1f MiB written, %.2f s, %.0f MB/s\n",
		name, procs, procs == 1 ? "" : "es", pages, bytes / 1048576.0, secs,
		secs > 0 ? bytes / 1e6 / secs : 0.0);
}

static void prune(struct run *r)
{
	uint32_t gens[MAX_GENS], parents[MAX_GENS], gone[MAX_GENS];
	size_t n = scan_gens(r->dirfd, gens), k;

	for (size_t i = 0; i < n; i++)
		parents[i] = (uint32_t)read_marker(r, gens[i], "parent");
	k = xc_gen_prune_chains(gens, parents, n, (unsigned)r->ctx->keep, gone);
	for (size_t i = 0; i < k; i++) {
		char name[32];
		xc_gen_name(gone[i], name, sizeof(name));
		xc_run_remove_gen(r->dirfd, name);
		drop_markers(r, gone[i]);
	}
}

/* The parent for the next generation, 0 for a full image. */
static uint32_t incremental_parent(struct run *r)
{
	char name[32], inv[64];
	unsigned len = 1;

	if (!r->ctx->incremental || !r->last_gen)
		return 0;
	xc_gen_name(r->last_gen, name, sizeof(name));
	snprintf(inv, sizeof(inv), "%s/inventory.img", name);
	if (faccessat(r->dirfd, inv, F_OK, 0))
		return 0;	/* not (yet) complete in DIR */
	for (uint32_t g = r->last_gen; (g = (uint32_t)read_marker(r, g, "parent")) && len < CHAIN_MAX;)
		len++;
	return len < CHAIN_MAX ? r->last_gen : 0;
}

static void wait_drain(struct run *r)
{
	int status;

	if (!r->drain)
		return;
	status = wait_for(r->drain);
	if (status_code(status))
		xc_warn("gen-%06u: copy to %s failed; it stays in %s", r->drain_gen,
			r->ctx->dir, r->ctx->stage_dir);
	r->drain = 0;
	prune(r);
}

static uint32_t next_gen(struct run *r)
{
	uint32_t gens[MAX_GENS], g;
	size_t n = scan_gens(r->dirfd, gens);

	g = xc_gen_newest(gens, n);
	if (r->ctx->stage_dir) {
		int sfd = open(r->ctx->stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd >= 0) {
			uint32_t s = xc_gen_newest(gens, scan_gens(sfd, gens));
			close(sfd);
			g = s > g ? s : g;
		}
	}
	if (r->last_gen > g)
		g = r->last_gen;
	return g + 1;
}

/* One generation. kill: the dump kills the job once the image is on disk.
 * cont: the pid to continue afterwards (a request), 0: none. */
static int checkpoint(struct run *r, bool kill_job, pid_t cont)
{
	char name[32], path[PATH_MAX], pidbuf[16], parent[PATH_MAX + 32], lock_ms[16];
	const char *where = r->ctx->stage_dir ? r->ctx->stage_dir : r->ctx->dir;
	char *argv[32];
	int argc = 0, status;
	uint32_t gen, pgen;
	double t0;

	wait_drain(r);		/* generations land in order */
	gen = next_gen(r);
	xc_gen_name(gen, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", where, name);
	snprintf(pidbuf, sizeof(pidbuf), "%d", r->job);
	argv[argc++] = "xckpt";
	argv[argc++] = "dump";
	argv[argc++] = "--pid";
	argv[argc++] = pidbuf;
	argv[argc++] = "-D";
	argv[argc++] = path;
	if (!kill_job)
		argv[argc++] = "--leave-running";
	/* The next generation then reads only the pages written since. */
	if (!kill_job && r->ctx->incremental)
		argv[argc++] = "--track";
	if (r->ctx->run_compress) {
		argv[argc++] = "--compress";
		argv[argc++] = (char *)r->ctx->run_compress;
	}
	/* What the user asked of every dump. */
	if (r->ctx->ext_unix_sk)
		argv[argc++] = "--ext-unix-sk";
	if (r->ctx->tcp_established)
		argv[argc++] = "--tcp-established";
	if (r->ctx->ext_pipe)
		argv[argc++] = "--ext-pipe";
	if (r->ctx->ignore_rdma)
		argv[argc++] = "--ignore-rdma";
	if (r->ctx->cuda_lock_timeout_ms) {
		snprintf(lock_ms, sizeof(lock_ms), "%u", r->ctx->cuda_lock_timeout_ms);
		argv[argc++] = "--cuda-lock-timeout";
		argv[argc++] = lock_ms;
	}
	pgen = incremental_parent(r);
	if (pgen) {
		/* Only the pages that changed since the last generation. */
		snprintf(parent, sizeof(parent), "%s/" XC_GEN_PREFIX "%06u", r->absdir, pgen);
		argv[argc++] = "--parent";
		argv[argc++] = parent;
	}
	if (r->ctx->verbose)
		argv[argc++] = "-v";
	argv[argc] = NULL;
	/* Markers before the image: a generation without them would leave a
	 * restored job stopped for good, or its parent pruned. */
	if ((cont && write_marker(r, gen, "cont", cont)) ||
	    (pgen && write_marker(r, gen, "parent", pgen))) {
		drop_markers(r, gen);
		return -EIO;
	}
	t0 = xc_now();
	pid_t pid = spawn_self(r, argv);
	status = pid > 0 ? wait_for(pid) : -1;
	if (status < 0 || status_code(status)) {
		/* The dump printed why; the job was left running as it was. */
		xc_warn("%s: not saved (dump exited %d); the job goes on", name,
			status < 0 ? -1 : status_code(status));
		drop_markers(r, gen);
		return -EIO;
	}
	r->last_gen = gen;
	summary(r, name, where, xc_now() - t0);
	if (!r->ctx->stage_dir) {
		prune(r);
		return 0;
	}
	r->drain_gen = gen;
	r->drain = fork();
	if (r->drain == 0) {
		child_reset();
		if (!xc_run_drain(r->ctx, r->ctx->stage_dir, r->ctx->dir, name))
			_exit(0);
		/* The warning that follows says where the generation stays;
		 * this line says why. */
		xc_log(XC_LOG_ERR, LOG_PREFIX, "%s: %s: %s: %s", name, r->ctx->first_err.obj, r->ctx->first_err.step,
		       strerror(-r->ctx->first_err.code));
		_exit(1);
	}
	if (r->drain < 0) {
		r->drain = 0;
		xc_warn("%s: cannot start the copy to %s: %s", name, r->ctx->dir, strerror(errno));
		return -EIO;
	}
	if (kill_job)
		wait_drain(r);
	return 0;
}

static void requeue(struct run *r)
{
	const char *job = getenv("SLURM_JOB_ID");
	char *argv[] = { "scontrol", "requeue", (char *)job, NULL };
	pid_t pid;

	if (!job) {
		xc_warn("--requeue: SLURM_JOB_ID is not set; not requeued");
		return;
	}
	pid = fork();
	if (pid == 0) {
		child_reset();
		execvp("scontrol", argv);
		_exit(127);
	}
	if (pid < 0 || status_code(wait_for(pid)))
		xc_warn("scontrol requeue %s failed; the checkpoint is in %s", job, r->ctx->dir);
}

/* The job stopped itself after asking: wait for the stop (bounded), save it
 * running, continue it. */
static void control_request(struct run *r, pid_t pid)
{
	char path[64], buf[512];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 1000; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		char *p;
		if (fd >= 0)
			close(fd);
		if (n <= 0) {
			xc_warn("checkpoint request from pid %d: no such process", pid);
			return;
		}
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'T')
			break;
		usleep(10000);
	}
	if (i == 1000) {
		xc_warn("checkpoint request from pid %d: it did not stop itself", pid);
		return;
	}
	checkpoint(r, false, pid);
	kill(pid, SIGCONT);
}

static void read_control(struct run *r)
{
	char buf[512];
	ssize_t n = read(r->ctlfd, buf, sizeof(buf) - 1);
	char *line, *save = NULL;

	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (xc_control_parse(line, strlen(line), &pid))
			xc_warn("control: ignoring '%s' (expected 'checkpoint PID')", line);
		else
			control_request(r, pid);
	}
}

/* Returns the exit status of xckpt run once the job has ended. */
static int on_signal(struct run *r, const struct signalfd_siginfo *si, bool *done)
{
	int sig = (int)si->ssi_signo, status;

	if (sig == SIGCHLD) {
		if (r->drain && waitpid(r->drain, &status, WNOHANG) == r->drain) {
			if (status_code(status))
				xc_warn("gen-%06u: copy to %s failed; it stays in %s",
					r->drain_gen, r->ctx->dir, r->ctx->stage_dir);
			r->drain = 0;
			prune(r);
		}
		if (waitpid(r->waited, &status, WNOHANG) != r->waited)
			return 0;
		*done = true;
		wait_drain(r);
		if (r->stopping)
			return XC_EXIT_CHECKPOINTED;
		mark_ended(r, status_code(status));
		return status_code(status);
	}
	if (sig == r->ctx->on_signal && !r->stopping) {
		if (!checkpoint(r, true, 0)) {
			r->stopping = true;
			if (r->ctx->requeue)
				requeue(r);
		}
		return 0;
	}
	/* The terminal's ^C and ^\ reach the job's group directly. */
	if (sig == SIGTERM || sig == SIGHUP)
		kill(r->job, sig);
	return 0;
}

static int supervise(struct run *r)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->ctlfd, .events = POLLIN },
			{ .fd = r->timerfd, .events = POLLIN },
		};
		int n = poll(p, r->timerfd >= 0 ? 3 : 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xc_fail(r->ctx, r->job, "supervisor", "poll", -errno);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			bool done = false;
			while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
				int code = on_signal(r, &si, &done);
				if (done)
					return code;
			}
		}
		if ((p[1].revents & POLLIN) && !r->stopping)
			read_control(r);
		if (r->timerfd >= 0 && (p[2].revents & POLLIN)) {
			uint64_t ticks;
			if (read(r->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks) && !r->stopping)
				checkpoint(r, false, 0);
		}
	}
}

int xc_run(struct xc_ctx *ctx)
{
	struct run r = { .ctx = ctx, .dirfd = -1, .ctlfd = -1, .sigfd = -1, .timerfd = -1 };
	uint32_t gens[MAX_GENS], newest;
	sigset_t mask;
	int err, sfd;

	err = open_dir(&r, ctx->dir, &r.dirfd);
	if (err)
		return err;
	if (!realpath(ctx->dir, r.absdir))
		return xc_fail(ctx, 0, ctx->dir, "resolve job directory", -errno);
	sweep_leftovers(r.dirfd);
	if (unlinkat(r.dirfd, "ended", 0) && errno != ENOENT)
		return xc_fail(ctx, 0, "ended", "remove the mark of a past end", -errno);
	if (ctx->stage_dir) {
		err = open_dir(&r, ctx->stage_dir, &sfd);
		if (err)
			return err;
		sweep_leftovers(sfd);
		close(sfd);
	}
	err = open_control(&r);
	if (err)
		return err;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&mask, handled[i]);
	sigaddset(&mask, ctx->on_signal);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r.sigfd < 0)
		return xc_fail(ctx, 0, "supervisor", "signalfd", -errno);
	newest = xc_gen_newest(gens, scan_gens(r.dirfd, gens));
	err = newest ? restore_gen(&r, newest) : start_job(&r);
	if (err)
		return newest ? -err : err;	/* restore: its own exit status */
	if (ctx->interval_ms) {
		struct itimerspec its = {
			.it_interval = { ctx->interval_ms / 1000, (ctx->interval_ms % 1000) * 1000000 },
		};
		its.it_value = its.it_interval;
		r.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (r.timerfd < 0 || timerfd_settime(r.timerfd, 0, &its, NULL))
			return xc_fail(ctx, r.job, "interval timer", "timerfd", -errno);
	}
	return supervise(&r);
}
