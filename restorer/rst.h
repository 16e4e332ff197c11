/* State of one restore. The image is read and checked whole (image.c)
 * before any process exists; the per-kind rst_<kind>() functions then run in
 * the new task (child side) or in xckpt (parent side), as marked. */
#ifndef XC_RST_H
#define XC_RST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "arch/arch.h"
#include "common/buildid.h"
#include "common/ctx.h"
#include "common/imgchain.h"
#include "common/img-pages.h"
#include "common/img.h"
#include "plugins/plugin.h"
#include "restorer/blob/args.h"
#include "restorer/restore.h"

struct xc_rst_siginfo {
	uint32_t tid, pad;
	uint8_t info[128];
};

/* An event object's record (anon.c); each starts with its FILE id. */
struct xc_rst_obj {
	uint32_t kind;			/* enum xc_rec_kind */
	const void *p;
};

struct xc_rtree;
struct rst_fill_cache;

/* Socket records: a process's own (as loaded), or every socket of the image
 * gathered from all its processes (a socket several of them hold appears
 * once), which xckpt makes before the processes; they inherit them like
 * shared files (sockets.c, sk-unix.c, sk-inet.c). */
struct xc_rsk {
	struct xc_ctx *ctx;
	pid_t pid;			/* named in errors: the first process */
	const struct xc_rec_unixsk **usks;
	size_t nr_usks;
	const struct xc_rec_skqueue **skqs;
	size_t nr_skqs;
	const struct xc_rec_skopt **skopts;	/* sk-opts.c */
	size_t nr_skopts;
	const struct xc_rec_inetsk **isks;
	size_t nr_isks;
	int *usk_fds;			/* per unix socket, in usks order */
	int *isk_fds;			/* per inet socket, in isks order */
	int svc_base;			/* every socket made stays at or above this fd */
	struct rst_sk_helper *helpers;	/* sk-cred.c */
	size_t nr_helpers;
};

/* A shared memory object several mappings share (shmem.c). */
struct rst_shm {
	uint32_t ino;			/* VMA.shm_ino */
	uint32_t users;			/* mappings of it in the image */
	uint64_t size;			/* the highest pgoff + length */
	uint32_t hpage_shift;		/* VMA.hpage_shift: hugetlb, else 0 */
	int fd;				/* made by xckpt when users > 1, else -1 */
};

/* A nameless file several processes hold, made once by xckpt (ghost.c). */
struct rst_sghost {
	uint64_t dev, ino;		/* at dump: GHOST.dev, GHOST.ino */
	uint32_t users;			/* processes with a GHOST record of it */
	bool need;			/* an open file description several share is of it */
	int fd;				/* made by xckpt, else -1 */
	const struct xc_rst *r;		/* the first process that holds it */
	const struct xc_rec_ghost *g;	/* and its record there */
};

/* One thread's records, in the image's order; thr[0] is the leader. */
struct xc_rst_thread {
	const struct xc_rec_thread *rec;
	const struct xc_rec_regs *regs;
	const struct xc_rec_xstate_hdr *xstate_hdr;
	const void *xstate;
};

struct xc_rst {
	struct xc_ctx *ctx;
	struct xc_rtree *tree;
	int dirfd;			/* the tree's, borrowed */
	struct xc_imgr proc;
	pid_t pid;			/* as dumped; its pid inside a --pidns namespace too */
	const struct xc_rec_process *rec;

	/* Pointers into the validated, mapped proc image. */
	const struct xc_rec_task *task;
	const struct xc_rec_mm *mm;
	const uint64_t *auxv;
	uint32_t auxv_len;
	const struct xc_rec_mapfile **files;
	size_t nr_files;
	const struct xc_rec_vma **vmas;
	size_t nr_vmas;
	const struct xc_rec_file **ofiles;	/* open files, by id - 1 */
	size_t nr_ofiles;
	const struct xc_rec_fd **fds;
	size_t nr_fds;
	struct xc_rst_obj *objs;
	size_t nr_objs;
	struct xc_rsk sk;		/* its socket records (sockets.c merges them) */
	const struct xc_rec_posix_timer **timers;
	size_t nr_timers;
	const struct xc_rec_seccomp *seccomp;
	const struct xc_rec_seccomp_filter **filters;
	size_t nr_filters;
	const struct xc_rec_lock **locks;
	size_t nr_locks;
	const struct xc_rec_ghost **ghosts;	/* by id - 1; content follows each */
	size_t nr_ghosts;
	const struct xc_rec_fifo **fifos;	/* data follows each */
	size_t nr_fifos;
	/* filemap.c: where each open file and mapped file is opened here */
	char **ofile_paths;		/* in ofiles order */
	char **mapfile_paths;		/* by id - 1 */
	bool *ofile_mapped, *mapfile_mapped;	/* moved by --file-map */
	const struct xc_rec_fs *fs;
	const struct xc_rec_rlimits *rlimits;
	const struct xc_rec_sigactions *sigactions;
	const struct xc_rec_itimers *itimers;
	const struct xc_rec_task_attrs *task_attrs;
	const struct xc_rec_creds *creds;
	struct xc_rst_thread *thr;
	size_t nr_thr;
	const struct xc_rec_thread *thread;	/* the leader's: thr[0].rec */
	pid_t *real_tids;		/* parent side: each thread's tid as xckpt sees it */
	struct xc_rec_regs out_regs;	/* parent side: the target's, out of rt_sigreturn */
	uint64_t out_mask;		/* and its signal mask */
	const struct xc_rec_siginfo **sigs;
	size_t nr_sigs;
	const struct xc_rec_vdso *vdso;
	const struct xc_page_run *runs;
	size_t nr_runs;
	const struct xc_page_block *blocks;
	size_t nr_blocks;
	struct xc_pager pager;
	/* An incremental image: the chain below it (parent first), and where
	 * every page comes from (mm.c). */
	struct xc_pview *chain;
	size_t nr_chain;
	struct xc_pseg *segs;
	size_t nr_segs;
	/* Pages kept in the parent process (XC_RUN_FORKED): the level of a
	 * segment is then an index here, 0 the process itself, 1 its parent... */
	const struct xc_rst **fork_src;
	size_t nr_fork_src;
	uint64_t seg_pages;
	/* --lazy: the segments of lazy mappings, taken out of segs (lazy.c) */
	struct xc_pseg *lazy_segs;
	size_t nr_lazy_segs;
	uint64_t lazy_pages;
	struct xc_plugin_rec *plugin_recs;	/* kinds 0x1000-0x1fff, in image order */
	size_t nr_plugin_recs;
	struct xc_plugins plugins;

	/* child side */
	int *file_fds;			/* per mapfile, by id - 1 */
	int *ghost_fds;			/* per ghost, by id - 1 */
	int *fifo_fds;			/* per FIFO record: held open while fds are made */
	int *shm_fds;			/* per tree shared memory object, -1: not used here */
	int svc_base;			/* first service fd */
	int errfd;			/* child → parent messages */

	/* parent side */
	uint64_t blob_base, blob_size, args_addr, syscall_addr;
	pid_t real_pid;			/* in xckpt's namespace; 0 until born */
	int go[2], msg[2];		/* xckpt → process, process → xckpt */
	bool seized;
};

/* A mapping of xckpt that a process makes new before it forks (forkmem.c). */
struct rst_fresh {
	uint64_t start, end;
	int prot;
	bool join;			/* starts where the one before ends */
};

/* The restored tree: one struct xc_rst per PROCESS record, in the image's
 * order (parents before children); zombies have only their record. */
struct xc_rtree {
	struct xc_ctx *ctx;
	int dirfd;
	struct xc_imgr inv;
	const struct xc_rec_inventory *inv_rec;
	const struct xc_rec_parent *parent_rec;	/* an incremental image's PARENT */
	struct xc_rst *procs;
	size_t nr;
	pid_t init_pid;			/* --pidns: the namespace's init, xckpt's child */
	int pipe_base;			/* the processes' go/msg pipes, 4 fds each (pstree.c) */
	bool roots_created;
	struct xc_arena arena;		/* the proc images (image.c) */
	struct rst_fresh *fresh;	/* forkmem.c */
	size_t nr_fresh;
	struct rst_fill_cache *fill_cache;	/* mm.c: the fill's decoded blocks */

	/* Open file descriptions of the whole image, by FILE id - 1 (ids are
	 * unique in the image; a process's FDs may refer to a FILE recorded in
	 * an earlier process). */
	const struct xc_rec_file **files;
	size_t nr_files;
	int *file_fds;			/* opened by xckpt for several processes, else -1 */
	char **file_paths;		/* where each is opened, --file-map applied (filemap.c) */
	int *handoff;			/* per FILE id - 1, two fds: a socketpair (handoff.c), -1 */
	uint32_t *handoff_users;	/* per FILE id - 1: processes that hold it */
	int shared_base;		/* file_fds sit at [shared_base, shared_base + nr_shared) */
	uint32_t nr_shared;

	/* PIPE records of inventory.img, and the pipes made of them. */
	const struct xc_rec_pipe **pipes;
	size_t nr_pipes;
	int (*pipe_ends)[2];		/* -1 until made */
	uint8_t *pipe_used;		/* bit O_RDONLY / O_WRONLY: that end handed out */
	struct xc_rsk sk;		/* every socket, then at file_fds like a shared file */
	int ctty_fd;			/* the user's terminal a restored session leader takes, -1 */
	pid_t ctty_sid, ctty_fg;	/* that leader; the group it puts in the foreground */

	struct rst_shm *shms;
	size_t nr_shms;
	struct xc_buildid_memo buildids;	/* image.c: of the files mapped */

	int lazy_sock;			/* --lazy: to the page server; 0: none (fd 0 is
					 * always taken, main() makes sure) */
	pid_t lazy_pid;			/* the page server */
	struct rst_sghost *sghosts;	/* every nameless file; fd >= 0 where shared */
	size_t nr_sghosts;

	/* SYSVSHM records of inventory.img (sysvshm.c), and what restore did
	 * with each segment. */
	const struct xc_rec_sysvshm **sysv;
	size_t nr_sysv;
	uint8_t *sysv_state;
};

/* Child → parent message over the pipe. */
struct xc_rst_msg {
	int32_t type;			/* 1: ready, 2: error, 3: born */
	int32_t err;
	int32_t pid;			/* born: its pid in xckpt's namespace; error: the pid it names */
	int32_t pad;
	uint64_t blob_base, blob_size, args_addr, syscall_addr;
	char obj[160];
	char step[64];
};

/* sysvshm.c (parent): records taken at load (-EBADMSG: a bad one), each
 * process's attachments checked against them; the segments made before
 * the processes, removal marks put back once all are attached, and on
 * failure the segments made removed. */
bool rst_sysvshm_ok(const struct xc_rec_sysvshm *s, uint32_t len, size_t page);
int rst_sysvshm_take(struct xc_rtree *t, const void *p, uint32_t len);
bool rst_sysvshm_vmas_ok(const struct xc_rst *r, size_t page);
int rst_sysvshm_create(struct xc_rtree *t);
int rst_sysvshm_finish(struct xc_rtree *t);
void rst_sysvshm_undo(struct xc_rtree *t);

/* image.c (parent, before anything exists) */
int rst_image_load(struct xc_rtree *t);
void rst_image_prefetch(int dirfd);
void rst_image_close(struct xc_rtree *t);
int rst_ofile_fd(const struct xc_rst *r, uint32_t id);	/* lowest fd of an open file */
/* sk-unix.c: a socket queue record checked alone. */
/* owner.c: root restoring another user's image becomes that user. */
int rst_become_owner(struct xc_rtree *t);
bool rst_skqueue_ok(const void *p, uint32_t len);

/* sockets.c (parent side): gather and check every socket record of the
 * tree (at load), make them all before the processes exist and put each at
 * its FILE's shared fd, lift the dump's network lock once they run. */
int rst_sockets_load(struct xc_rtree *t);
int rst_sockets_open(struct xc_rtree *t);
void rst_sockets_unlock(struct xc_rtree *t);
void rst_sockets_free(struct xc_rtree *t);
/* sk-unix.c, sk-inet.c: their kinds, into k->usk_fds and k->isk_fds. */
int rst_unix_sockets(struct xc_rsk *k);
int rst_unix_check(struct xc_rsk *k, const struct xc_rtree *t);
int rst_inet_sockets(struct xc_rsk *k);
ssize_t rst_inet_find(const struct xc_rsk *k, uint64_t ino);
const struct xc_rec_skqueue *rst_inet_queue(const struct xc_rsk *r, uint64_t ino, uint32_t q);
/* sk-opts.c: the options a program set, checked and set again. */
bool rst_skopt_ok(const void *p, uint32_t len);
int rst_skopts_check(struct xc_rsk *k);
int rst_sk_opts_apply(const struct xc_rsk *k, uint64_t ino, int fd, const char **step);
/* sk-udp.c: a UDP socket's unread datagrams sent again from their senders. */
bool rst_udp_queue_ok(const struct xc_rec_inetsk *k, const struct xc_rec_skqueue *q);
int rst_udp_queue(struct xc_rsk *r, const struct xc_rec_inetsk *k, int sk, const char **step);
/* sk-cred.c: a socket call made by a process born with the pid (and, as
 * root, the euid and egid) SO_PEERCRED should name; c->pid says whose it
 * was (xckpt's where that pid is taken). -errno when the helper failed;
 * the call's own error is in c->ret. */
enum { RST_SK_SOCKETPAIR = 1, RST_SK_LISTEN, RST_SK_CONNECT };
struct rst_sk_call {
	int op, type, fd, backlog;
	struct sockaddr_un sa;
	socklen_t sl;
	int ret;			/* 0 or -errno */
	int fds[2];			/* SOCKETPAIR */
	pid_t pid;
};
int rst_sk_call_as(struct xc_rsk *k, pid_t pid, uint32_t uid, uint32_t gid, struct rst_sk_call *c,
		   const char *obj);
struct rst_sk_helper {
	pid_t pid;			/* as recorded */
	uint32_t uid, gid;
	pid_t real;			/* 0 once reaped */
	int req[2], resp[2];		/* xckpt writes req[1], reads resp[0] */
};
void rst_sk_helpers_end(struct xc_rsk *k);
int rst_inet_check(struct xc_rsk *k);

/* child side: each returns 0 or -errno with the failure reported through
 * rst_child_fail() (child.c) */
int rst_child_fail(struct xc_rst *r, const char *obj, const char *step, int err);
int rst_files(struct xc_rst *r);
int rst_fs(struct xc_rst *r);
int rst_sigs(struct xc_rst *r);
/* attrs.c (child side): TASK_ATTRS, set while the child runs xckpt's code */
int rst_attrs(struct xc_rst *r);
struct rst_caps { uint64_t eff, prm, inh, bnd, amb; };
const char *rst_caps_refusal(const struct xc_rec_creds *c, const struct rst_caps *own, bool as_root);
int rst_attrs_check(struct xc_rtree *t);	/* before anything is created */
uint32_t rst_spec_state(uint32_t saved);
int rst_task(struct xc_rst *r);
/* Builds the blob region and jumps into it; returns only on failure. */
int rst_mm_switch(struct xc_rst *r);

/* filemap.c */
int xc_file_map_apply(const char *const *maps, int n, const char *path, char *out, size_t outlen);
int rst_paths_resolve(struct xc_rst *r);
int rst_file_paths_resolve(struct xc_rtree *t);
void rst_file_paths_free(struct xc_rtree *t);
void rst_paths_free(struct xc_rst *r);

/* ghost.c */
int rst_ghosts_check(struct xc_rst *r);			/* parent */
int rst_ghosts_create(struct xc_rst *r, int base);	/* child: service fds */
void rst_ghost_path(const struct xc_rst *r, uint32_t id, char *out, size_t len);
void rst_ghosts_close(struct xc_rst *r);
int rst_ghosts_shared(struct xc_rtree *t, const uint32_t *users);	/* parent */
int rst_ghost_shared_fd(const struct xc_rtree *t, const struct xc_rec_file *f);
void rst_ghosts_shared_close(struct xc_rtree *t);

/* fifo.c, pipe-data.c (child) */
int rst_fifos_prepare(struct xc_rst *r);
void rst_fifos_release(struct xc_rst *r);
int rst_pipe_fill(int wfd, uint32_t capacity, const void *data, uint64_t len);

/* locks.c */
int rst_locks_take(struct xc_rst *r, uint32_t file_id, int fd);	/* child: flock, OFD */
size_t rst_locks_nr_posix(const struct xc_rst *r);
void rst_locks_posix(const struct xc_rst *r, struct rst_lock *out);	/* for the blob */
const char *rst_locks_posix_path(const struct xc_rst *r, uint32_t i, int *fd);

/* rseq.c: cut the C library's rseq registration before the switch */
void rst_rseq_unregister_self(void);

/* anon.c: event objects behind open files. Image side: take and check
 * records; child side: rst_anon_open() creates the open file, through the
 * per-kind creators, which return the new fd or -errno reported through
 * rst_child_fail(). */
bool rst_is_obj_rec(uint32_t rec_kind);
bool rst_is_anon_file(uint32_t file_kind);
int rst_obj_take(struct xc_rst *r, uint32_t rec_kind, const void *p, uint32_t len);
const void *rst_obj_find(const struct xc_rst *r, uint32_t rec_kind, uint32_t file_id);
const struct xc_rec_file *rst_file_of_fd(const struct xc_rst *r, int32_t n);
int rst_objs_check(struct xc_rst *r, const char **why);
int rst_anon_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj, int *out);
int rst_eventfd_open(struct xc_rst *r, const struct xc_rec_eventfd *e, const char *obj);
bool rst_timerfd_ok(const struct xc_rec_timerfd *t);
int rst_timerfd_open(struct xc_rst *r, const struct xc_rec_timerfd *t, const char *obj);
int rst_signalfd_open(struct xc_rst *r, const struct xc_rec_signalfd *s, const char *obj);
bool rst_epoll_watch_ok(const struct xc_rst *r, const struct xc_rec_epoll_watch *w);
int rst_epoll_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj);
bool rst_inotify_watch_ok(const struct xc_rst *r, const struct xc_rec_inotify_watch *w);
int rst_inotify_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj);
/* tty.c: pty masters and slaves, made through rst_anon_open(); the
 * controlling terminal after rst_task(). */
bool rst_is_tty_file(uint32_t kind);
bool rst_tty_ok(const struct xc_rec_tty *t);
int rst_tty_open(struct xc_rst *r, const struct xc_rec_file *f, const char *obj);
int rst_tty_ctty(struct xc_rst *r);
int rst_tty_user(struct xc_rst *r, const struct xc_rec_file *f, int fd, const char *obj);
bool rst_tty_is_user_file(const struct xc_rec_file *f);
/* A session leader on the user's terminal: xckpt frees the terminal it
 * restores on (parent, before the tree), the leader takes it at birth. */
int rst_tty_user_ctty_prepare(struct xc_rtree *t);
int rst_tty_user_ctty_take(const struct xc_rtree *t, const struct xc_rst *r, const char **step);

/* timers.c: POSIX timers, checked while the image is read, created in the
 * child. */
bool rst_timer_ok(const struct xc_rst *r, const struct xc_rec_posix_timer *t);
int rst_timers(struct xc_rst *r);

/* seccomp.c: checked while the image is read, laid out for the blob. */
bool rst_seccomp_filter_ok(const struct xc_rec_seccomp_filter *f, uint32_t len);
bool rst_seccomp_ok(const struct xc_rst *r);
size_t rst_seccomp_size(const struct xc_rst *r);
void rst_seccomp_fill(const struct xc_rst *r, char *dst, uint64_t dst_addr, struct rst_args *a);


/* pstree.c: every process created with its pid, session and group, each
 * stopped by xckpt's ptrace before it goes on with rst_process_main(). */
int rst_tree_create(struct xc_rtree *t);
/* Child side: zombie children exited, their SIGCHLD taken back. */
int rst_tree_wait_zombies(struct xc_rst *r);
/* forkmem.c: xckpt, right before the tree is created, lists its small
 * mappings with anonymous pages; a new process that is about to fork
 * (depth: 1 for a root) makes each of them new every few generations, so
 * that its children do not inherit a long chain of ancestors' anon_vmas
 * (*step names what failed). */
int rst_forkmem_plan(struct xc_rtree *t);
int rst_forkmem_fresh(const struct xc_rtree *t, unsigned depth, const char **step);
/* files.c, parent side: descriptions shared by several processes, and
 * pipes (pipes.c). */
int rst_files_open_shared(struct xc_rtree *t);
/* handoff.c: an event object or pty several processes share is made by
 * one (the maker) and passed to the others. */
bool rst_handoff_wanted(const struct xc_rec_file *f, uint32_t users);
int rst_handoff_open(struct xc_rtree *t, const uint32_t *users);	/* parent */
void rst_handoff_close(struct xc_rtree *t);
bool rst_handoff_is_maker(const struct xc_rst *r, const struct xc_rec_file *f);
bool rst_handoff_expected(const struct xc_rst *r, const struct xc_rec_file *f);
int rst_handoff_send(struct xc_rst *r, const struct xc_rec_file *f, int fd, const char *obj);
int rst_handoff_recv(struct xc_rst *r, const struct xc_rec_file *f, const char *obj, int *out);
int rst_pipe_open(struct xc_rtree *t, const struct xc_rec_file *f, const char **step);
void rst_pipes_close(struct xc_rtree *t);
/* shmem.c: shared anonymous memory several mappings share. */
int rst_shmem_create(struct xc_rtree *t);
int rst_shmem_take(struct xc_rst *r);
int rst_shmem_fd(const struct xc_rst *r, const struct xc_rec_vma *v);
/* On failure: every process created is killed; the roots are reaped. */
void rst_tree_kill(struct xc_rtree *t);
/* restore.c: the per-process restore, in the new process. */
__attribute__((noreturn)) void rst_process_main(struct xc_rst *r);

/* parent side */
int rst_mm_fill(struct xc_rst *r, pid_t pid);
void rst_mm_fill_free(struct xc_rtree *t);	/* the blocks the fills share */
/* Opens and checks the images below an incremental one (par: its PARENT
 * record, NULL for a full image) and finds where each page comes from;
 * before anything is created. */
int rst_mm_chain(struct xc_rst *r, const char *parent_dir, const struct xc_rec_parent *par);
void rst_mm_chain_close(struct xc_rst *r);
/* hugetlb.c: the restoring machine's huge page pool, checked before
 * anything is created. */
uint64_t rst_hugetlb_need(const struct xc_rec_vma *const *vmas, size_t nr_vmas,
			  const struct xc_page_run *runs, size_t nr_runs, size_t page,
			  uint32_t shift, uint32_t *seen, size_t *nr_seen);
int rst_hugetlb_check(struct xc_rtree *t);
/* Whether this kernel names anonymous mappings, where the image has names. */
int rst_mm_check_names(struct xc_rtree *t);
int rst_mm_check_vdso(struct xc_rst *r, pid_t pid);

/* lazy.c: --lazy. Whether a mapping's pages are served on demand; the
 * UFFDIO_API features the blob asks for (*lazy: any mapping is lazy). */
bool rst_lazy_vma(const struct xc_rst *r, const struct xc_rec_vma *v);
uint64_t rst_lazy_features(const struct rst_vma *v, uint32_t n, uint32_t *lazy);
/* Parent side: after the image is loaded, take the lazy segments out of
 * each process's and start the page server; at the first trap, hand it
 * the process's userfaultfd; once every process is restored (or the
 * restore failed), tell it that no more will come. */
int rst_lazy_start(struct xc_rtree *t);
int rst_lazy_hand(struct xc_rst *r, pid_t pid);
void rst_lazy_end(struct xc_rtree *t);
/* pageguard.c: holds a copy of each userfaultfd the page server serves,
 * and kills the processes waiting for pages should the server die. */
enum { RST_GUARD_HOLD = 1, RST_GUARD_PID, RST_GUARD_DONE };
struct rst_guard_msg {
	int32_t op;		/* RST_GUARD_*; HOLD comes with the fd */
	int32_t id;		/* the page server's number for the process */
	int32_t pid;		/* 0: not known yet (a child forked meanwhile) */
	int32_t pad;
};
__attribute__((noreturn)) void rst_pageguard_main(struct xc_rtree *t, int sock);
/* pagesrv.c: the page server, the guard's child; sock to xckpt, guard to
 * the guard. */
__attribute__((noreturn)) void rst_pagesrv_main(struct xc_rtree *t, int sock, int guard);
void rst_lazy_server_fds(struct xc_rtree *t, int sock, int guard);

#endif
