/* On-disk records. This header mirrors docs/image-format.md section by
 * section; the document is the source of truth. All integers are
 * little-endian, all structs are fixed size (checked below) and padded
 * explicitly; every padding or reserved field is written as zero.
 *
 * XC_IMG_VERSION: bump it with every change to any layout below or to the
 * framing, in the same commit as the change to docs/image-format.md, and add
 * a line to the document's version history. A reader refuses any version it
 * does not know. */
#ifndef XC_IMG_FORMAT_H
#define XC_IMG_FORMAT_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#define XC_IMG_MAGIC	"XCKPTIMG"
#define XC_IMG_VERSION	36
/* File kinds (xc_file_hdr.file_kind). */
enum xc_file_kind {
	XC_FILE_INVENTORY = 1,	/* inventory.img */
	XC_FILE_PROC = 2,	/* proc-<pid>.img */
	XC_FILE_PAGES = 3,	/* pages-<pid>.img */
};

struct xc_file_hdr {
	char magic[8];		/* "XCKPTIMG" */
	uint32_t version;	/* XC_IMG_VERSION */
	uint32_t file_kind;	/* enum xc_file_kind */
	uint32_t arch;		/* enum xc_arch_id */
	uint32_t page_size;
	uint64_t reserved;	/* zero */
};
static_assert(sizeof(struct xc_file_hdr) == 32, "doc: file header");

/* Record header; the payload follows, padded with zeros to 8 bytes.
 * crc = crc32c over the 16 header bytes with crc set to 0, then the
 * payload (len bytes, padding excluded). */
struct xc_rec_hdr {
	uint32_t kind;		/* enum xc_rec_kind */
	uint32_t len;		/* payload bytes */
	uint32_t crc;
	uint32_t flags;		/* zero */
};
static_assert(sizeof(struct xc_rec_hdr) == 16, "doc: record header");

#define XC_REC_MAX_LEN	(1u << 30)

/* Record kinds. Adding a kind: docs/image-format.md, this header,
 * common/show.c, tests/unit/test_img.c. Kinds 0x1000-0x1fff belong to
 * plugins (section 5.18 of the doc, plugins/plugin.h), which frame their
 * records through the core and parse them themselves. Readers skip kinds they do not know only when the record's
 * kind has bit 15 set ("optional"). */
enum xc_rec_kind {
	XC_REC_INVENTORY = 1,
	XC_REC_PROCESS = 2,
	XC_REC_TASK = 3,
	XC_REC_MM = 4,
	XC_REC_AUXV = 5,
	XC_REC_MAPFILE = 6,
	XC_REC_VMA = 7,
	XC_REC_FD = 8,
	XC_REC_FS = 9,
	XC_REC_RLIMITS = 10,
	XC_REC_SIGACTIONS = 11,
	XC_REC_THREAD = 12,
	XC_REC_REGS = 13,
	XC_REC_XSTATE = 14,
	XC_REC_SIGINFO = 15,
	XC_REC_PAGE_RUNS = 16,
	XC_REC_PAGE_BLOCKS = 17,
	XC_REC_VDSO = 18,
	XC_REC_CREDS = 19,
	XC_REC_ITIMERS = 20,
	XC_REC_FILE = 22,
	XC_REC_UNIXSK = 23,
	XC_REC_SKQUEUE = 24,
	XC_REC_LOCK = 25,
	XC_REC_INETSK = 26,
	XC_REC_SKOPT = 27,	/* a socket option the program set (common/skopt.c) */
	XC_REC_PIPE = 28,	/* in inventory.img */
	XC_REC_GHOST = 29,
	XC_REC_FIFO = 30,
	/* 32-47: the event objects, terminals, timers and seccomp */
	XC_REC_EVENTFD = 32,
	XC_REC_TIMERFD = 33,
	XC_REC_SIGNALFD = 34,
	XC_REC_EPOLL_WATCH = 35,
	XC_REC_INOTIFY_WATCH = 36,
	XC_REC_POSIX_TIMER = 37,
	XC_REC_SECCOMP = 38,
	XC_REC_SECCOMP_FILTER = 39,
	XC_REC_TTY = 40,
	XC_REC_BACKTRACE = 0x8015,	/* optional: informational only */
	XC_REC_TASK_ATTRS = 56,		/* proc: per-process attributes, exactly one */
	XC_REC_PAGE_HASHES = 48,	/* proc: a hash of every page of the runs */
	XC_REC_PARENT = 49,		/* inventory: the image an incremental one builds on */
	XC_REC_SYSVSHM = 50,		/* inventory: a System V shared memory segment */
	XC_REC_PAGE_DATA = 64,		/* in pages-<pid>.img */
	XC_REC_END = 255,
};
#define XC_REC_OPTIONAL	0x8000u

enum xc_arch_id { XC_ARCH_X86_64 = 1, XC_ARCH_AARCH64 = 2 };

/* Page block codecs (xc_page_block.codec). */
enum xc_codec {
	XC_CODEC_NONE = 0,		/* stored raw */
	XC_CODEC_ZSTD = 1,		/* one zstd frame */
	XC_CODEC_SHUF8_ZSTD = 2,	/* 8-byte shuffle, then one zstd frame */
	XC_CODEC_XOR8_ZSTD = 3,	/* each 8-byte word XORed with the one before, shuffled, one zstd frame */
	XC_CODEC_COUNT
};

/* inventory.img */
struct xc_rec_inventory {
	uint64_t created_ns;	/* CLOCK_REALTIME at dump */
	uint32_t nr_processes;
	uint32_t root_pid;
	uint32_t flags;		/* XC_INV_* */
	uint32_t reserved;
	char xckpt_version[32];
	char kernel_release[64];/* uname -r of the dumping kernel */
	char parent[256];	/* parent image for incremental dumps, "" = none */
};
static_assert(sizeof(struct xc_rec_inventory) == 376, "doc: inventory");
#define XC_INV_TARGET_KILLED	0x1u	/* dumped to be killed (no --leave-running) */
#define XC_INV_LIVE		0x2u	/* pages copied while the processes ran: a parent only */

struct xc_rec_process {
	uint32_t pid;
	uint32_t ppid;		/* 0: its parent is not in the image (a root) */
	uint32_t pgid, sid;
	uint32_t nr_threads;	/* 0 for a zombie */
	uint32_t flags;		/* XC_PROC_* */
	uint32_t exit_status;	/* zombie: wait status, as waitpid() reports it */
	uint32_t reserved;
	char comm[16];		/* /proc/PID/stat field 2: what a zombie shows */
};
static_assert(sizeof(struct xc_rec_process) == 48, "doc: process");
#define XC_PROC_ZOMBIE	0x1u	/* exited, not yet reaped: no proc-<pid>.img */

/* A pipe between processes of the dump: its capacity and its unread bytes
 * (len, after the record). FILE records of kind XC_FD_PIPE refer to it by
 * ino. */
struct xc_rec_pipe {
	uint64_t ino;
	uint32_t capacity;	/* F_GETPIPE_SZ */
	uint32_t reserved;	/* zero */
	uint64_t len;		/* unread bytes that follow */
};
static_assert(sizeof(struct xc_rec_pipe) == 24, "doc: pipe");

/* A System V shared memory segment attached by processes of the dump
 * (VMAs of kind XC_VMA_SYSVSHM name it by id). data_len bytes of extents
 * follow: each a struct xc_sysvshm_extent, then its len bytes of content;
 * the rest of the segment reads as zero. */
struct xc_rec_sysvshm {
	uint32_t id;		/* shmid: made again with this very id */
	int32_t key;		/* the key it was created with (its /SYSV name) */
	uint64_t size;		/* shm_segsz */
	uint32_t mode;		/* permission bits, 0777 at most */
	uint32_t flags;		/* XC_SHM_* */
	uint32_t uid, gid;	/* owner (IPC_SET) */
	uint32_t cuid, cgid;	/* creator */
	uint32_t nr_extents;
	uint32_t reserved;
	uint64_t data_len;	/* bytes of extents that follow */
	uint64_t reserved2;
};
static_assert(sizeof(struct xc_rec_sysvshm) == 64, "doc: sysvshm");
#define XC_SHM_RMID	0x1u	/* marked for removal (IPC_RMID), still attached */
#define XC_SHM_LOCKED	0x2u	/* SHM_LOCK */

struct xc_sysvshm_extent {
	uint64_t off;		/* byte offset in the segment, page aligned */
	uint64_t len;		/* bytes, > 0; off + len <= size */
};
static_assert(sizeof(struct xc_sysvshm_extent) == 16, "doc: sysvshm extent");


/* proc-<pid>.img */
struct xc_rec_task {
	uint32_t pid, ppid, pgid, sid;
	uint32_t personality;
	uint32_t umask;
	uint32_t nr_threads;
	uint32_t exit_signal;
	char comm[16];
};
static_assert(sizeof(struct xc_rec_task) == 48, "doc: task");

/* prctl(PR_SET_MM_MAP) fields, then the executable's path. */
struct xc_rec_mm {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint32_t exe_file;	/* MAPFILE id of /proc/PID/exe, 0: none */
	uint32_t reserved;
};
static_assert(sizeof(struct xc_rec_mm) == 96, "doc: mm");

/* AUXV: the raw saved_auxv words, a multiple of 16 bytes. */

/* A file that backs mappings. The VMAs refer to it by id. */
struct xc_rec_mapfile {
	uint32_t id;
	uint32_t mode;
	uint64_t dev, ino, size;
	int64_t mtime_sec;
	int64_t mtime_nsec;
	uint32_t build_id_len;	/* 0: not an ELF file or no build-id note */
	uint8_t build_id[20 + 12];
	char path[4096];
	uint32_t ghost_id;	/* GHOST id of a file with no name left, 0: none */
};
static_assert(sizeof(struct xc_rec_mapfile) == 4184, "doc: mapfile");

enum xc_vma_kind {
	XC_VMA_ANON = 1,	/* private anonymous */
	XC_VMA_SHANON = 2,	/* shared anonymous */
	XC_VMA_FILE_PRIV = 3,	/* private file mapping */
	XC_VMA_FILE_SHARED = 4,	/* shared file mapping */
	XC_VMA_VDSO = 5,	/* [vdso] */
	XC_VMA_VVAR = 6,	/* [vvar], [vvar_vclock] */
	XC_VMA_SYSVSHM = 7,	/* an attachment of a System V segment (shmat) */
};

#define XC_VMA_F_HEAP		0x1u
#define XC_VMA_F_STACK		0x2u
#define XC_VMA_F_GROWSDOWN	0x4u
#define XC_VMA_F_MAYWRITE	0x8u	/* VmFlags "mw": could be made writable (shared files) */

/* VmFlags bits we restore (from /proc/PID/smaps). */
#define XC_VMF_LOCKED		0x01u	/* lo */
#define XC_VMF_DONTDUMP		0x02u	/* dd */
#define XC_VMF_HUGEPAGE		0x04u	/* hg */
#define XC_VMF_NOHUGEPAGE	0x08u	/* nh */
#define XC_VMF_DONTFORK		0x10u	/* dc */
#define XC_VMF_WIPEONFORK	0x20u	/* wf */
#define XC_VMF_MERGEABLE	0x40u	/* mg */
#define XC_VMF_SEQ_READ		0x80u	/* sr */
#define XC_VMF_RAND_READ	0x100u	/* rr */
#define XC_VMF_NORESERVE	0x200u	/* nr: MAP_NORESERVE */
#define XC_VMF_LOCKONFAULT	0x400u	/* lf: mlock2(MLOCK_ONFAULT), with lo */

/* The kernel's ANON_VMA_NAME_MAX_LEN, the NUL included. */
#define XC_VMA_NAME_MAX	80

struct xc_rec_vma {
	uint64_t start, end;
	uint64_t pgoff;		/* file offset in bytes */
	uint32_t kind;		/* enum xc_vma_kind */
	uint32_t prot;		/* PROT_* */
	uint32_t flags;		/* XC_VMA_F_* */
	uint32_t vmflags;	/* XC_VMF_* */
	uint32_t file_id;	/* MAPFILE id, 0 for none */
	uint32_t shm_ino;	/* XC_VMA_SHANON: inode of its shared memory object;
				 * XC_VMA_SYSVSHM: the segment's id */
	uint32_t hpage_shift;	/* hugetlb (MAP_HUGETLB): log2 of its page size; else 0 */
	uint32_t reserved;	/* zero */
	char name[XC_VMA_NAME_MAX];	/* PR_SET_VMA_ANON_NAME, NUL-terminated; "": none */
};
static_assert(sizeof(struct xc_rec_vma) == 136, "doc: vma");

/* Kinds of open file (xc_rec_file.kind). */
enum xc_fd_kind {
	XC_FD_REG = 1,		/* regular file or directory, reopened by path */
	XC_FD_CHR = 2,		/* character device reopened by path (/dev/null) */
	XC_FD_INHERIT = 3,	/* stdio tty/pipe/socket: take the restorer's own */
	XC_FD_SOCKET = 4,	/* a socket: the UNIXSK record with this ino */
	XC_FD_PIPE = 5,		/* one end of a pipe of the tree: the PIPE record with this ino */
	XC_FD_FIFO = 6,		/* named pipe, reopened by path; a FIFO record follows once */
	/* 16-31: objects created from their own records */
	XC_FD_EVENTFD = 16,	/* eventfd: an EVENTFD record follows */
	XC_FD_TIMERFD = 17,	/* timerfd: a TIMERFD record follows */
	XC_FD_SIGNALFD = 18,	/* signalfd: a SIGNALFD record follows */
	XC_FD_EPOLL = 19,	/* epoll: an EPOLL_WATCH record per watch follows */
	XC_FD_INOTIFY = 20,	/* inotify: an INOTIFY_WATCH record per watch follows */
	XC_FD_PTY_MASTER = 21,	/* /dev/ptmx: a TTY record follows */
	XC_FD_PTY_SLAVE = 22,	/* /dev/pts/N of a master the process holds: a TTY record follows */
};

#define XC_MAX_FD (1 << 20)	/* fs.nr_open's default: the dump refuses higher fds */

/* One open file description ("struct file"): what every descriptor that
 * shares it (dup, dup2, F_DUPFD, fork) shares: offset, status flags, the
 * file itself. Descriptors refer to it by id. */
struct xc_rec_file {
	uint32_t id;		/* 1, 2, 3, ... unique in the image */
	uint32_t kind;		/* enum xc_fd_kind */
	uint32_t flags;		/* access mode and status flags, never O_CLOEXEC */
	uint32_t mode;		/* st_mode */
	int64_t pos;
	uint64_t dev, ino;
	uint64_t size;
	int64_t mtime_sec;
	int64_t mtime_nsec;
	uint32_t ghost_id;	/* kind 1: GHOST id of a file with no name left, 0: none */
	uint32_t reserved;	/* zero */
	char path[4096];
};
static_assert(sizeof(struct xc_rec_file) == 4168, "doc: file");

/* One descriptor: a number in the fd table, pointing at an open file. */
struct xc_rec_fd {
	int32_t fd;
	uint32_t file_id;	/* FILE id */
	uint32_t fd_flags;	/* XC_FDF_* */
	uint32_t reserved;	/* zero */
};
static_assert(sizeof(struct xc_rec_fd) == 16, "doc: fd");
#define XC_FDF_CLOEXEC	0x1u	/* FD_CLOEXEC: per descriptor, not shared */

/* The records of the event objects behind open files. Each starts with
 * the id of its FILE record, which comes first in the file. */
#define XC_EFD_SEMAPHORE 0x1u
struct xc_rec_eventfd {
	uint32_t file_id;
	uint32_t flags;		/* XC_EFD_* */
	uint64_t count;
};
static_assert(sizeof(struct xc_rec_eventfd) == 16, "doc: eventfd");

struct xc_rec_timerfd {
	uint32_t file_id;
	int32_t clockid;
	uint32_t settime_flags;	/* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
	uint32_t reserved;
	uint64_t ticks;		/* expirations not yet read */
	/* absolute: the expiry on clockid; relative: the time left */
	int64_t value_sec, value_nsec;
	int64_t interval_sec, interval_nsec;
};
static_assert(sizeof(struct xc_rec_timerfd) == 56, "doc: timerfd");

struct xc_rec_signalfd {
	uint32_t file_id;
	uint32_t reserved;
	uint64_t sigmask;	/* bit n-1: signal n */
};
static_assert(sizeof(struct xc_rec_signalfd) == 16, "doc: signalfd");

struct xc_rec_epoll_watch {
	uint32_t file_id;	/* the epoll */
	int32_t tfd;		/* the watched fd, held by the process */
	uint32_t events;
	uint32_t reserved;
	uint64_t data;
};
static_assert(sizeof(struct xc_rec_epoll_watch) == 24, "doc: epoll watch");

struct xc_rec_inotify_watch {
	uint32_t file_id;	/* the inotify */
	int32_t wd;		/* watch descriptor, restored as it was */
	uint32_t mask;		/* IN_* events and IN_ONESHOT, IN_EXCL_UNLINK */
	uint32_t reserved;
	char path[4096];	/* the watched file */
};
static_assert(sizeof(struct xc_rec_inotify_watch) == 4112, "doc: inotify watch");

/* A pty master or slave the process holds. */
#define XC_TTY_LOCKED	0x1u	/* master: TIOCGPTLCK, the slave cannot be opened */
#define XC_TTY_PKT	0x2u	/* master: packet mode (TIOCPKT) */
#define XC_TTY_CTTY	0x4u	/* master: its slave is the controlling terminal; USER: the
				 * terminal is, of a session leader */
#define XC_TTY_FG	0x8u	/* and the process's group is in the foreground */
#define XC_TTY_USER	0x10u	/* the user's terminal (FILE kind 3 on fd 0-2, or kind 2
				 * /dev/tty): termios, and CTTY, FG, fg_pgid */
struct xc_rec_tty {
	uint32_t file_id;
	int32_t index;		/* N of /dev/pts/N */
	uint32_t flags;		/* XC_TTY_* */
	uint32_t fg_pgid;	/* USER with CTTY, not FG: the foreground group, 0: none */
	struct {		/* the kernel's struct termios (TCGETS) */
		uint32_t iflag, oflag, cflag, lflag;
		uint8_t line;
		uint8_t cc[19];
	} termios;
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
	uint32_t pad;
};
static_assert(sizeof(struct xc_rec_tty) == 64, "doc: tty");

/* A POSIX timer (timer_create), one record per timer. */
struct xc_rec_posix_timer {
	int32_t id;		/* the kernel's timer id, restored as it was */
	int32_t clockid;
	int32_t signo;
	uint32_t notify;	/* sigev_notify: SIGEV_SIGNAL, SIGEV_NONE, | SIGEV_THREAD_ID */
	uint64_t sigval;	/* sigev_value */
	int64_t value_sec, value_nsec;		/* time left, 0: disarmed */
	int64_t interval_sec, interval_nsec;
	int32_t overrun;	/* timer_getoverrun: expirations the last signal stood for */
	uint32_t reserved;	/* zero */
};
static_assert(sizeof(struct xc_rec_posix_timer) == 64, "doc: posix timer");
/* A non-zero overrun comes back (5.19) only on CLOCK_MONOTONIC (1) or
 * CLOCK_BOOTTIME (7), armed, periodic, notifying by a signal. */
static inline bool xc_timer_overrun_ok(const struct xc_rec_posix_timer *r)
{
	return r->overrun > 0 && (r->clockid == 1 || r->clockid == 7) &&
	       (r->value_sec || r->value_nsec) && (r->interval_sec || r->interval_nsec) &&
	       r->notify != 1 /* SIGEV_NONE */;
}

/* Seccomp: the mode, then for mode 2 (filter) one SECCOMP_FILTER record
 * per filter, the first installed first. */
struct xc_rec_seccomp {
	uint32_t mode;		/* SECCOMP_MODE_STRICT 1, SECCOMP_MODE_FILTER 2 */
	uint32_t nr_filters;
};
static_assert(sizeof(struct xc_rec_seccomp) == 8, "doc: seccomp");

/* SECCOMP_FILTER: this header, then nr_insns struct sock_filter (8 bytes
 * each: u16 code, u8 jt, u8 jf, u32 k). */
struct xc_rec_seccomp_filter {
	uint32_t flags;		/* SECCOMP_FILTER_FLAG_LOG, _SPEC_ALLOW */
	uint32_t nr_insns;	/* 1 .. 4096 (BPF_MAXINSNS) */
};
static_assert(sizeof(struct xc_rec_seccomp_filter) == 8, "doc: seccomp filter");
#define XC_SECCOMP_MAX_INSNS 4096

/* A file with no name left (deleted while open or mapped) or a memfd: its
 * content follows the record (size bytes). FILE and MAPFILE refer to it. */
enum xc_ghost_kind {
	XC_GHOST_DELETED = 1,	/* created again with O_TMPFILE in its directory */
	XC_GHOST_MEMFD = 2,	/* created again with memfd_create(path) */
};
#define XC_GHOST_MAX (64ll << 20)	/* larger ones are refused */
struct xc_rec_ghost {
	uint32_t id;		/* 1, 2, 3, ... */
	uint32_t kind;		/* enum xc_ghost_kind */
	uint32_t mode;		/* st_mode */
	uint32_t uid, gid;
	uint32_t seals;		/* memfd: F_GET_SEALS */
	uint64_t size;		/* bytes of content after the record */
	uint64_t dev, ino;	/* at dump (informational) */
	int64_t mtime_sec, mtime_nsec;
	char path[4096];	/* deleted: its last path; memfd: its name */
};
static_assert(sizeof(struct xc_rec_ghost) == 4160, "doc: ghost");

/* What a FIFO holds: its unread bytes (len, after the record) and its
 * capacity; one per FIFO, after the FILE record of its first description. */
#define XC_FIFO_EXTERNAL 0x1u	/* held outside the dump too (--ext-pipe): not refilled */
struct xc_rec_fifo {
	uint32_t file_id;	/* FILE of kind XC_FD_FIFO */
	uint32_t capacity;	/* F_GETPIPE_SZ */
	uint32_t flags;		/* XC_FIFO_* */
	uint32_t reserved;	/* zero */
	uint64_t dev, ino;	/* the FIFO's */
	uint64_t len;		/* unread bytes after the record */
};
static_assert(sizeof(struct xc_rec_fifo) == 40, "doc: fifo");

/* A file lock held through an open file (xc_rec_lock.kind). */
enum xc_lock_kind {
	XC_LOCK_FLOCK = 1,	/* flock(2): the description's */
	XC_LOCK_POSIX = 2,	/* fcntl F_SETLK: the process's, taken through this file */
	XC_LOCK_OFD = 3,	/* fcntl F_OFD_SETLK: the description's */
};
struct xc_rec_lock {
	uint32_t file_id;	/* FILE id */
	uint32_t kind;		/* enum xc_lock_kind */
	uint32_t write;		/* 1: exclusive (write), 0: shared (read) */
	uint32_t reserved;	/* zero */
	uint64_t start;		/* first byte */
	uint64_t len;		/* bytes; 0: to the end of the file, however far */
};
static_assert(sizeof(struct xc_rec_lock) == 32, "doc: lock");

struct xc_rec_fs {
	uint32_t umask;
	uint32_t reserved;
	char cwd[4096];
	char root[4096];
};
static_assert(sizeof(struct xc_rec_fs) == 8200, "doc: fs");

#define XC_NR_RLIMITS 16
struct xc_rec_rlimits {
	struct { uint64_t cur, max; } rl[XC_NR_RLIMITS];
};
static_assert(sizeof(struct xc_rec_rlimits) == 256, "doc: rlimits");

/* The kernel's struct sigaction layout (rt_sigaction), one per signal 1..64. */
struct xc_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};
struct xc_rec_sigactions {
	struct xc_ksigaction sa[64];	/* index = signal - 1 */
};
static_assert(sizeof(struct xc_rec_sigactions) == 2048, "doc: sigactions");

struct xc_rec_thread {
	uint32_t tid;
	uint32_t flags;			/* XC_THR_* */
	uint64_t sigmask;		/* blocked */
	uint64_t ss_sp;			/* sigaltstack */
	uint64_t ss_size;
	uint32_t ss_flags;
	uint32_t rseq_len;		/* 0: no rseq registered */
	uint64_t rseq_ptr;
	uint32_t rseq_sig;
	uint32_t reserved;
	uint64_t clear_child_tid;	/* set_tid_address(), 0: none */
	uint64_t robust_list;		/* set_robust_list() head, 0: none */
	uint64_t robust_len;
	uint32_t sched_policy;		/* SCHED_* with SCHED_RESET_ON_FORK (0x40000000) */
	uint32_t sched_priority;
	int32_t nice;
	uint32_t reserved2;
	char comm[16];			/* thread name, NUL-terminated */
	uint64_t affinity[16];		/* CPUs 0..1023, bit n of word n / 64 */
	uint64_t timer_slack_ns;	/* PR_GET_TIMERSLACK; 0: a real-time thread's */
	/* What else the kernel keeps per thread (prctl inside the thread,
	 * ioprio_get and sched_getattr from outside) */
	uint32_t pdeathsig;		/* PR_GET_PDEATHSIG; 0: none */
	uint32_t tsc;			/* PR_GET_TSC: 1 PR_TSC_ENABLE, 2 PR_TSC_SIGSEGV; 0: not asked */
	uint32_t mce_kill;		/* PR_MCE_KILL_GET: 0 late, 1 early, 2 the system's default */
	uint32_t securebits;		/* PR_GET_SECUREBITS: 0, or SECBIT_KEEP_CAPS (0x10) */
	uint32_t spec[3];		/* PR_GET_SPECULATION_CTRL of store bypass, indirect branch, L1D flush */
	uint32_t ioprio;		/* ioprio_get(IOPRIO_WHO_PROCESS, tid) */
	uint32_t util_min, util_max;	/* sched_getattr: utilization clamps as requested */
	uint32_t mempolicy;		/* get_mempolicy: MPOL_* with MPOL_F_* mode flags; 0: default */
	uint32_t reserved3;
	uint64_t mempolicy_nodes;	/* its nodes, bit n: node n */
};
static_assert(sizeof(struct xc_rec_thread) == 304, "doc: thread");
#define XC_THR_STOPPED	0x1u	/* in a job-control stop (SIGSTOP/SIGTSTP) at dump (leader's record) */

/* REGS: struct xc_rec_regs of the image's arch (arch/<arch>/include/arch/img-regs.h),
 * one per thread, in THREAD order. XSTATE: raw arch FP/vector state of the
 * thread (x86_64: the XSAVE standard-format area of NT_X86_XSTATE). */
struct xc_rec_xstate_hdr {
	uint32_t tid;
	uint32_t size;		/* bytes of state that follow */
	uint64_t features;	/* x86_64: XCR0 bits present */
};
static_assert(sizeof(struct xc_rec_xstate_hdr) == 16, "doc: xstate");

struct xc_rec_siginfo {
	uint32_t tid;		/* 0: process-wide (shared) queue */
	uint32_t reserved;
	uint8_t info[128];	/* siginfo_t as the kernel gave it */
};
static_assert(sizeof(struct xc_rec_siginfo) == 136, "doc: siginfo");

/* Page index: runs of pages in address order; the data of run i follows
 * that of run i-1 in the logical page stream, which is cut into blocks. */
struct xc_page_run {
	uint64_t vaddr;
	uint32_t nr_pages;
	uint32_t flags;		/* XC_RUN_* */
};
static_assert(sizeof(struct xc_page_run) == 16, "doc: page run");
/* The run's pages are not in this image's stream: they are the parent
 * image's pages at the same addresses (unchanged since it was made). */
#define XC_RUN_PARENT	0x1u
/* The run's pages are not in this image's stream either: they are the
 * pages of this process's parent process (PROCESS.ppid) in the same image
 * at the same addresses, which the two still shared (copy-on-write since
 * fork) at the dump. Only in full images. */
#define XC_RUN_FORKED	0x2u
#define XC_RUN_ELSEWHERE	(XC_RUN_PARENT | XC_RUN_FORKED)

/* PAGE_HASHES: XXH3-64 (seed 0) of each page of each run, parent runs
 * included, in run order. */
typedef uint64_t xc_page_hash;

/* inventory.img of an incremental image, with INVENTORY.parent. */
struct xc_rec_parent {
	uint64_t created_ns;	/* the parent's INVENTORY.created_ns */
	uint32_t depth;		/* images below this one: 1 when the parent is full */
	uint32_t reserved;
};
static_assert(sizeof(struct xc_rec_parent) == 16, "doc: parent");
#define XC_CHAIN_MAX	32	/* longest chain of incremental images */

struct xc_page_block {
	uint64_t file_off;	/* offset of its PAGE_DATA record header in pages-<pid>.img */
	uint32_t raw_len;	/* decompressed bytes, a multiple of the page size */
	uint32_t comp_len;	/* stored payload bytes */
	uint32_t codec;		/* enum xc_codec */
	uint32_t crc;		/* crc32c of the stored payload */
};
static_assert(sizeof(struct xc_page_block) == 24, "doc: page block");

struct xc_rec_vdso {
	uint64_t vvar_start, vvar_end;		/* [vvar] and [vvar_vclock] together */
	uint64_t vdso_start, vdso_end;
	uint32_t vdso_crc;			/* crc32c of the [vdso] text */
	uint32_t reserved;
};
static_assert(sizeof(struct xc_rec_vdso) == 40, "doc: vdso");

struct xc_rec_creds {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t nr_groups;
	uint32_t no_new_privs;
	uint32_t groups[64];
};
static_assert(sizeof(struct xc_rec_creds) == 336, "doc: creds");

struct xc_rec_itimers {
	/* ITIMER_REAL, VIRTUAL, PROF: interval and value, in microseconds */
	struct { int64_t interval_us, value_us; } it[3];
};
static_assert(sizeof(struct xc_rec_itimers) == 48, "doc: itimers");

/* What /proc, prctl() and membarrier() hold for the whole process. */
struct xc_rec_task_attrs {
	int32_t oom_score_adj;		/* /proc/PID/oom_score_adj */
	uint32_t loginuid;		/* /proc/PID/loginuid; (uint32_t)-1: unset */
	uint32_t thp_disable;		/* PR_GET_THP_DISABLE: 0, 1, or 3 (except advised) */
	uint32_t child_subreaper;	/* PR_GET_CHILD_SUBREAPER: 0 or 1 */
	uint32_t membarrier;		/* MEMBARRIER_CMD_GET_REGISTRATIONS */
	uint32_t dumpable;		/* PR_GET_DUMPABLE: 0, 1, or 2 (root only: suid_dumpable) */
	uint32_t coredump_filter;	/* /proc/PID/coredump_filter */
	uint32_t mlockall;		/* MCL_FUTURE (2), MCL_ONFAULT (4): what new mappings get */
	uint32_t futex_hash_slots;	/* PR_FUTEX_HASH_GET_SLOTS; 0: the global hash */
	uint32_t flags;			/* XC_TA_* */
};
static_assert(sizeof(struct xc_rec_task_attrs) == 40, "doc: task attrs");
#define XC_TA_FUTEX_HASH	0x1u	/* futex_hash_slots was read (the kernel has PR_FUTEX_HASH) */

/* A unix socket, once per socket however many fds share it. ino is its id:
 * fd records (kind XC_FD_SOCKET) and other sockets' peer_ino refer to it. */
enum xc_usk_state {
	XC_USK_CONNECTED = 1,	/* the kernel's TCP_ESTABLISHED */
	XC_USK_UNCONNECTED = 7,	/* TCP_CLOSE: new, bound, or a datagram socket */
	XC_USK_LISTEN = 10,	/* TCP_LISTEN */
};
#define XC_USK_F_PEER_GONE	0x01u	/* connected; the peer was closed since */
#define XC_USK_F_BACKLOG	0x02u	/* connect()ed, not accepted yet: peer_ino is the listener */
#define XC_USK_F_EXTERNAL	0x04u	/* peer outside the dump: reconnect to peer_name */
#define XC_USK_F_FILE_GONE	0x08u	/* the bound path was unlinked before the dump */
#define XC_USK_F_PASSCRED	0x10u	/* SO_PASSCRED */
#define XC_USK_F_ACCEPTED	0x20u	/* made by accept(): its name is its listener's */
#define XC_USK_F_SNDBUF_LOCK	0x40u	/* SO_SNDBUF set by the program (SO_BUF_LOCK bit 0) */
#define XC_USK_F_RCVBUF_LOCK	0x80u	/* SO_RCVBUF set by the program (SO_BUF_LOCK bit 1) */

struct xc_rec_unixsk {
	uint64_t ino;
	uint64_t peer_ino;	/* 0: none (or gone, or outside) */
	uint32_t type;		/* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	uint32_t state;		/* enum xc_usk_state */
	uint32_t flags;		/* XC_USK_F_* */
	uint32_t shutdown;	/* 1: receive side shut, 2: send side shut */
	uint32_t backlog;	/* listen(): the backlog; BACKLOG: place in the queue */
	uint32_t file_mode;	/* the bound path's st_mode, uid, gid */
	uint32_t file_uid, file_gid;
	int32_t sndbuf, rcvbuf;	/* SO_SNDBUF/SO_RCVBUF as read back; 0: the default */
	int32_t peek_off;	/* SO_PEEK_OFF, -1: off */
	uint32_t reserved;
	int64_t rcvtimeo_us, sndtimeo_us;
	uint32_t name_len;	/* bytes of name used; 0: unbound */
	uint32_t peer_name_len;	/* EXTERNAL: bytes of peer_name */
	char name[108];		/* sun_path: absolute path, or abstract (starts with a 0 byte) */
	char peer_name[108];
	int32_t cred_pid;	/* SO_PEERCRED: pid (0: none), euid, egid */
	uint32_t cred_uid, cred_gid;
	int32_t holder_pid;	/* the process of the dump that holds it, its euid, egid */
	uint32_t holder_uid, holder_gid;
};
static_assert(sizeof(struct xc_rec_unixsk) == 328, "doc: unixsk");

/* A socket option the program set: one whose value differed from a new
 * socket's of the same kind, and one of common/skopt.c's table. */
struct xc_rec_skopt {
	uint64_t ino;		/* its UNIXSK or INETSK */
	int32_t level, name;	/* as for setsockopt() */
	uint32_t len;		/* bytes of value used, the table's length */
	uint32_t reserved;	/* zero */
	uint8_t value[16];
};
static_assert(sizeof(struct xc_rec_skopt) == 40, "doc: skopt");

/* Unread data queued on a socket, in queue order: the header, nr packets,
 * then the bytes of each packet in order. A stream socket has one packet. */
struct xc_rec_skqueue {
	uint64_t ino;
	uint32_t nr_packets;
	uint32_t queue;		/* 0: receive queue; 1: a TCP send queue (sent or not) */
};
static_assert(sizeof(struct xc_rec_skqueue) == 16, "doc: skqueue");
/* An IPv4 or IPv6 socket: TCP (closed, listening, or established and
 * dumped in repair mode) or UDP. Addresses in network byte order, IPv4 in
 * the first 4 bytes; ports in host order. */
#define XC_ISK_F_REUSEADDR	0x001u
#define XC_ISK_F_REUSEPORT	0x002u
#define XC_ISK_F_KEEPALIVE	0x004u
#define XC_ISK_F_NODELAY	0x008u
#define XC_ISK_F_V6ONLY		0x010u
#define XC_ISK_F_BOUND		0x020u	/* bind to src/sport at restore */
#define XC_ISK_F_CONNECTED	0x040u	/* connected to dst/dport */
#define XC_ISK_F_REPAIR		0x080u	/* established TCP: the repair fields below hold */
#define XC_ISK_F_BROADCAST	0x100u
#define XC_ISK_F_SNDBUF_LOCK	0x200u	/* SO_SNDBUF set by the program (SO_BUF_LOCK bit 0) */
#define XC_ISK_F_RCVBUF_LOCK	0x400u	/* SO_RCVBUF set by the program (SO_BUF_LOCK bit 1) */

struct xc_rec_inetsk {
	uint64_t ino;
	uint32_t family;	/* AF_INET 2, AF_INET6 10 */
	uint32_t type;		/* SOCK_STREAM 1, SOCK_DGRAM 2 */
	uint32_t protocol;	/* IPPROTO_TCP 6, IPPROTO_UDP 17 */
	uint32_t state;		/* the kernel's TCP_*: 1 established, 7 closed, 10 listening */
	uint32_t flags;		/* XC_ISK_F_* */
	uint32_t backlog;	/* listening */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ifindex;	/* SO_BINDTOIFINDEX, 0: none */
	uint32_t scope_id;	/* IPv6: sin6_scope_id of src */
	int32_t sndbuf, rcvbuf;	/* 0: left to the kernel */
	int32_t keepidle, keepintvl, keepcnt;	/* 0: the sysctl default */
	int64_t rcvtimeo_us, sndtimeo_us;
	uint32_t snd_seq;	/* REPAIR: the send queue's end (write_seq) */
	uint32_t rcv_seq;	/* REPAIR: the receive queue's end (rcv_nxt) */
	uint32_t outq_len;	/* REPAIR: bytes in the send queue, sent or not */
	uint32_t unsent_len;	/* REPAIR: of those, never sent */
	uint32_t inq_len;	/* REPAIR: bytes in the receive queue */
	uint32_t mss_clamp;
	uint32_t tcpi_options;	/* TCPI_OPT_TIMESTAMPS, _SACK, _WSCALE */
	uint32_t snd_wscale, rcv_wscale;
	uint32_t timestamp;	/* TCP_TIMESTAMP */
	uint32_t snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup;	/* TCP_REPAIR_WINDOW */
	int32_t peek_off;	/* SO_PEEK_OFF, -1: off */
	char netlock[32];	/* REPAIR: the nftables table that blocks its traffic */
};
static_assert(sizeof(struct xc_rec_inetsk) == 208, "doc: inetsk");

struct xc_skpacket {
	uint32_t len;		/* bytes of data */
	uint32_t addr_len;	/* datagrams: bytes of the sender's name, 0: unnamed */
	char addr[108];
};
static_assert(sizeof(struct xc_skpacket) == 116, "doc: skpacket");

struct xc_bt_frame {
	uint64_t ip, sp;
	uint64_t off;		/* offset of ip from the symbol's start */
	char sym[104];		/* "" when unknown */
};
static_assert(sizeof(struct xc_bt_frame) == 128, "doc: backtrace frame");
/* BACKTRACE: uint32_t tid, uint32_t nr, then nr frames. */

struct xc_rec_end {
	uint64_t nr_records;	/* records before this one */
};
static_assert(sizeof(struct xc_rec_end) == 8, "doc: end");

#endif
