/* Finding a Slurm job's processes (see slurm.h). */
#define LOG_PREFIX "slurm: "
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/log.h"
#include "common/slurm.h"

#define MAX_JOB_PIDS 4096

int xc_parse_listpids(const char *buf, size_t len, pid_t *pids, size_t max)
{
	size_t n = 0, i = 0;
	int line = 0;

	while (i < len) {
		size_t e = i;
		char tmp[256], *end;
		long pid;
		while (e < len && buf[e] != '\n')
			e++;
		if (e - i >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, buf + i, e - i);
		tmp[e - i] = 0;
		i = e + 1;
		if (line++ == 0 && !strncmp(tmp, "PID", 3))
			continue;	/* the header */
		if (!tmp[0])
			continue;
		if (!isdigit((unsigned char)tmp[0]))
			return -EINVAL;
		pid = strtol(tmp, &end, 10);
		/* PID JOBID STEPID LOCALID GLOBALID: the rest must follow. */
		if (pid <= 0 || pid > 4194304 || !isspace((unsigned char)*end))
			return -EINVAL;
		while (isspace((unsigned char)*end))
			end++;
		if (!isdigit((unsigned char)*end))
			return -EINVAL;
		if (n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	return (int)(n < max ? n : max);
}

size_t xc_pid_roots(const pid_t *pids, const pid_t *ppids, size_t n, pid_t *roots)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool inside = false;
		for (size_t j = 0; j < n && !inside; j++)
			inside = ppids[i] == pids[j];
		if (!inside)
			roots[k++] = pids[i];
	}
	return k;
}

static int run_listpids(struct xc_ctx *ctx, char *buf, size_t cap, size_t *len)
{
	int p[2], status;
	pid_t pid;
	ssize_t r;

	if (pipe2(p, O_CLOEXEC))
		return xc_failf(ctx, 0, "scontrol listpids: pipe", -errno, "slurm job %s", ctx->slurm_job);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execlp("scontrol", "scontrol", "listpids", ctx->slurm_job, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*len = 0;
	while (pid > 0 && (r = read(p[0], buf + *len, cap - 1 - *len)) > 0)
		*len += (size_t)r;
	close(p[0]);
	buf[*len] = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return xc_failf(ctx, 0, pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
				"scontrol listpids: scontrol not found" :
				"scontrol listpids: not a job with processes on this node", -ESRCH,
				"slurm job %s", ctx->slurm_job);
	return 0;
}

/* /proc/PID/NAME into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Parent pid and command name. */
static int proc_info(pid_t pid, pid_t *ppid, char *comm, size_t clen)
{
	char buf[512], *p, *o;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return -EIO;
	o = strchr(buf, '(');
	p = strrchr(buf, ')');
	if (!o || !p || p < o || sscanf(p + 2, "%*c %d", ppid) != 1)
		return -EIO;
	snprintf(comm, clen, "%.*s", (int)(p - o - 1), o + 1);
	return 0;
}

/* An `xckpt run` supervisor: argv[0] ends in "xckpt", its command is "run". */
static bool is_xckpt_run(pid_t pid)
{
	char buf[256];
	ssize_t n = read_proc(pid, "cmdline", buf, sizeof(buf));
	size_t a0;

	if (n < 0)
		return false;
	a0 = strlen(buf);
	for (size_t i = a0 + 1; i < (size_t)n; i += strlen(buf + i) + 1)
		if (buf[i] != '-')
			return a0 >= 5 && !strcmp(buf + a0 - 5, "xckpt") && !strcmp(buf + i, "run");
	return false;
}

int xc_slurm_job_pids(struct xc_ctx *ctx)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	pid_t *pids = calloc(MAX_JOB_PIDS, sizeof(pid_t)), *ppids = calloc(MAX_JOB_PIDS, sizeof(pid_t));
	pid_t *roots = calloc(MAX_JOB_PIDS, sizeof(pid_t));
	size_t len = 0, n = 0, k;
	int err, got;

	if (!buf || !pids || !ppids || !roots) {
		err = xc_failf(ctx, 0, "allocate", -ENOMEM, "slurm job %s", ctx->slurm_job);
		goto out;
	}
	err = run_listpids(ctx, buf, cap, &len);
	if (err)
		goto out;
	got = xc_parse_listpids(buf, len, pids, MAX_JOB_PIDS);
	if (got < 0) {
		err = xc_failf(ctx, 0, "scontrol listpids: unexpected output", -EINVAL, "slurm job %s",
			       ctx->slurm_job);
		goto out;
	}
	/* Slurm's step daemons are not the job's; processes gone meanwhile
	 * are not either. */
	for (int i = 0; i < got; i++) {
		char comm[32];
		pid_t pp;
		if (proc_info(pids[i], &pp, comm, sizeof(comm)) || !strcmp(comm, "slurmstepd"))
			continue;
		pids[n] = pids[i];
		ppids[n++] = pp;
	}
	k = xc_pid_roots(pids, ppids, n, roots);
	ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	if (!k) {
		err = xc_failf(ctx, 0, "no processes of the job on this node", -ESRCH, "slurm job %s",
			       ctx->slurm_job);
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		if (is_xckpt_run(roots[i])) {
			err = xc_failf(ctx, roots[i], "runs under xckpt run: signal it instead "
				       "(scancel --signal=USR1 --batch JOBID)", -EBUSY,
				       "slurm job %s", ctx->slurm_job);
			goto out;
		}
	if (k > XC_MAX_ROOTS) {
		err = xc_failf(ctx, roots[0], "too many separate process trees", -E2BIG,
			       "slurm job %s (%zu trees, at most %d)", ctx->slurm_job, k, XC_MAX_ROOTS);
		goto out;
	}
	ctx->exit_hint = 0;
	/* Each root is dumped with its descendants, as repeated --pid are. */
	for (size_t i = 0; i < k; i++)
		ctx->roots[ctx->nr_roots++] = roots[i];
	ctx->pid = roots[0];
	xc_info("slurm job %s: %zu process tree%s, first pid %d", ctx->slurm_job, k,
		k == 1 ? "" : "s", ctx->pid);
out:
	free(buf);
	free(pids);
	free(ppids);
	free(roots);
	return err;
}
