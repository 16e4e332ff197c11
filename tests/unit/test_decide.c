/* The tracer's pure decisions (tracer/tracer.h): how a mapping is saved
 * (xc_vma_classify), which pages of it go into the image (xc_page_wanted),
 * and how an fd comes back (xc_fd_classify). Tables of cases, one per
 * branch, each failure naming its case. */
#include "unit.h"

#include <sys/mman.h>

#include "arch/arch.h"
#include "common/img-format.h"
#include "common/vma.h"
#include "tracer/tracer.h"

/* ---- xc_vma_classify --------------------------------------------------- */

#define LO 0x7f0000000000ull		/* an ordinary mmap address */
#define TOP ARCH_TASK_SIZE		/* end of the highest page a task may map */
#define VSYS 0xffffffffff600000ull	/* [vsyscall] */

struct vma_case {
	const char *label;
	const char *path;
	bool shared;
	bool io;
	uint64_t start, end;		/* 0, 0: LO, LO + 4 pages */
	int ret;
	uint32_t kind;
	const char *why;		/* refusals: a word the reason must contain */
	bool hugetlb, uffd, shstk;
	uint32_t pkey;
};

static const struct vma_case vma_cases[] = {
	/* Kernel mappings that are not saved, or saved as a position only. */
	{ "vsyscall", "[vsyscall]", 0, 0, VSYS, VSYS + 0x1000, 0, 0 },
	{ "vsyscall above TASK_SIZE, io", "[vsyscall]", 0, 1, VSYS, VSYS + 0x1000, 0, 0 },
	{ "vdso", "[vdso]", 0, 0, 0, 0, 0, XC_VMA_VDSO },
	/* 6.13+: [vvar] and [vvar_vclock] are VM_IO|VM_PFNMAP; still fine. */
	{ "vvar", "[vvar]", 0, 0, 0, 0, 0, XC_VMA_VVAR },
	{ "vvar io", "[vvar]", 0, 1, 0, 0, 0, XC_VMA_VVAR },
	{ "vvar_vclock io", "[vvar_vclock]", 0, 1, 0, 0, 0, XC_VMA_VVAR },

	/* Anonymous memory. */
	{ "anon private", "", 0, 0, 0, 0, 0, XC_VMA_ANON },
	{ "anon shared", "", 1, 0, 0, 0, 0, XC_VMA_SHANON },
	{ "heap", "[heap]", 0, 0, 0, 0, 0, XC_VMA_ANON },
	{ "stack", "[stack]", 0, 0, 0, 0, 0, XC_VMA_ANON },
	{ "anon:name private", "[anon:my arena]", 0, 0, 0, 0, 0, XC_VMA_ANON },
	{ "anon:name shared", "[anon:my arena]", 1, 0, 0, 0, 0, XC_VMA_SHANON },
	{ "anon_shmem:name", "[anon_shmem:ring]", 1, 0, 0, 0, 0, XC_VMA_SHANON },
	{ "shared /dev/zero (deleted)", "/dev/zero (deleted)", 1, 0, 0, 0, 0, XC_VMA_SHANON },
	/* MAP_PRIVATE of /dev/zero is anonymous memory in a mapping of the
	 * device: mapped from it again (the MAPFILE holds its number). */
	{ "private /dev/zero", "/dev/zero", 0, 0, 0, 0, 0, XC_VMA_FILE_PRIV },
	/* MAP_HUGETLB: anonymous memory in huge pages. */
	{ "hugetlb private", "/anon_hugepage (deleted)", 0, 0, 0, 0, 0, XC_VMA_ANON, .hugetlb = true },
	{ "hugetlb shared", "/anon_hugepage (deleted)", 1, 0, 0, 0, 0, XC_VMA_SHANON, .hugetlb = true },
	/* System V segments: attachments of a segment saved once (sysvshm.c). */
	{ "SysV shm", "/SYSV0000abcd (deleted)", 1, 0, 0, 0, 0, XC_VMA_SYSVSHM },
	/* The last page below TASK_SIZE is still a user page. */
	{ "anon ending at TASK_SIZE", "", 0, 0, TOP - 0x2000, TOP, 0, XC_VMA_ANON },

	/* Files. */
	{ "file private", "/usr/lib/x86_64-linux-gnu/libc.so.6", 0, 0, 0, 0, 0, XC_VMA_FILE_PRIV },
	{ "file shared", "/tmp/data file.bin", 1, 0, 0, 0, 0, XC_VMA_FILE_SHARED },
	{ "file with (deleted) inside the name", "/tmp/a (deleted) b", 0, 0, 0, 0, 0,
	  XC_VMA_FILE_PRIV },
	/* Nameless files: their content is saved (ghost.c). */
	{ "memfd", "/memfd:buf (deleted)", 1, 0, 0, 0, 0, XC_VMA_FILE_SHARED },
	{ "memfd private", "/memfd:buf", 0, 0, 0, 0, 0, XC_VMA_FILE_PRIV },
	{ "deleted file private", "/tmp/gone.bin (deleted)", 0, 0, 0, 0, 0, XC_VMA_FILE_PRIV },
	{ "deleted file shared", "/tmp/gone.bin (deleted)", 1, 0, 0, 0, 0, XC_VMA_FILE_SHARED },

	/* Refusals. */
	{ "io anon", "", 0, 1, 0, 0, -ENOTSUP, 0, "VM_IO" },
	{ "io file", "/dev/mem", 1, 1, 0, 0, -ENOTSUP, 0, "VM_IO" },
	{ "io heap", "[heap]", 0, 1, 0, 0, -ENOTSUP, 0, "VM_IO" },
	{ "unknown special", "[uprobes]", 0, 0, 0, 0, -ENOTSUP, 0, "special" },
	{ "unknown special 2", "[vectors]", 0, 0, 0, 0, -ENOTSUP, 0, "special" },
	{ "AIO ring", "/[aio] (deleted)", 1, 0, 0, 0, -ENOTSUP, 0, "AIO rings (io_setup)" },
	{ "anon_hugepage without ht", "/anon_hugepage (deleted)", 1, 0, 0, 0, -ENOTSUP, 0,
	  "hugetlbfs" },
	{ "private /dev/zero (deleted)", "/dev/zero (deleted)", 0, 0, 0, 0, -ENOTSUP, 0,
	  "private mapping of shared anonymous memory" },
	{ "hugetlbfs file", "/dev/hugepages/buf", 1, 0, 0, 0, -ENOTSUP, 0, "files on hugetlbfs",
	  .hugetlb = true },
	{ "hugetlbfs file private", "/mnt/huge/buf", 0, 0, 0, 0, -ENOTSUP, 0, "files on hugetlbfs",
	  .hugetlb = true },
	{ "deleted hugetlbfs file", "/mnt/huge/anon_hugepage (deleted)", 1, 0, 0, 0, -ENOTSUP, 0,
	  "files on hugetlbfs", .hugetlb = true },
	{ "MFD_HUGETLB memfd", "/memfd:huge (deleted)", 1, 0, 0, 0, -ENOTSUP, 0, "MFD_HUGETLB",
	  .hugetlb = true },
	{ "SHM_HUGETLB", "/SYSV00000000 (deleted)", 1, 0, 0, 0, -ENOTSUP, 0, "SHM_HUGETLB",
	  .hugetlb = true },
	{ "uffd", "", 0, 0, 0, 0, -ENOTSUP, 0, "userfaultfd", .uffd = true },
	{ "uffd hugetlb", "/anon_hugepage (deleted)", 0, 0, 0, 0, -ENOTSUP, 0, "userfaultfd",
	  .hugetlb = true, .uffd = true },
	{ "shadow stack", "", 0, 0, 0, 0, -ENOTSUP, 0, "shadow stack", .shstk = true },
	{ "pkey", "", 0, 0, 0, 0, -ENOTSUP, 0, "protection keys", .pkey = 2 },
	{ "relative path", "lib/x.so", 0, 0, 0, 0, -ENOTSUP, 0, "unknown" },
	{ "anon_inode", "anon_inode:[perf_event]", 1, 0, 0, 0, -ENOTSUP, 0, "anon_inode objects" },
	{ "io_uring rings", "anon_inode:[io_uring]", 1, 0, 0, 0, -ENOTSUP, 0, "io_uring" },
	{ "anon above TASK_SIZE", "", 0, 0, TOP, TOP + 0x1000, -ENOTSUP, 0, "address" },
	{ "anon across TASK_SIZE", "", 0, 0, TOP - 0x1000, TOP + 0x1000, -ENOTSUP, 0, "address" },
	{ "file above TASK_SIZE", "/tmp/x", 0, 0, 0x800000000000ull, 0x800000001000ull,
	  -ENOTSUP, 0, "address" },
};

static void vma_from_case(struct xc_vma *v, const struct vma_case *c)
{
	memset(v, 0, sizeof(*v));
	v->start = c->start ? c->start : LO;
	v->end = c->end ? c->end : LO + 0x4000;
	v->prot = PROT_READ | PROT_WRITE;
	v->shared = c->shared;
	v->vm_io = c->io;
	v->vm_hugetlb = c->hugetlb;
	v->vm_uffd = c->uffd;
	v->vm_shstk = c->shstk;
	v->pkey = c->pkey;
	snprintf(v->path, sizeof(v->path), "%s", c->path);
}

static void test_vma_classify(void **state)
{
	static struct xc_vma v;		/* 4 KiB path: keep it off the stack */

	for (size_t i = 0; i < sizeof(vma_cases) / sizeof(vma_cases[0]); i++) {
		const struct vma_case *c = &vma_cases[i];
		uint32_t kind = 0xdead;
		const char *why = "stale";
		int ret;

		vma_from_case(&v, c);
		ret = xc_vma_classify(&v, &kind, &why);
		unit_eq(c->label, ret, c->ret);
		unit_eq(c->label, kind, c->kind);
		if (!c->ret) {
			if (why)
				fail_msg("%s: why is \"%s\" on success", c->label, why);
			continue;
		}
		if (!why)
			fail_msg("%s: refused without a reason", c->label);
		if (!strstr(why, c->why))
			fail_msg("%s: why \"%s\" does not name \"%s\"", c->label, why, c->why);
	}
}

/* Only path, shared, vm_io and end decide; prot, offsets, device, inode and
 * VmFlags must not change the answer. */
static void test_vma_classify_ignores_rest(void **state)
{
	static struct xc_vma v;
	static const struct vma_case base[] = {
		{ "anon", "", 0, 0, 0, 0, 0, XC_VMA_ANON },
		{ "file", "/usr/bin/true", 0, 0, 0, 0, 0, XC_VMA_FILE_PRIV },
		{ "shared file", "/tmp/f", 1, 0, 0, 0, 0, XC_VMA_FILE_SHARED },
	};

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		uint32_t kind;
		const char *why;

		vma_from_case(&v, &base[i]);
		v.prot = PROT_NONE;
		v.pgoff = 0x123000;
		v.dev_major = 8;
		v.dev_minor = 1;
		v.ino = 42;
		v.vmflags = XC_VMF_LOCKED | XC_VMF_DONTDUMP | XC_VMF_HUGEPAGE;
		v.vm_growsdown = true;
		unit_eq(base[i].label, xc_vma_classify(&v, &kind, &why), 0);
		unit_eq(base[i].label, kind, base[i].kind);
	}
}

/* ---- xc_vma_anon_name, xc_vma_hpage_shift ------------------------------- */

static void test_vma_anon_name(void **state)
{
	static const struct {
		const char *path;
		int ret;
		bool named;
		const char *name;
	} t[] = {
		{ "[anon:solver arena 1]", 0, true, "solver arena 1" },
		{ "[anon_shmem:halo:exchange]", 0, true, "halo:exchange" },
		{ "[anon:x]", 0, true, "x" },
		/* 79 characters, the most the kernel takes */
		{ "[anon:0123456789012345678901234567890123456789012345678901234567890123456789012345678]",
		  0, true, "0123456789012345678901234567890123456789012345678901234567890123456789012345678" },
		{ "[anon:01234567890123456789012345678901234567890123456789012345678901234567890123456789]",
		  -ENAMETOOLONG, false, "" },
		{ "", 0, false, "" },
		{ "[heap]", 0, false, "" },
		{ "[anon:]", 0, false, "" },
		{ "[anon:unterminated", 0, false, "" },
		{ "/tmp/[anon:x]", 0, false, "" },
		{ "[anon_shmem:]", 0, false, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[XC_VMA_NAME_MAX];
		bool named = !t[i].named;

		unit_eq(t[i].path, xc_vma_anon_name(t[i].path, name, sizeof(name), &named), t[i].ret);
		unit_eq(t[i].path, named, t[i].named);
		if (strcmp(name, t[i].name))
			fail_msg("%s: name \"%s\", want \"%s\"", t[i].path, name, t[i].name);
	}
}

static void test_vma_hpage_shift(void **state)
{
	static const struct { bool ht; uint32_t kb, shift; } t[] = {
		{ true, 2048, 21 }, { true, 1048576, 30 }, { true, 64, 16 },
		{ false, 2048, 0 },	/* not hugetlb: THP does not change KernelPageSize anyway */
		{ true, 4, 0 }, { true, 0, 0 }, { true, 3072, 0 },
	};
	static struct xc_vma v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char label[32];

		memset(&v, 0, sizeof(v));
		v.vm_hugetlb = t[i].ht;
		v.kpage_kb = t[i].kb;
		snprintf(label, sizeof(label), "%u kB%s", t[i].kb, t[i].ht ? " ht" : "");
		unit_eq(label, xc_vma_hpage_shift(&v), t[i].shift);
	}
}

/* ---- xc_page_wanted ---------------------------------------------------- */

#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_FILE (1ull << 61)	/* file page or shared anon */

/* The eight combinations of the three bits, indexed P<<2 | S<<1 | F. */
static uint64_t pm_bits(unsigned idx)
{
	return (idx & 4 ? PM_PRESENT : 0) | (idx & 2 ? PM_SWAP : 0) | (idx & 1 ? PM_FILE : 0);
}

static void test_page_wanted(void **state)
{
	/* Bit idx of want: the page is wanted for combination idx.
	 * idx:       0 -  1 F  2 S  3 SF  4 P  5 PF  6 PS  7 PSF */
	static const struct {
		const char *label;
		uint32_t kind;
		uint8_t want;
	} t[] = {
		/* Anonymous: everything present or swapped. */
		{ "anon", XC_VMA_ANON, 0xfc },
		{ "shanon", XC_VMA_SHANON, 0xfc },
		/* Private file: the COW'd anonymous copies only (not F), and
		 * whatever is swapped (only anonymous pages swap). */
		{ "file priv", XC_VMA_FILE_PRIV, 0xdc },
		/* The file itself holds these. */
		{ "file shared", XC_VMA_FILE_SHARED, 0x00 },
		{ "vdso", XC_VMA_VDSO, 0x00 },
		{ "vvar", XC_VMA_VVAR, 0x00 },
		{ "not dumped", 0, 0x00 },
		{ "unknown kind", 7, 0x00 },
	};
	/* Bits that must not matter: PFN or swap entry, and the flags in
	 * 55-58 (soft-dirty, exclusive, uffd-wp, guard). */
	static const uint64_t noise[] = { 0, 0x1234567ull, (1ull << 55) | 0xabcdeull,
					  (1ull << 56) | (1ull << 57), 1ull << 58,
					  (1ull << 55) - 1 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (unsigned idx = 0; idx < 8; idx++)
			for (size_t n = 0; n < sizeof(noise) / sizeof(noise[0]); n++) {
				uint64_t pm = pm_bits(idx) | noise[n];
				bool want = (t[i].want >> idx) & 1;

				if (xc_page_wanted(t[i].kind, pm) != want)
					fail_msg("%s: entry %#llx: wanted is %d, want %d",
						 t[i].label, (unsigned long long)pm, !want,
						 want);
			}
}

/* ---- xc_fd_classify ---------------------------------------------------- */

#define REG (S_IFREG | 0644)
#define DIR_ (S_IFDIR | 0755)
#define CHR (S_IFCHR | 0666)
#define FIFO (S_IFIFO | 0600)
#define SOCK (S_IFSOCK | 0777)
#define BLK (S_IFBLK | 0660)

struct fd_case {
	const char *label;
	int fd;
	mode_t mode;
	const char *path;
	int ret;
	uint32_t kind;
	const char *why;		/* refusals: a word the reason must contain */
	bool hugetlb, uffd, shstk;
	uint32_t pkey;
};

static const struct fd_case fd_cases[] = {
	/* Reopened by path. */
	{ "regular", 3, REG, "/tmp/data file.bin", 0, XC_FD_REG },
	{ "regular on stdin", 0, REG, "/tmp/in.txt", 0, XC_FD_REG },
	{ "regular high fd", 1000, REG, "/var/log/x.log", 0, XC_FD_REG },
	{ "directory", 4, DIR_, "/home", 0, XC_FD_REG },
	{ "/dev/null", 3, CHR, "/dev/null", 0, XC_FD_CHR },
	{ "/dev/zero", 5, CHR, "/dev/zero", 0, XC_FD_CHR },
	{ "/dev/full", 6, CHR, "/dev/full", 0, XC_FD_CHR },
	{ "/dev/random", 7, CHR, "/dev/random", 0, XC_FD_CHR },
	{ "/dev/urandom", 8, CHR, "/dev/urandom", 0, XC_FD_CHR },
	{ "/dev/null on stdin", 0, CHR, "/dev/null", 0, XC_FD_CHR },

	/* stdio of a shell job: the restorer lends its own. */
	{ "tty fd 0", 0, CHR | 0620, "/dev/pts/3", 0, XC_FD_INHERIT },
	{ "tty fd 1", 1, CHR | 0620, "/dev/pts/3", 0, XC_FD_INHERIT },
	{ "tty fd 2", 2, CHR | 0620, "/dev/tty1", 0, XC_FD_INHERIT },
	/* The tree's pipes.c turns a pipe on fd 0-2 whose other end is not in
	 * the dump into XC_FD_INHERIT. */
	{ "pipe fd 0", 0, FIFO, "pipe:[81234]", 0, XC_FD_PIPE },
	{ "pipe fd 1", 1, FIFO, "pipe:[81235]", 0, XC_FD_PIPE },
	{ "pipe fd 2", 2, FIFO, "pipe:[81236]", 0, XC_FD_PIPE },
	{ "socket fd 0", 0, SOCK, "socket:[5555]", 0, XC_FD_INHERIT },
	{ "socket fd 1", 1, SOCK, "socket:[5556]", 0, XC_FD_INHERIT },
	{ "socket fd 2", 2, SOCK, "socket:[5557]", 0, XC_FD_INHERIT },
	{ "named fifo fd 0", 0, FIFO, "/tmp/fifo", 0, XC_FD_INHERIT },

	/* The same past stdio. */
	/* Past stdio, a pty slave is the process's own (tty.c checks that its
	 * master is there too); a master anywhere. */
	{ "pty slave fd 3", 3, CHR | 0620, "/dev/pts/3", 0, XC_FD_PTY_SLAVE },
	{ "pty master", 3, CHR | 0666, "/dev/ptmx", 0, XC_FD_PTY_MASTER },
	{ "pty master on stdin", 0, CHR | 0666, "/dev/ptmx", 0, XC_FD_PTY_MASTER },
	{ "pts ptmx", 4, CHR | 0666, "/dev/pts/ptmx", 0, XC_FD_PTY_MASTER },
	{ "tty fd 3", 3, CHR | 0620, "/dev/tty1", -ENOTSUP, 0, "device" },
	{ "/dev/pts/x fd 3", 3, CHR | 0620, "/dev/pts/x", -ENOTSUP, 0, "device" },
	{ "pipe fd 3", 3, FIFO, "pipe:[81234]", 0, XC_FD_PIPE },
	{ "named fifo fd 9", 9, FIFO, "/tmp/fifo", 0, XC_FD_FIFO },
	{ "/dev/tty fd 3", 3, CHR | 0666, "/dev/tty", 0, XC_FD_CHR },
	{ "/dev/tty fd 0", 0, CHR | 0666, "/dev/tty", 0, XC_FD_CHR },	/* reopened too */
	/* Sockets past stdio: their family decides (sockets.c). */
	{ "socket fd 3", 3, SOCK, "socket:[5555]", 0, XC_FD_SOCKET },
	{ "socket fd 64", 64, SOCK, "socket:[5555]", 0, XC_FD_SOCKET },
	/* Only the exact device names are reopenable. */
	{ "/dev/nullx", 3, CHR, "/dev/nullx", -ENOTSUP, 0, "device" },
	{ "/dev/null/", 3, CHR, "/dev/null/", -ENOTSUP, 0, "device" },
	{ "/dev/mem", 3, CHR, "/dev/mem", -ENOTSUP, 0, "device" },

	/* Never, whatever the fd. An eventfd stats as mode 0600, no type
	 * bits (6.18); the S_IFREG case checks the path decides, not the mode. */
	{ "io_uring", 3, 0600, "anon_inode:[io_uring]", -ENOTSUP, 0, "io_uring" },
	{ "io_uring on stdin", 0, 0600, "anon_inode:[io_uring]", -ENOTSUP, 0, "io_uring" },
	{ "fanotify", 3, 0600, "anon_inode:[fanotify]", -ENOTSUP, 0, "fanotify" },
	{ "userfaultfd", 3, 0600, "anon_inode:[userfaultfd]", -ENOTSUP, 0, "userfaultfd" },
	{ "perf event", 3, 0600, "anon_inode:[perf_event]", -ENOTSUP, 0, "perf" },
	{ "bpf map", 3, 0600, "anon_inode:bpf-map", -ENOTSUP, 0, "bpf" },
	{ "bpf prog", 3, 0600, "anon_inode:bpf-prog", -ENOTSUP, 0, "bpf" },
	{ "bpf link", 3, 0600, "anon_inode:bpf_link", -ENOTSUP, 0, "bpf" },
	{ "unknown anon", 3, 0600, "anon_inode:[kvm-vm]", -ENOTSUP, 0, "not supported" },
	{ "eventfd name prefix only", 3, 0600, "anon_inode:[eventfd]x", -ENOTSUP, 0, "not supported" },
	{ "nsfs file, no path", 3, REG, "net:[4026531833]", -ENOTSUP, 0, "without a path" },
	{ "nsfs dir, no path", 3, S_IFDIR | 0555, "mnt:[4026531841]", -ENOTSUP, 0, "without a path" },
	/* Event objects, whatever the mode (an eventfd stats as 0600, no type). */
	{ "eventfd", 3, 0600, "anon_inode:[eventfd]", 0, XC_FD_EVENTFD },
	{ "eventfd S_IFREG", 3, REG, "anon_inode:[eventfd]", 0, XC_FD_EVENTFD },
	{ "eventfd on stdin", 0, 0600, "anon_inode:[eventfd]", 0, XC_FD_EVENTFD },
	{ "timerfd", 4, 0600, "anon_inode:[timerfd]", 0, XC_FD_TIMERFD },
	{ "signalfd", 4, 0600, "anon_inode:[signalfd]", 0, XC_FD_SIGNALFD },
	{ "epoll", 5, REG, "anon_inode:[eventpoll]", 0, XC_FD_EPOLL },
	{ "inotify", 6, 0600, "anon_inode:inotify", 0, XC_FD_INOTIFY },
	{ "memfd", 3, REG, "/memfd:x (deleted)", 0, XC_FD_REG },
	{ "memfd on stdout", 1, REG, "/memfd:x (deleted)", 0, XC_FD_REG },
	{ "named FIFO", 3, FIFO, "/tmp/fifo", 0, XC_FD_FIFO },
	{ "block device", 3, BLK, "/dev/sda", -ENOTSUP, 0, "not supported" },
	{ "block device on stdin", 0, BLK, "/dev/sda", -ENOTSUP, 0, "not supported" },
	{ "symlink type", 3, S_IFLNK | 0777, "/tmp/l", -ENOTSUP, 0, "not supported" },
	{ "no type", 3, 0644, "/tmp/x", -ENOTSUP, 0, "not supported" },
	{ "no type on stdin", 0, 0644, "/tmp/x", -ENOTSUP, 0, "not supported" },
};

static void test_fd_classify(void **state)
{
	for (size_t i = 0; i < sizeof(fd_cases) / sizeof(fd_cases[0]); i++) {
		const struct fd_case *c = &fd_cases[i];
		uint32_t kind = 0xdead;
		const char *why = "stale";
		int ret = xc_fd_classify(c->fd, c->mode, c->path, &kind, &why);

		unit_eq(c->label, ret, c->ret);
		unit_eq(c->label, kind, c->kind);
		if (!c->ret) {
			if (why)
				fail_msg("%s: why is \"%s\" on success", c->label, why);
			continue;
		}
		if (!why)
			fail_msg("%s: refused without a reason", c->label);
		if (!strstr(why, c->why))
			fail_msg("%s: why \"%s\" does not name \"%s\"", c->label, why, c->why);
	}
}

/* A pipe of the tree: restored as a pipe unless a process outside the dump
 * holds it too, when only stdio can be lent by the restoring xckpt. */
static void test_pipe_decide(void **state)
{
	uint32_t kind = 0;

	(void)state;
	assert_int_equal(xc_pipe_decide(false, 7, &kind), 0);
	assert_int_equal(kind, XC_FD_PIPE);
	assert_int_equal(xc_pipe_decide(false, 0, &kind), 0);
	assert_int_equal(kind, XC_FD_PIPE);
	assert_int_equal(xc_pipe_decide(true, 1, &kind), 0);
	assert_int_equal(kind, XC_FD_INHERIT);
	assert_int_equal(xc_pipe_decide(true, 2, &kind), 0);
	assert_int_equal(kind, XC_FD_INHERIT);
	assert_int_equal(xc_pipe_decide(true, 3, &kind), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vma_classify),
		cmocka_unit_test(test_vma_classify_ignores_rest),
		cmocka_unit_test(test_vma_anon_name),
		cmocka_unit_test(test_vma_hpage_shift),
		cmocka_unit_test(test_page_wanted),
		cmocka_unit_test(test_fd_classify),
		cmocka_unit_test(test_pipe_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
