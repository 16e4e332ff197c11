/* The dump, in order: check → seize → collect → parasite → per-kind records
 * → pages → commit the image → kill or resume. This file only orders the
 * phases; a failure anywhere releases the target exactly as it was and
 * removes the half-written image. */
#define LOG_PREFIX "dump: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/imgdir.h"
#include "common/log.h"
#include "tracer/dump.h"
#include "tracer/tracer.h"

/* Everything that can refuse the target without touching it. */
static int check_target(struct xc_dump *d)
{
	char path[64], *buf;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%d", d->pid);
	d->procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->procfd < 0)
		return xc_fail(d->ctx, d->pid, "process", "open /proc entry",
			       errno == ENOENT ? -ESRCH : -errno);
	err = xc_proc_read(d, "status", &buf, &len);
	if (err)
		return err;
	err = xc_parse_status(buf, len, &d->st);
	free(buf);
	if (err)
		return xc_fail(d->ctx, d->pid, "status", "parse", err);
	err = xc_proc_read(d, "stat", &buf, &len);
	if (err)
		return err;
	err = xc_parse_stat(buf, len, &d->pstat);
	free(buf);
	if (err)
		return xc_fail(d->ctx, d->pid, "stat", "parse", err);
	d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
	if (d->st.kthread == 1 || (d->pstat.flags & 0x00200000 /* PF_KTHREAD */))
		return xc_fail(d->ctx, d->pid, "process", "is a kernel thread", -EPERM);
	if (d->st.tgid != d->pid)
		return xc_failf(d->ctx, d->pid, "is a thread, not a process", -EINVAL,
				"process (thread group %d)", d->st.tgid);
	d->stopped = d->st.state == 'T';
	if (d->st.state == 'Z' || d->st.state == 'X')
		return xc_fail(d->ctx, d->pid, "process", "is a zombie", -ESRCH);
	if (d->pid == getpid())
		return xc_fail(d->ctx, d->pid, "process", "is xckpt itself", -EINVAL);
	if (d->st.tracer_pid)
		return xc_failf(d->ctx, d->pid, "already traced", -EBUSY, "process (tracer %d)",
				d->st.tracer_pid);
	if (d->st.threads != 1)
		return xc_failf(d->ctx, d->pid, "multi-threaded processes are not supported yet",
				-ENOTSUP, "process (%u threads)", d->st.threads);
	d->ctx->exit_hint = 0;
	/* Before the seize too: a vfork parent whose child is stopped would
	 * never reach the interrupt stop. */
	err = dump_task_check(d);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/mem", d->pid);
	d->memfd = open(path, O_RDWR | O_CLOEXEC);
	if (d->memfd < 0)
		return xc_fail(d->ctx, d->pid, "memory", "open /proc/PID/mem", -errno);
	return 0;
}

/* After the seize: what the target holds may have changed since the first
 * look (a new thread, a new fd), so look again while it cannot move. */
static int collect(struct xc_dump *d)
{
	long ret;
	uint64_t a[6] = { 0 };
	char *buf;
	size_t len;
	int err;

	err = xc_proc_read(d, "status", &buf, &len);
	if (!err) {
		err = xc_parse_status(buf, len, &d->st);
		free(buf);
	}
	if (err)
		return xc_fail(d->ctx, d->pid, "status", "parse", err);
	if (d->st.threads != 1) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		return xc_failf(d->ctx, d->pid, "multi-threaded processes are not supported yet",
				-ENOTSUP, "process (%u threads)", d->st.threads);
	}
	/* Stopped, it can no longer fork: count its children now. */
	err = dump_task_check(d);
	if (!err)
		err = dump_rseq_fixup(d);
	if (!err)
		err = dump_mm_collect(d);
	if (!err)
		err = dump_files_collect(d);
	if (!err)
		err = dump_backtrace_collect(d);
	if (!err)
		err = xc_rsys_init(d);
	if (!err)
		err = xc_rsys(d, SYS_brk, a, &ret);
	if (err)
		return err;
	d->brk = (uint64_t)ret;
	d->misc.cmd = XC_PCMD_DUMP_MISC;
	err = xc_parasite_run(d, &d->misc);
	if (!err && d->misc.ret)
		err = xc_failf(d->ctx, d->pid, "parasite: dump signal state", d->misc.ret,
			       "item %u", d->misc.fail_index);
	/* Memory-deny-write-execute would be lost: the restored process must
	 * not come back with less protection than it had. */
	if (!err && d->misc.misc.mdwe > 0) {
		d->ctx->exit_hint = XC_EXIT_UNSUPPORTED;
		err = xc_fail(d->ctx, d->pid, "process", "PR_SET_MDWE is not restored yet", -ENOTSUP);
	}
	if (!err)
		err = dump_timers_collect(d);
	if (!err)
		err = dump_seccomp_collect(d);
	return err;
}

static int write_proc(struct xc_dump *d)
{
	char name[64];
	int err;

	snprintf(name, sizeof(name), "proc-%d.img", d->pid);
	err = xc_imgw_open(d->ctx, &d->img, d->dirfd, name, XC_FILE_PROC);
	if (err)
		return err;
	xc_step_begin(d->ctx, "records");
	err = dump_task(d);
	if (!err)
		err = dump_creds(d);
	if (!err)
		err = dump_mm(d);
	if (!err)
		err = dump_files(d);
	if (!err)
		err = dump_fs(d);
	if (!err)
		err = dump_rlimits(d);
	if (!err)
		err = dump_sigs(d);
	if (!err)
		err = dump_timers(d);
	if (!err)
		err = dump_seccomp(d);
	if (!err)
		err = dump_thread(d);
	if (!err)
		err = dump_backtrace(d);
	if (err)
		goto fail;
	xc_step_begin(d->ctx, "pages");
	snprintf(name, sizeof(name), "pages-%d.img", d->pid);
	err = xc_pagew_open(d->ctx, &d->pages, d->dirfd, name, d->ctx->codec, d->ctx->level,
				    d->ctx->jobs);
	if (!err)
		err = dump_pages(d);
	if (!err)
		err = xc_pagew_finish(d->ctx, &d->pages);
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_PAGE_RUNS, d->pages.runs,
				  d->pages.nr_runs * sizeof(*d->pages.runs));
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_PAGE_BLOCKS, d->pages.blocks,
				  d->pages.nr_blocks * sizeof(*d->pages.blocks));
	if (!err) {
		xc_step_begin(d->ctx, "plugins");
		err = xc_plugins_dump(&d->plugins, d->pid, &d->img);
	}
	if (err)
		goto fail;
	return xc_imgw_close(d->ctx, &d->img);
fail:
	xc_imgw_abort(&d->img);
	return err;
}

static int write_inventory(struct xc_dump *d)
{
	struct xc_rec_inventory inv = { 0 };
	struct xc_rec_process p = { 0 };
	struct timespec ts;
	struct utsname u;
	struct xc_imgw w;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	uname(&u);
	inv.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	inv.nr_processes = 1;
	inv.root_pid = d->pid;
	inv.flags = d->ctx->leave_running ? 0 : XC_INV_TARGET_KILLED;
	snprintf(inv.xckpt_version, sizeof(inv.xckpt_version), "%s", XC_VERSION);
	snprintf(inv.kernel_release, sizeof(inv.kernel_release), "%.63s", u.release);
	p.pid = d->pid;
	p.ppid = d->pstat.ppid;
	p.pgid = d->pstat.pgid;
	p.sid = d->pstat.sid;
	p.nr_threads = d->st.threads;
	err = xc_imgw_open(d->ctx, &w, d->dirfd, "inventory.img", XC_FILE_INVENTORY);
	if (!err)
		err = xc_imgw_put(d->ctx, &w, XC_REC_INVENTORY, &inv, sizeof(inv));
	if (!err)
		err = xc_imgw_put(d->ctx, &w, XC_REC_PROCESS, &p, sizeof(p));
	if (err) {
		xc_imgw_abort(&w);
		return err;
	}
	return xc_imgw_close(d->ctx, &w);
}

/* Did the target die (SIGKILL from elsewhere) while we held it? It may be
 * still on its way out (PF_EXITING) when a read of its memory fails. */
static bool target_gone(struct xc_dump *d)
{
	struct xc_proc_stat st;
	char *buf;
	size_t len;
	int status;

	if (d->procfd < 0)
		return false;
	if (d->seized && waitpid(d->pid, &status, __WALL | WNOHANG) == d->pid &&
	    (WIFEXITED(status) || WIFSIGNALED(status))) {
		d->seized = false;
		return true;
	}
	if (xc_proc_read(d, "stat", &buf, &len))
		return true;	/* its /proc entry is gone */
	if (xc_parse_stat(buf, len, &st)) {
		free(buf);
		return false;
	}
	free(buf);
	return st.state == 'Z' || st.state == 'X' || (st.flags & 0x4 /* PF_EXITING */);
}

static void dump_free(struct xc_dump *d)
{
	xc_pagew_free(&d->pages);
	free(d->vmas);
	free(d->vma_kind);
	free(d->vma_file);
	free(d->files);
	free(d->ofiles);
	dump_anon_free(d);
	free(d->timers);
	dump_seccomp_free(d);
	free(d->fds);
	free(d->locks);
	free(d->bt);
	dump_sockets_free(d);
	if (d->memfd >= 0)
		close(d->memfd);
	if (d->procfd >= 0)
		close(d->procfd);
}

int xc_dump(struct xc_ctx *ctx)
{
	struct xc_file_ids file_ids;
	struct xc_dump d = { .ctx = ctx, .pid = ctx->pid, .procfd = -1, .memfd = -1,
			     .file_ids = &file_ids };
	struct xc_imgdir dir = { .fd = -1 };
	double t0 = xc_now();
	int err;

	d.img.fd = -1;
	d.pages.w.fd = -1;
	xc_file_ids_init(&file_ids, NULL);
	xc_interrupt_guard();
	xc_step_begin(ctx, "check");
	err = xc_plugins_init(&d.plugins, ctx, XC_STAGE_DUMP, NULL, 0, d.pid);
	if (!err)
		err = check_target(&d);
	if (!err)
		err = xc_imgdir_begin(ctx, &dir, ctx->dir);
	if (err)
		goto out;
	d.dirfd = dir.fd;
	/* Devices are quiesced while the target still runs (a driver's own
	 * threads must run to do it); from here on a failure undoes it in
	 * xc_plugins_fini(). */
	xc_step_begin(ctx, "pause");
	err = xc_plugins_pause(&d.plugins, d.pid);
	if (err)
		goto out;
	xc_step_begin(ctx, "seize");
	err = xc_seize(&d);
	if (!err) {
		xc_step_begin(ctx, "collect");
		err = collect(&d);
	}
	if (!err)
		err = xc_check_interrupt(ctx, d.pid);
	if (!err)
		err = write_proc(&d);
	if (!err)
		err = write_inventory(&d);
	if (!err)
		err = xc_check_interrupt(ctx, d.pid);
	if (!err) {
		xc_step_begin(ctx, "commit");
		err = xc_imgdir_commit(ctx, &dir);
	}
	if (err)
		goto out;
	xc_step_begin(ctx, ctx->leave_running ? "resume" : "kill");
	if (ctx->leave_running) {
		xc_release(&d);
		err = xc_plugins_resume(&d.plugins, d.pid);
	} else {
		err = xc_kill(&d);
	}
	xc_step_end(ctx);
	xc_info("pid %d: %llu pages scanned, %llu zero, %llu MiB raw -> %llu MiB stored, %.3f s",
		d.pid, (unsigned long long)d.pages_scanned, (unsigned long long)d.pages_zero,
		(unsigned long long)(d.pages.raw_bytes >> 20),
		(unsigned long long)(d.pages.stored_bytes >> 20), xc_now() - t0);
out:
	xc_step_end(ctx);
	if (err && d.lent && target_gone(&d)) {
		/* The real cause: whatever read failed, failed because of it. */
		ctx->first_err.code = 0;
		ctx->exit_hint = 0;
		err = xc_fail(ctx, d.pid, "process", "exited while being dumped", -ESRCH);
	}
	if (err) {
		xc_release(&d);
		xc_imgdir_abort(&dir);
	}
	/* After the release: undoing a device pause needs the target running. */
	xc_plugins_fini(&d.plugins, err);
	dump_free(&d);
	xc_file_ids_free(&file_ids);
	return err;
}
