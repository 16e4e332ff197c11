/* State of one dump and the per-kind dump functions. Each dump_<kind>()
 * reads what it needs from the stopped target and appends its records to
 * the process file. Remote calls borrow the target's registers and signal
 * mask and give them back at once (seize.c); what outlives a call (the
 * parasite's mapping) is on the undo list that xc_release() runs. */
#ifndef XC_TRACER_H
#define XC_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "common/buildid.h"
#include "common/ctx.h"
#include "common/imgchain.h"
#include "common/img-pages.h"
#include "common/img.h"
#include "plugins/plugin.h"
#include "tracer/parasite/blob/cmds.h"
#include "tracer/proc/proc.h"
#include "tracer/track.h"

struct xc_dump;
struct xc_sk;
struct xc_sk_tree;
struct xc_undo {
	void (*fn)(struct xc_dump *d, struct xc_undo *u);
	uint64_t a, b;
};

struct xc_dump_mapfile {
	struct xc_rec_mapfile rec;
};

/* file-ids.c: one witness (pid, fd) per open file description of the dump. */
struct xc_file_id {
	pid_t pid;
	int fd;
	uint64_t dev, ino;
	uint32_t id;
};
struct xc_file_ids {
	struct xc_file_id *v;
	size_t n, cap;
	uint32_t next_id;
	/* 1: same description, 0: not, -errno; kcmp(KCMP_FILE) but in tests */
	int (*same)(pid_t pid1, int fd1, pid_t pid2, int fd2);
};

/* A record of an event object behind an open file (anon.c); each begins
 * with the FILE id it follows in the image. */
struct xc_dump_obj {
	uint32_t kind, len;
	void *rec;
};

/* ghost.c, fifo.c: records with their content, kept until written. */
struct xc_dump_ghost {
	struct xc_rec_ghost rec;
	void *data;
};
struct xc_dump_fifo {
	struct xc_rec_fifo rec;
	void *data;
};

struct xc_tree;

/* One thread of the target, as seized. thr[0] is the thread group leader,
 * the one that runs the remote calls and the parasite's process-wide
 * command; every thread runs the parasite's per-thread command. */
struct xc_dthread {
	pid_t tid;
	bool seized;
	bool dirty;			/* registers changed by a remote call */
	bool borrowed;			/* all signals blocked for a remote call */
	bool lent;			/* some remote call ran */
	struct xc_rec_regs regs;	/* as found at seize */
	struct xc_rec_regs img_regs;	/* as the image keeps them (dump_regs_check) */
	uint64_t sigmask;		/* as found at seize */
	struct xc_pthread_state ps;	/* answer of the parasite */
};

struct xc_dump {
	struct xc_ctx *ctx;
	struct xc_tree *tree;		/* the dumped tree this process belongs to */
	pid_t pid;
	int procfd;			/* /proc/PID */
	int memfd;			/* /proc/PID/mem, read-write */
	struct xc_proc_status st;
	struct xc_proc_stat pstat;

	struct xc_vma *vmas;
	size_t nr_vmas;
	uint32_t *vma_kind;		/* enum xc_vma_kind, 0: not dumped */
	uint32_t *vma_file;		/* mapfile id */
	struct xc_rec_mapfile *files;
	size_t nr_files;

	/* Open files, collected before the target is changed (files.c). */
	struct xc_file_ids *file_ids;	/* shared by every process of the dump */
	struct xc_rec_file *ofiles;	/* descriptions first seen in this process */
	size_t nr_ofiles;
	struct xc_rec_fd *fds;
	size_t nr_fds;
	struct xc_dump_obj *objs;	/* event objects of ofiles, in order */
	bool shared_pty;		/* holds a pty first seen in another process */
	size_t nr_objs;
	struct xc_rec_posix_timer *timers;	/* timers.c */
	size_t nr_timers;
	struct xc_rec_seccomp_filter **filters;	/* seccomp.c: header + insns, first installed first */
	size_t nr_filters;
	struct xc_rec_lock *locks;	/* in FILE order */
	size_t nr_locks;
	struct xc_dump_ghost *ghosts;	/* nameless files, open or mapped */
	size_t nr_ghosts;
	struct xc_dump_fifo *fifos;
	size_t nr_fifos;

	struct xc_dthread *thr;		/* thr[0]: the leader */
	size_t nr_thr;
	bool seized;			/* some thread is still ours */
	bool stopped;			/* in a job-control stop before the seize */
	int stop_sig;			/* stop signal held back during the dump */
	uint64_t syscall_insn;		/* a syscall instruction in the target */
	struct xc_parasite_args misc;	/* answer of XC_PCMD_DUMP_MISC */
	uint64_t brk;
	struct xc_bt_frame *bt;		/* stack at seize, for show */
	uint32_t nr_bt;

	struct xc_sk *sk;		/* sockets.c: sockets found by the fd walk */

	struct xc_undo undo[16];
	int nr_undo;

	struct xc_plugins plugins;

	int dirfd;			/* temporary image directory */
	struct xc_imgw img;		/* proc-<pid>.img */
	struct xc_pagew pages;
	uint64_t pages_scanned, pages_zero, pages_in_parent, pages_forked;
	bool pages_done;		/* its page file is complete (cow.c reads its index) */
	struct xc_cow *cow;		/* cow.c: while its pages are read */

	/* --parent: this process's pages in the parent image, NULL when the
	 * parent does not hold the process (mm.c) */
	struct xc_pview *parent;
	bool parent_looked;		/* dump_parent_open() ran (mm.c) */
	struct xc_track track;		/* write tracking since the parent (track.c) */
	bool live;			/* running while its pages are read: what is gone is skipped */
	uint64_t pages_gone;		/* unmapped while being read (live) */
};

/* One process of the dumped tree, live or zombie, as the last look at /proc
 * found it. */
struct xc_tree_proc {
	pid_t pid, ppid, pgid, sid;
	char state;
	int exit_code;			/* a zombie's wait status */
	char comm[16];
	struct xc_dump *d;		/* NULL for a zombie */
};

/* A pipe with both ends in the dump (pipes.c). */
struct xc_pipe {
	uint64_t ino;			/* 0: not recorded (its ends are stdio, lent at restore) */
	uint32_t capacity;
	void *data;			/* unread bytes */
	size_t len;
	pid_t outside;			/* a process outside the dump that holds it too, 0: none */
};

/* The dumped tree: every --pid (or every process of --cgroup) with all its
 * descendants, parents before children. Each live process has its own
 * struct xc_dump; the per-kind code sees only that. */
struct xc_tree {
	struct xc_ctx *ctx;
	struct xc_tree_proc *p;
	size_t nr, cap;
	pid_t roots[XC_MAX_ROOTS];
	int nr_roots;
	struct xc_file_ids file_ids;	/* open file descriptions of the whole tree */
	struct xc_pipe *pipes;
	size_t nr_pipes;
	struct xc_pipe_scan *scan;	/* pipes.c: FIFOs held outside the dump */
	/* --parent (mm.c): the parent image, absolute, and its identity */
	char parent_path[256];
	struct xc_rec_parent parent;
	uint64_t created_ns;		/* this image's INVENTORY.created_ns */
	bool track_kernel_ok;		/* async write-protect and PAGEMAP_SCAN here */
	bool live;			/* pre-dump: pages copied while the processes run */
	bool committed;			/* the image is on disk */
	struct xc_sk_tree *sockets;	/* sockets.c: every socket inode of the tree */
	struct xc_bt_cache *bt;		/* backtrace.c: what unwinding learnt */
	struct xc_sysvshm *shms;	/* sysvshm.c: every System V segment attached */
	size_t nr_shms;
	struct xc_buildid_memo buildids;	/* mm.c: of the files mapped */
	/* rsys.c: where the last vDSO searched held a syscall instruction */
	uint64_t vdso_len, vdso_insn_off;
	double seized_at;		/* xc_now() at the first seize: the freeze starts */
};

/* A System V segment attached in the tree, and its content (sysvshm.c). */
struct xc_sysvshm {
	struct xc_rec_sysvshm rec;
	uint8_t *data;			/* rec.data_len bytes of extents */
	size_t cap;
	size_t last_ext;		/* offset + 1 in data of the last extent, 0: none */
	uint64_t nattch;		/* shm_nattch at dump */
	pid_t pid;			/* the first process seen attaching it */
	size_t vma;			/* and the index of that mapping there */
};

/* pstree.c */
int xc_tree_roots(struct xc_tree *t);	/* --pid or --cgroup */
/* Finds, checks and seizes the whole tree; processes forked meanwhile are
 * caught too. On failure every process seized so far is released. */
int xc_tree_seize(struct xc_tree *t);
int xc_tree_write_inventory(struct xc_tree *t, int dirfd);
void xc_tree_release(struct xc_tree *t);
/* --leave-running: released, then the plugins' resume. */
int xc_tree_resume(struct xc_tree *t);
int xc_tree_kill(struct xc_tree *t);
/* Plugins' fini with err (after the release), then everything freed. */
void xc_tree_free(struct xc_tree *t, int err);

/* pipes.c: after every process's files are collected */
/* After each process is collected: the first that holds a pipe starts the
 * scan for pipes held outside the dump, on a thread of its own. */
void xc_tree_pipes_prefetch(struct xc_tree *t, const struct xc_dump *d);
int xc_tree_pipes(struct xc_tree *t);
int xc_tree_write_pipes(struct xc_tree *t, struct xc_imgw *w);
void xc_tree_pipes_free(struct xc_tree *t);
int xc_pipe_decide(bool held_outside, int highest_fd, uint32_t *kind);

/* cow.c: pages still shared with the parent process since fork */
int xc_tree_cow(struct xc_tree *t);		/* before any page is read */
int dump_cow_open(struct xc_dump *d);		/* when d's pages are written */
bool dump_cow_page(const struct xc_dump *d, size_t vma, uint64_t addr, xc_page_hash *h);
void dump_cow_close(struct xc_dump *d);
bool xc_cow_same_page(uint64_t child_pm, uint64_t parent_pm);

/* sysvshm.c: after every process's mappings are collected */
int xc_tree_sysvshm(struct xc_tree *t);
int xc_tree_write_sysvshm(struct xc_tree *t, struct xc_imgw *w);
void xc_tree_sysvshm_free(struct xc_tree *t);
int xc_sysvshm_layout(const struct xc_vma *vmas, const uint32_t *kind, size_t n, uint32_t id,
		      uint64_t size, size_t page, uint32_t *count, size_t *bad);

/* dump.c: one process */
struct xc_dump *xc_dump_new(struct xc_ctx *ctx, pid_t pid);
void xc_dump_free(struct xc_dump *d);
int xc_check_target(struct xc_dump *d);	/* refusals before the seize */

/* seize.c */
/* The leader seized and asked to stop (begin), then its stop waited for
 * and every thread seized (end): the stops of many processes come at once
 * when every begin comes before the first end. After a begin that
 * succeeded, end must run before the release. */
int xc_seize_begin(struct xc_dump *d);
int xc_seize_end(struct xc_dump *d);
int xc_undo_push(struct xc_dump *d, void (*fn)(struct xc_dump *, struct xc_undo *),
		 uint64_t a, uint64_t b);
/* Runs the undo list backwards and detaches: the target resumes as it was. */
void xc_release(struct xc_dump *d);
/* Kills the target once the image is on disk, and waits until it is gone. */
int xc_kill(struct xc_dump *d);
void xc_kill_wait(struct xc_dump *d);	/* after a SIGKILL sent elsewhere */
int xc_wait_stop(struct xc_dump *d, struct xc_dthread *t, int *sig);
/* Around each remote call: block signals; then registers and mask back. */
int xc_borrow(struct xc_dump *d, struct xc_dthread *t);
int xc_give_back(struct xc_dump *d, struct xc_dthread *t);
int xc_resume_wait(struct xc_dump *d, struct xc_dthread *t, int req, const char *what, int *sig);
/* xc_resume_wait() in two halves, so that many targets run at once: the
 * resume, then (after a resume that succeeded) the wait. */
int xc_resume(struct xc_dump *d, struct xc_dthread *t, int req, const char *what);
int xc_wait_resumed(struct xc_dump *d, struct xc_dthread *t, int req, const char *what, int *sig);

static inline struct xc_dthread *xc_leader(struct xc_dump *d)
{
	return &d->thr[0];
}

/* parasite/rsys.c, parasite/infect.c: remote calls run in the leader. */
int xc_rsys_init(struct xc_dump *d);
int xc_rsys(struct xc_dump *d, long nr, const uint64_t args[6], long *ret);
/* One remote call in each of many targets at once (rsys.c). err: 0, the
 * failure of that one, or -ECANCELED when another failed first; returns the
 * first failure. */
struct xc_rsys_call {
	struct xc_dump *d;
	long nr;
	uint64_t args[6];
	long ret;
	int err;
};
int xc_rsys_all(struct xc_rsys_call *c, size_t n);
/* Runs args->cmd in the leader, then XC_PCMD_DUMP_THREAD in every thread
 * (answers in thr[i].ps). */
int xc_parasite_run(struct xc_dump *d, struct xc_parasite_args *args);
/* The same for many processes, each stop of the targets taken together;
 * the first failure. */
int xc_parasite_run_all(struct xc_dump **ds, struct xc_parasite_args **args, size_t n);

/* per kind */
int dump_task(struct xc_dump *d);
int dump_creds(struct xc_dump *d);
int dump_mm_collect(struct xc_dump *d);	/* before any change to the target */
int dump_mm(struct xc_dump *d);
int dump_pages(struct xc_dump *d);
/* --parent, before anything is seized: finds the parent image and checks the
 * chain below it (the inventories; page files are checked by a restore). */
int dump_parent_check(struct xc_tree *t);
/* --parent, per process: the parent's page index and hashes of it. */
int dump_parent_open(struct xc_dump *d, const struct xc_tree *t);
void dump_parent_close(struct xc_dump *d);
/* track.c: write tracking. attach right after the seize; owns in classify;
 * plan once the parent is open; vma/take/parent_gap/note_read per VMA's
 * pages; arm once the image is on disk; end after the resume or kill. */
bool dump_track_kernel_ok(char *why, size_t len);
int dump_track_attach(struct xc_dump *d);
bool dump_track_owns(struct xc_dump *d, size_t vma);
int dump_track_plan(struct xc_dump *d, const struct xc_tree *t);
int dump_track_vma(struct xc_dump *d, size_t vma, int pagemap_fd);
int dump_track_take(struct xc_dump *d, uint64_t addr, size_t max, size_t *n);
size_t dump_track_parent_gap(struct xc_dump *d, uint64_t addr, size_t max);
int dump_track_note_read(struct xc_dump *d, uint64_t addr, size_t n);
void dump_track_arm(struct xc_tree *t);
/* Live pre-dump, still stopped: the pages to write-protect before any is read. */
int dump_track_live_ranges(struct xc_dump *d);
void dump_track_end(struct xc_tree *t, int err);
void dump_track_free(struct xc_dump *d);
int dump_files_collect(struct xc_dump *d);	/* before any change to the target */
int dump_files(struct xc_dump *d);
/* ghost.c: files with no name left (deleted, memfd), their content saved */
int xc_ghost_kind(const char *path, const struct stat *st, uint32_t *kind);
int dump_ghost_get(struct xc_dump *d, int fd, const char *path, const struct stat *st,
		   const char *obj, uint32_t *id);
int dump_ghosts(struct xc_dump *d);
void dump_ghosts_free(struct xc_dump *d);
/* fifo.c, pipe-data.c */
int dump_fifo_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f);
int dump_fifo_put(struct xc_dump *d, uint32_t file_id);
void dump_fifos_free(struct xc_dump *d);
int xc_pipe_peek(int rfd, void **data, size_t *len, uint32_t *capacity);
int xc_pipe_outside_holder(const pid_t *pids, size_t n, dev_t dev, ino_t ino, pid_t *who);
/* locks.c: the locks of a description first seen at fd */
int dump_locks_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f,
		       const struct xc_fdinfo *fi);
int dump_fs(struct xc_dump *d);
int dump_timers_collect(struct xc_dump *d);	/* runs the parasite */
bool xc_fd_kind_is_tty(uint32_t kind);
int dump_tty_collect(struct xc_dump *d);	/* after every fd is collected */
int dump_timers(struct xc_dump *d);
int dump_seccomp_collect(struct xc_dump *d);	/* after the seize */
int dump_seccomp(struct xc_dump *d);
void dump_seccomp_free(struct xc_dump *d);
/* anon.c and the event objects behind open files: at collect, each kind
 * parses the fdinfo of a new open file and keeps its records (xc_obj_add);
 * dump_files() writes them after the FILE record. */
int dump_anon_collect(struct xc_dump *d, int fd, const struct xc_rec_file *f);
int dump_anon_put(struct xc_dump *d, uint32_t file_id);
void dump_anon_free(struct xc_dump *d);
bool xc_fd_kind_is_anon(uint32_t kind);
int xc_obj_add(struct xc_dump *d, uint32_t rec_kind, const void *rec, uint32_t len);
/* One error line for an fd: refused (exit status 4), or fdinfo unreadable. */
int xc_fd_refuse(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *why);
int xc_fd_bad_fdinfo(struct xc_dump *d, int fd, const struct xc_rec_file *f, int err);
int dump_eventfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len);
int dump_timerfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len);
int dump_signalfd(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		  size_t len);
int dump_epoll(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
	       size_t len);
int dump_inotify(struct xc_dump *d, int fd, const struct xc_rec_file *f, const char *info,
		 size_t len);
/* sockets.c: the fd walk's hook (collect, refuse), then the check once all
 * fds are known, then the records; dump_sockets_free() at the end. */
int dump_socket_fd(struct xc_dump *d, int fd, struct xc_rec_file *r, uint32_t scm_fds);
int dump_sockets_check(struct xc_dump *d);
int dump_sockets(struct xc_dump *d);
void dump_sockets_free(struct xc_dump *d);
void dump_sockets_tree_free(struct xc_tree *t);
/* Is this socket inode held by a process of the dump? Its pid, or 0. */
pid_t dump_socket_owner(struct xc_dump *d, uint64_t ino);
int dump_rlimits(struct xc_dump *d);
int dump_sigs(struct xc_dump *d);
/* attrs.c: the TASK_ATTRS record; refuses what could not be read. */
int dump_attrs(struct xc_dump *d);
void xc_attrs_from_misc(const struct xc_parasite_args *m, struct xc_rec_task_attrs *ta);
const char *xc_attrs_refusal(const struct xc_parasite_args *m);
void xc_thread_attrs_from_ps(const struct xc_pthread_state *ps, struct xc_rec_thread *t);
const char *xc_thread_attrs_refusal(const struct xc_pthread_state *ps);
bool xc_io_flusher(uint32_t stat_flags);
uint64_t xc_numa_maps_own_policy(const char *buf, bool thread_default);
int xc_autogroup_nice(const char *buf, int *nice);
int dump_attrs_check(struct xc_dump *d);	/* after the parasite's answers */
int dump_rseq_fixup(struct xc_dump *d);	/* right after seize */
int dump_threads_check(struct xc_dump *d);	/* after seize: per-thread refusals */
int dump_regs_check(struct xc_dump *d);	/* after the rseq fixup: registers for the image */
int dump_threads(struct xc_dump *d);
int dump_sched(struct xc_dump *d, pid_t tid, struct xc_rec_thread *t);	/* sched.c */
int dump_backtrace_collect(struct xc_dump *d);	/* right after seize */
int dump_backtrace(struct xc_dump *d);
void dump_backtrace_cache_free(struct xc_tree *t);

/* file-ids.c */
void xc_file_ids_init(struct xc_file_ids *t, int (*same)(pid_t, int, pid_t, int));
void xc_file_ids_free(struct xc_file_ids *t);
/* The id of the open file description behind (pid, fd): that of a
 * description seen before in this dump, or a new one (*is_new). */
int xc_file_ids_get(struct xc_file_ids *t, pid_t pid, int fd, uint64_t dev, uint64_t ino,
		    uint32_t *id, bool *is_new);
int xc_kcmp_same_file(pid_t pid1, int fd1, pid_t pid2, int fd2);

/* Pure decisions (unit-tested). */
int xc_vma_classify(const struct xc_vma *v, uint32_t *kind, const char **why);
int xc_vma_anon_name(const char *path, char *out, size_t len, bool *named);
uint32_t xc_vma_hpage_shift(const struct xc_vma *v);
bool xc_page_wanted(uint32_t kind, uint64_t pagemap_entry);
int xc_fd_classify(int fd, mode_t mode, const char *path, uint32_t *kind, const char **why);
int xc_fd_classify_anon(const char *name, uint32_t *kind, const char **why);
/* tty.c: a pty master (any fd) or slave (past stdio) by its path. */
bool xc_fd_classify_tty(int fd, const char *path, uint32_t *kind);

/* procfile.c: reads /proc/PID/<name> into a malloc'd, NUL-terminated buffer. */
int xc_proc_read(struct xc_dump *d, const char *name, char **buf, size_t *len);

#endif
