/* The dump, in order: find, check and seize the whole tree (pstree.c) →
 * per process: collect → parasite → per-kind records → pages → the
 * inventory → commit the image → kill or resume every process. This file
 * only orders the phases; a failure anywhere releases every process exactly
 * as it was and removes the half-written image. */
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
#include "common/imgq.h"
#include "common/log.h"
#include "tracer/dump.h"
#include "tracer/tracer.h"

/* Everything that can refuse the target without touching it. */
int xc_check_target(struct xc_dump *d)
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
	d->ctx->exit_hint = 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", d->pid);
	d->memfd = open(path, O_RDWR | O_CLOEXEC);
	if (d->memfd < 0)
		return xc_fail(d->ctx, d->pid, "memory", "open /proc/PID/mem", -errno);
	return 0;
}

/* After the seize: what the target holds may have changed since the first
 * look (a new thread, a new fd), so look again while it cannot move; up to
 * the parasite (run_misc()). */
static int collect(struct xc_dump *d)
{
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
	/* Every thread is stopped: none can appear or go away by itself. */
	if (d->st.threads != d->nr_thr)
		return xc_failf(d->ctx, d->pid, "thread count changed while seizing", -EAGAIN,
				"process (%u threads, %zu seized)", d->st.threads, d->nr_thr);
	err = dump_threads_check(d);
	if (!err)
		err = dump_rseq_fixup(d);
	if (!err)
		err = dump_regs_check(d);
	if (!err)
		err = dump_track_attach(d);
	if (!err)
		err = dump_mm_collect(d);
	if (!err)
		err = dump_files_collect(d);
	if (!err)
		err = dump_backtrace_collect(d);
	if (!err)
		err = xc_rsys_init(d);
	d->misc.cmd = XC_PCMD_DUMP_MISC;
	return err;
}

/* The parasite's DUMP_MISC in every process collected, all together
 * (xc_parasite_run_all()). */
static int run_misc(struct xc_tree *t)
{
	struct xc_parasite_args **args = calloc(t->nr + 1, sizeof(*args));
	struct xc_dump **ds = calloc(t->nr + 1, sizeof(*ds));
	size_t n = 0;
	int err;

	if (!args || !ds) {
		free(args);
		free(ds);
		return xc_fail(t->ctx, t->ctx->pid, "parasite", "allocate", -ENOMEM);
	}
	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].d) {
			ds[n] = t->p[i].d;
			args[n++] = &t->p[i].d->misc;
		}
	err = xc_parasite_run_all(ds, args, n);
	free(args);
	free(ds);
	return err;
}

/* With the parasite's answer: what the process can only tell itself. */
static int collect_answer(struct xc_dump *d)
{
	int err = 0;

	if (d->misc.ret)
		err = xc_failf(d->ctx, d->pid, "parasite: dump signal state", d->misc.ret,
			       "item %u", d->misc.fail_index);
	if (!err && d->misc.misc.brk < 0)
		err = xc_fail(d->ctx, d->pid, "parasite", "brk(0)", (int)d->misc.misc.brk);
	if (!err) {
		xc_leader(d)->ps = d->misc.misc.thr;
		d->brk = (uint64_t)d->misc.misc.brk;
	}
	if (!err)
		err = dump_attrs_check(d);
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

/* Compression threads for this process's pages: as asked, or by default
 * one per CPU, except for a small process, compressed on this thread:
 * starting threads costs more than they save (a tree of many small
 * processes). */
static int page_threads(const struct xc_dump *d)
{
	uint64_t bytes = 0;

	if (d->ctx->jobs > 0)
		return d->ctx->jobs;
	for (size_t i = 0; i < d->nr_vmas; i++)
		if (d->vma_kind[i] == XC_VMA_ANON || d->vma_kind[i] == XC_VMA_SHANON ||
		    d->vma_kind[i] == XC_VMA_FILE_PRIV)
			bytes += d->vmas[i].end - d->vmas[i].start;
	return bytes < (64ull << 20) ? 0 : d->ctx->jobs;
}

/* The process file up to its pages; it stays open for write_pages(). */
static int write_records(struct xc_dump *d)
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
		err = dump_ghosts(d);
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
		err = dump_attrs(d);
	if (!err)
		err = dump_timers(d);
	if (!err)
		err = dump_seccomp(d);
	if (!err)
		err = dump_threads(d);
	if (!err)
		err = dump_backtrace(d);
	/* Copied live, the pages come once the process runs again: a
	 * plugin's state is saved now, while it is stopped. */
	if (!err && d->tree && d->tree->live) {
		xc_step_begin(d->ctx, "plugins");
		err = xc_plugins_dump(&d->plugins, d->pid, &d->img);
	}
	if (err)
		xc_imgw_abort(&d->img);
	return err;
}

static int write_pages(struct xc_dump *d)
{
	char name[64];
	int err;

	xc_step_begin(d->ctx, "pages");
	snprintf(name, sizeof(name), "pages-%d.img", d->pid);
	err = xc_pagew_open(d->ctx, &d->pages, d->dirfd, name, d->ctx->codec, d->ctx->level,
			    page_threads(d));
	if (!err)
		err = dump_pages(d);
	if (!err)
		err = xc_pagew_finish(d->ctx, &d->pages);
	d->pages_done = !err;
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_PAGE_RUNS, d->pages.runs,
				  d->pages.nr_runs * sizeof(*d->pages.runs));
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_PAGE_BLOCKS, d->pages.blocks,
				  d->pages.nr_blocks * sizeof(*d->pages.blocks));
	if (!err)
		err = xc_imgw_put(d->ctx, &d->img, XC_REC_PAGE_HASHES, d->pages.hashes,
				  d->pages.nr_hashes * sizeof(*d->pages.hashes));
	if (!err && !d->live) {
		xc_step_begin(d->ctx, "plugins");
		err = xc_plugins_dump(&d->plugins, d->pid, &d->img);
	}
	if (err) {
		xc_imgw_abort(&d->img);
		return err;
	}
	return xc_imgw_close(d->ctx, &d->img);
}

static void page_summary(struct xc_dump *d)
{
	xc_info("pid %d: %llu pages scanned, %llu zero, %llu unchanged since the parent "
		"(%llu of them not read: write tracking), %llu the parent process's, "
		"%llu MiB raw -> %llu MiB stored%s",
		d->pid, (unsigned long long)d->pages_scanned, (unsigned long long)d->pages_zero,
		(unsigned long long)d->pages_in_parent, (unsigned long long)d->track.pages_unread,
		(unsigned long long)d->pages_forked, (unsigned long long)(d->pages.raw_bytes >> 20),
		(unsigned long long)(d->pages.stored_bytes >> 20),
		d->live ? ", copied while it ran" : "");
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
		for (size_t i = 0; i < d->nr_thr; i++)
			d->thr[i].seized = false;
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

struct xc_dump *xc_dump_new(struct xc_ctx *ctx, pid_t pid)
{
	struct xc_dump *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ctx = ctx;
	d->pid = pid;
	d->procfd = d->memfd = -1;
	d->track.fd = -1;
	d->img.fd = -1;
	d->pages.w.fd = -1;
	return d;
}

void xc_dump_free(struct xc_dump *d)
{
	if (!d)
		return;
	dump_parent_close(d);
	dump_track_free(d);
	dump_cow_close(d);
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
	dump_ghosts_free(d);
	dump_fifos_free(d);
	free(d->bt);
	dump_sockets_free(d);
	free(d->thr);
	if (d->memfd >= 0)
		close(d->memfd);
	if (d->procfd >= 0)
		close(d->procfd);
	free(d);
}

/* The process that failed the dump, if it died meanwhile: that is the real
 * cause, whatever read failed. */
static int blame_exit(struct xc_tree *t, int err)
{
	for (size_t i = 0; i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;

		if (d && d->nr_thr && d->thr[0].lent && target_gone(d)) {
			t->ctx->first_err.code = 0;
			t->ctx->exit_hint = 0;
			return xc_fail(t->ctx, d->pid, "process", "exited while being dumped", -ESRCH);
		}
	}
	return err;
}

static int write_one(struct xc_tree *t, struct xc_dump *d)
{
	int err = xc_check_interrupt(d->ctx, d->pid);

	if (!err)
		err = dump_parent_open(d, t);
	if (!err)
		err = dump_track_plan(d, t);
	if (!err)
		err = write_records(d);
	if (!err && !t->live) {
		err = write_pages(d);
		if (!err)
			page_summary(d);
	}
	return err;
}

/* A pre-dump whose every process can be tracked copies memory while the
 * processes run: armed while they are stopped, every page written from
 * then on reads as written at the final dump, which reads it again. Not
 * with a device mapping: a device may write memory unseen by the tracking
 * (plugins save their own state with the records, while stopped). */
static bool can_copy_live(const struct xc_tree *t)
{
	if (t->ctx->cmd != XC_CMD_PREDUMP || !t->track_kernel_ok)
		return false;
	for (size_t i = 0; i < t->nr; i++) {
		const struct xc_dump *d = t->p[i].d;

		if (!d)
			continue;
		if (d->track.in.device) {
			xc_info("pid %d: a device mapping: memory is copied while stopped", d->pid);
			return false;
		}
	}
	return true;
}

/* Live pre-dump: records are written (stopped); arm, resume, then pages. */
static int copy_live(struct xc_tree *t, double *frozen)
{
	int err = 0;

	xc_step_begin(t->ctx, "track");
	for (size_t i = 0; !err && i < t->nr; i++)
		if (t->p[i].d)
			err = dump_track_live_ranges(t->p[i].d);
	if (err)
		return err;
	dump_track_arm(t);
	xc_step_begin(t->ctx, "resume");
	err = xc_tree_resume(t);
	*frozen = xc_now() - *frozen;
	for (size_t i = 0; !err && i < t->nr; i++) {
		struct xc_dump *d = t->p[i].d;

		if (!d)
			continue;
		d->live = true;
		err = write_pages(d);
		/* Pages that went away were left out: fine for a mapping, not
		 * for the whole process. */
		if (!err && target_gone(d))
			err = xc_fail(t->ctx, d->pid, "process", "exited while its memory was copied",
				      -ESRCH);
		if (!err)
			page_summary(d);
	}
	return err;
}

/* Every file queued is on disk (not synced yet), or the first failure. */
static int drain_files(struct xc_ctx *ctx)
{
	const char *name, *step;
	int err;

	if (!ctx->imgq)
		return 0;
	err = xc_imgq_drain(ctx->imgq, &name, &step);
	return err ? xc_fail(ctx, 0, name, step, err) : 0;
}

int xc_dump(struct xc_ctx *ctx)
{
	struct xc_tree t = { .ctx = ctx };
	struct xc_imgdir dir = { .fd = -1 };
	double t0 = xc_now(), frozen = 0;
	int err;

	xc_interrupt_guard();
	/* Small files are written by a thread of their own while the next
	 * processes are dumped; without it, by this one. */
	ctx->imgq = xc_imgq_new();
	xc_step_begin(ctx, "check");
	err = xc_tree_roots(&t);
	if (!err && ctx->parent)	/* before anything is seized */
		err = dump_parent_check(&t);
	if (!err && ctx->track) {
		char why[128];

		t.track_kernel_ok = dump_track_kernel_ok(why, sizeof(why));
		if (!t.track_kernel_ok)
			xc_info("write tracking unavailable here (%s): the next incremental dump "
				"will compare page hashes", why);
	}
	if (!err)
		err = xc_imgdir_begin(ctx, &dir, ctx->dir);
	if (err)
		goto out;
	xc_step_begin(ctx, "seize");
	frozen = xc_now();
	err = xc_tree_seize(&t);
	/* What came before the first seize (checks, the parent image's index,
	 * device pauses) ran with the processes running. */
	if (t.seized_at)
		frozen = t.seized_at;
	if (!err)
		xc_step_begin(ctx, "collect");
	for (size_t i = 0; !err && i < t.nr; i++)
		if (t.p[i].d) {
			err = collect(t.p[i].d);
			if (!err)
				xc_tree_pipes_prefetch(&t, t.p[i].d);
		}
	if (!err)
		err = run_misc(&t);
	for (size_t i = 0; !err && i < t.nr; i++)
		if (t.p[i].d)
			err = collect_answer(t.p[i].d);
	/* What spans processes, once all are known. */
	if (!err) {
		xc_step_begin(ctx, "tree");
		err = xc_tree_pipes(&t);
	}
	if (!err)
		err = xc_tree_sysvshm(&t);
	if (!err)
		err = xc_tree_cow(&t);
	if (!err)
		t.live = can_copy_live(&t);
	for (size_t i = 0; !err && i < t.nr; i++)
		if (t.p[i].d) {
			t.p[i].d->dirfd = dir.fd;
			err = write_one(&t, t.p[i].d);
		}
	if (!err && t.live)
		err = copy_live(&t, &frozen);
	if (!err)
		err = xc_tree_write_inventory(&t, dir.fd);
	if (!err)
		err = xc_check_interrupt(ctx, ctx->pid);
	if (!err) {
		xc_step_begin(ctx, "files");
		err = drain_files(ctx);
	}
	if (!err) {
		xc_step_begin(ctx, "commit");
		err = xc_imgdir_commit(ctx, &dir);
		t.committed = !err;
	}
	if (err)
		goto out;
	if (ctx->leave_running && !t.live) {
		xc_step_begin(ctx, "track");
		dump_track_arm(&t);
	}
	xc_step_begin(ctx, ctx->leave_running ? "resume" : "kill");
	/* Stopped: from the seize until the processes run again, or, killed,
	 * until the image was on disk (their teardown is not a pause). */
	if (t.live) {
		/* resumed before the pages */
	} else if (ctx->leave_running) {
		err = xc_tree_resume(&t);
		frozen = xc_now() - frozen;
	} else {
		frozen = xc_now() - frozen;
		err = xc_tree_kill(&t);
	}
	xc_step_end(ctx);
	dump_track_end(&t, 0);
	xc_info("%zu processes, %.3f s, stopped for %.3f s", t.nr, xc_now() - t0, frozen);
out:
	xc_step_end(ctx);
	if (err) {
		err = blame_exit(&t, err);
		xc_tree_release(&t);
		/* Nothing is created in the directory once it is removed. */
		if (ctx->imgq)
			drain_files(ctx);
		xc_imgdir_abort(&dir);
		dump_track_end(&t, err);
	}
	xc_imgq_free(ctx->imgq);
	ctx->imgq = NULL;
	/* After the release: undoing a device pause needs the targets running. */
	xc_tree_free(&t, err);
	xc_pagew_spare_free(ctx);
	return err;
}
