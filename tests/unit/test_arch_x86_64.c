/* arch/x86_64 pure helpers: syscall restart (arch_regs_restart), remote
 * syscall and blob call register setup, and the rt_sigreturn frame
 * (arch_sigframe_build), whose layout is checked against the kernel's uapi
 * headers where the system has them. */
#include "unit.h"

#include <signal.h>
#include <sys/syscall.h>

#include "arch/arch.h"

/* ---- the kernel's layout ----------------------------------------------- */

/* <asm/sigcontext.h> and <asm/ucontext.h> clash with the C library's
 * <signal.h> (struct sigcontext, struct _fpx_sw_bytes, ...): take them under
 * other names. struct ucontext picks up the C library's stack_t (the same
 * layout as the kernel's struct sigaltstack) and sigset_t (128 bytes where
 * the kernel's is 8, but uc_sigmask is the last field, so only the size of
 * the struct differs, which nothing here uses). */
#ifdef __has_include
#if __has_include(<asm/sigcontext.h>) && __has_include(<asm/ucontext.h>)
#define HAVE_UAPI 1
#endif
#endif

#ifdef HAVE_UAPI
#undef FP_XSTATE_MAGIC1
#undef FP_XSTATE_MAGIC2
#undef FP_XSTATE_MAGIC2_SIZE
#define sigcontext kuapi_sigcontext
#define ucontext kuapi_ucontext
#define _fpx_sw_bytes kuapi_fpx_sw_bytes
#define _fpreg kuapi_fpreg
#define _fpxreg kuapi_fpxreg
#define _xmmreg kuapi_xmmreg
#define _ymmh_state kuapi_ymmh_state
#define _xstate kuapi_xstate
#define _header kuapi_header
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#undef sigcontext
#undef ucontext
#undef _fpx_sw_bytes
#undef _fpreg
#undef _fpxreg
#undef _xmmreg
#undef _ymmh_state
#undef _xstate
#undef _header
#undef _fpstate
typedef struct kuapi_sigcontext k_sigcontext;
typedef struct kuapi_ucontext k_ucontext;
typedef struct kuapi_fpx_sw_bytes k_sw_bytes;
#define K_SW_BYTES_OFF offsetof(struct _fpstate_64, sw_reserved)
#define K_MAGIC1 FP_XSTATE_MAGIC1
#define K_MAGIC2 FP_XSTATE_MAGIC2
#define K_UC_FLAGS (UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS)
#else
/* No uapi headers: the layout as arch/x86/include/uapi documents it. */
#define HAVE_UAPI 0
typedef struct {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
} k_sigcontext;
typedef struct {
	uint64_t uc_flags;
	uint64_t uc_link;
	stack_t uc_stack;
	k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
} k_ucontext;
typedef struct {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
} k_sw_bytes;
#define K_SW_BYTES_OFF 464
#define K_MAGIC1 0x46505853u
#define K_MAGIC2 0x46505845u
#define K_UC_FLAGS 0x7u
#endif

/* rt_sigframe: the return address slot, then the ucontext. */
#define UC_OFF 8
#define UC(f) (UC_OFF + offsetof(k_ucontext, f))
#define SC(f) (UC(uc_mcontext) + offsetof(k_sigcontext, f))
#define SW(f) (K_SW_BYTES_OFF + offsetof(k_sw_bytes, f))

/* The numbers arch/x86_64/sigframe.c was written to, against the headers. */
static void test_sigframe_uapi_layout(void **state)
{
	if (!HAVE_UAPI)
		print_message("no <asm/sigcontext.h>: layout not cross-checked\n");
	assert_int_equal(offsetof(k_ucontext, uc_flags), 0);
	assert_int_equal(offsetof(k_ucontext, uc_link), 8);
	assert_int_equal(offsetof(k_ucontext, uc_stack), 16);
	assert_int_equal(offsetof(stack_t, ss_sp), 0);
	assert_int_equal(offsetof(stack_t, ss_flags), 8);
	assert_int_equal(offsetof(stack_t, ss_size), 16);
	assert_int_equal(sizeof(stack_t), 24);
	assert_int_equal(offsetof(k_ucontext, uc_mcontext), 40);
	assert_int_equal(sizeof(k_sigcontext), 256);
	assert_int_equal(offsetof(k_ucontext, uc_sigmask), 40 + 256);

	assert_int_equal(offsetof(k_sigcontext, r8), 0);
	assert_int_equal(offsetof(k_sigcontext, r15), 56);
	assert_int_equal(offsetof(k_sigcontext, rdi), 64);
	assert_int_equal(offsetof(k_sigcontext, rsi), 72);
	assert_int_equal(offsetof(k_sigcontext, rbp), 80);
	assert_int_equal(offsetof(k_sigcontext, rbx), 88);
	assert_int_equal(offsetof(k_sigcontext, rdx), 96);
	assert_int_equal(offsetof(k_sigcontext, rax), 104);
	assert_int_equal(offsetof(k_sigcontext, rcx), 112);
	assert_int_equal(offsetof(k_sigcontext, rsp), 120);
	assert_int_equal(offsetof(k_sigcontext, rip), 128);
	assert_int_equal(offsetof(k_sigcontext, eflags), 136);
	assert_int_equal(offsetof(k_sigcontext, cs), 144);
	assert_int_equal(offsetof(k_sigcontext, gs), 146);
	assert_int_equal(offsetof(k_sigcontext, fs), 148);
	assert_int_equal(offsetof(k_sigcontext, ss), 150);
	assert_int_equal(offsetof(k_sigcontext, err), 152);
	assert_int_equal(offsetof(k_sigcontext, cr2), 176);
	assert_int_equal(offsetof(k_sigcontext, fpstate), 184);
	assert_int_equal(offsetof(k_sigcontext, reserved1), 192);

	assert_int_equal(K_SW_BYTES_OFF, 464);
	assert_int_equal(offsetof(k_sw_bytes, magic1), 0);
	assert_int_equal(offsetof(k_sw_bytes, extended_size), 4);
	assert_int_equal(offsetof(k_sw_bytes, xfeatures), 8);
	assert_int_equal(offsetof(k_sw_bytes, xstate_size), 16);
	assert_int_equal(sizeof(k_sw_bytes), 48);
	assert_int_equal(K_MAGIC1, 0x46505853u);
	assert_int_equal(K_MAGIC2, 0x46505845u);
	assert_int_equal(K_UC_FLAGS, 0x7);
}

/* ---- registers --------------------------------------------------------- */

#define NR_WORDS (sizeof(struct xc_rec_regs) / 8)

/* Every register a different, recognisable value. */
static void regs_pattern(struct xc_rec_regs *r)
{
	uint64_t *w = (uint64_t *)r;

	for (size_t i = 0; i < NR_WORDS; i++)
		w[i] = 0x1111000000000000ull * (i % 15 + 1) + 0x100 * i + 0x42;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->eflags = 0x246;
}

/* All 27 words, each failure naming the register. */
static void regs_eq(const char *label, const struct xc_rec_regs *got,
		    const struct xc_rec_regs *want)
{
	const uint64_t *g = (const uint64_t *)got, *w = (const uint64_t *)want;

	for (size_t i = 0; i < NR_WORDS; i++)
		if (g[i] != w[i])
			fail_msg("%s: %s is %#llx, want %#llx", label, arch_reg_names[i],
				 (unsigned long long)g[i], (unsigned long long)w[i]);
}

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define NONE UINT64_MAX		/* want rax: unchanged */

static void test_regs_restart(void **state)
{
	static const struct {
		const char *label;
		uint64_t orig_rax, rax;
		bool same_task;
		bool changed;
		uint64_t want_rax;
	} t[] = {
		{ "read ERESTARTSYS", SYS_read, -ERESTARTSYS, true, true, SYS_read },
		{ "read ERESTARTSYS, new task", SYS_read, -ERESTARTSYS, false, true, SYS_read },
		{ "poll ERESTARTNOINTR", SYS_poll, -ERESTARTNOINTR, true, true, SYS_poll },
		{ "poll ERESTARTNOINTR, new task", SYS_poll, -ERESTARTNOINTR, false, true,
		  SYS_poll },
		{ "pause ERESTARTNOHAND", SYS_pause, -ERESTARTNOHAND, true, true, SYS_pause },
		{ "pause ERESTARTNOHAND, new task", SYS_pause, -ERESTARTNOHAND, false, true,
		  SYS_pause },
		{ "nanosleep RESTARTBLOCK", SYS_nanosleep, -ERESTART_RESTARTBLOCK, true, true,
		  SYS_restart_syscall },
		{ "nanosleep RESTARTBLOCK, new task", SYS_nanosleep, -ERESTART_RESTARTBLOCK, false,
		  true, SYS_nanosleep },
		{ "clock_nanosleep RESTARTBLOCK, new task", SYS_clock_nanosleep,
		  -ERESTART_RESTARTBLOCK, false, true, SYS_clock_nanosleep },

		/* Not inside a syscall. */
		{ "orig_rax -1, ERESTARTSYS", -1, -ERESTARTSYS, true, false, NONE },
		{ "orig_rax -1, RESTARTBLOCK", -1, -ERESTART_RESTARTBLOCK, false, false, NONE },
		{ "orig_rax INT64_MIN", 1ull << 63, -ERESTARTSYS, true, false, NONE },
		/* A finished call, or an errno the kernel does not restart. */
		{ "EINTR", SYS_read, -EINTR, true, false, NONE },
		{ "EAGAIN", SYS_read, -EAGAIN, false, false, NONE },
		{ "0", SYS_read, 0, true, false, NONE },
		{ "5", SYS_write, 5, true, false, NONE },
		{ "512 bytes read", SYS_read, ERESTARTSYS, true, false, NONE },
		{ "516 bytes read", SYS_read, ERESTART_RESTARTBLOCK, true, false, NONE },
		{ "ENOIOCTLCMD (515)", SYS_ioctl, -515, true, false, NONE },
		{ "-511", SYS_read, -511, true, false, NONE },
		{ "-517", SYS_read, -517, true, false, NONE },
		{ "-1024", SYS_read, -1024, true, false, NONE },
		{ "mmap address", SYS_mmap, 0x7f1234560000ull, true, false, NONE },
		/* Negating it overflows a long: -fsanitize=undefined flags rsys.c. */
		{ "INT64_MIN result", SYS_lseek, 1ull << 63, true, false, NONE },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xc_rec_regs r, want;
		bool changed;

		regs_pattern(&r);
		r.orig_rax = t[i].orig_rax;
		r.rax = t[i].rax;
		r.rip = 0x401002;
		/* Sleeps without a remainder pointer here (test_sleep_remainder). */
		if (r.orig_rax == SYS_nanosleep)
			r.rsi = 0;
		if (r.orig_rax == SYS_clock_nanosleep)
			r.r10 = 0;
		want = r;
		if (t[i].changed) {
			want.rax = t[i].want_rax;
			want.rip = 0x401000;
			want.orig_rax = (uint64_t)-1;
		}
		changed = arch_regs_restart(&r, t[i].same_task);
		unit_eq(t[i].label, changed, t[i].changed);
		regs_eq(t[i].label, &r, &want);
	}
	/* The number the kernel's restart block is entered through. */
	assert_int_equal(SYS_restart_syscall, 219);
}

/* A relative sleep given a remainder pointer is issued again in a new task
 * with the remainder as its request (the kernel wrote the time left there);
 * the live task keeps restart_syscall, and the arguments as they were. */
static void test_sleep_remainder(void **state)
{
	struct xc_rec_regs r;

	regs_pattern(&r);
	r.orig_rax = SYS_nanosleep;
	r.rax = -ERESTART_RESTARTBLOCK;
	r.rdi = 0x7ffd1000;	/* req */
	r.rsi = 0x7ffd2000;	/* rem */
	assert_true(arch_regs_restart(&r, false));
	assert_int_equal(r.rax, SYS_nanosleep);
	assert_int_equal(r.rdi, 0x7ffd2000);
	assert_int_equal(r.rsi, 0x7ffd2000);

	regs_pattern(&r);
	r.orig_rax = SYS_clock_nanosleep;
	r.rax = -ERESTART_RESTARTBLOCK;
	r.rdx = 0x7ffd1000;	/* req */
	r.r10 = 0x7ffd2000;	/* rem */
	assert_true(arch_regs_restart(&r, false));
	assert_int_equal(r.rax, SYS_clock_nanosleep);
	assert_int_equal(r.rdx, 0x7ffd2000);

	regs_pattern(&r);
	r.orig_rax = SYS_nanosleep;
	r.rax = -ERESTART_RESTARTBLOCK;
	r.rdi = 0x7ffd1000;
	r.rsi = 0x7ffd2000;
	assert_true(arch_regs_restart(&r, true));
	assert_int_equal(r.rax, SYS_restart_syscall);
	assert_int_equal(r.rdi, 0x7ffd1000);

	/* An absolute clock_nanosleep restarts with ERESTARTNOHAND, as is. */
	regs_pattern(&r);
	r.orig_rax = SYS_clock_nanosleep;
	r.rax = -ERESTARTNOHAND;
	r.rdx = 0x7ffd1000;
	r.r10 = 0x7ffd2000;
	assert_true(arch_regs_restart(&r, false));
	assert_int_equal(r.rdx, 0x7ffd1000);
}

/* Restarting twice must not step back twice: after the first rewrite
 * orig_rax is -1. */
static void test_regs_restart_once(void **state)
{
	struct xc_rec_regs r, want;

	regs_pattern(&r);
	r.orig_rax = SYS_read;
	r.rax = -ERESTARTSYS;
	r.rip = 0x401002;
	assert_true(arch_regs_restart(&r, true));
	want = r;
	assert_false(arch_regs_restart(&r, true));
	regs_eq("second restart", &r, &want);
	assert_int_equal(r.rip, 0x401000);
	assert_int_equal(r.rax, SYS_read);
}

/* The image's registers (arch_regs_for_image()): an interrupted call stays
 * interrupted, with the kernel's code, for the restore to let the kernel
 * end it; a restart block becomes ERESTARTNOHAND on the original call, a
 * relative sleep asking for what it had left; anything else is kept. */
static void test_regs_for_image(void **state)
{
	static const struct {
		const char *label;
		uint64_t orig_rax, rax;
		long restart_nr;
		int ret;
		uint64_t want_orig, want_rax;
		bool interrupted;
	} t[] = {
		{ "pause", SYS_pause, -ERESTARTNOHAND, -1, 0, SYS_pause, -ERESTARTNOHAND, true },
		{ "read", SYS_read, -ERESTARTSYS, -1, 0, SYS_read, -ERESTARTSYS, true },
		{ "NOINTR", SYS_clone, -ERESTARTNOINTR, -1, 0, SYS_clone, -ERESTARTNOINTR, true },
		{ "poll", SYS_poll, -ERESTART_RESTARTBLOCK, -1, 0, SYS_poll, -ERESTARTNOHAND, true },
		{ "futex", SYS_futex, -ERESTART_RESTARTBLOCK, -1, 0, SYS_futex, -ERESTARTNOHAND, true },
		{ "restart_syscall of poll", SYS_restart_syscall, -ERESTART_RESTARTBLOCK, SYS_poll, 0,
		  SYS_poll, -ERESTARTNOHAND, true },
		{ "restart_syscall, unknown", SYS_restart_syscall, -ERESTART_RESTARTBLOCK, -1,
		  -ENOTSUP, 0, 0, false },
		{ "restart block of another call", SYS_read, -ERESTART_RESTARTBLOCK, -1, -ENOTSUP,
		  0, 0, false },
		{ "finished", SYS_read, 5, -1, 0, SYS_read, 5, false },
		{ "EINTR", SYS_epoll_pwait, -EINTR, -1, 0, SYS_epoll_pwait, -EINTR, false },
		{ "not in a call", (uint64_t)-1, -ERESTARTSYS, -1, 0, (uint64_t)-1, -ERESTARTSYS,
		  false },
	};
	struct xc_rec_regs r;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xc_rec_regs want;

		regs_pattern(&r);
		r.orig_rax = t[i].orig_rax;
		r.rax = t[i].rax;
		r.rip = 0x401002;
		if (r.orig_rax == SYS_restart_syscall)
			r.rsi = 0;	/* not a sleep with a remainder */
		want = r;
		unit_eq(t[i].label, arch_regs_for_image(&r, t[i].restart_nr), t[i].ret);
		if (t[i].ret)
			continue;
		want.orig_rax = t[i].want_orig;
		want.rax = t[i].want_rax;
		regs_eq(t[i].label, &r, &want);
		unit_eq(t[i].label, arch_regs_interrupted(&r), t[i].interrupted);
	}

	/* nanosleep in restart_syscall: the remainder the kernel wrote at
	 * this interruption is the new request. */
	regs_pattern(&r);
	r.orig_rax = SYS_restart_syscall;
	r.rax = -ERESTART_RESTARTBLOCK;
	r.rdi = 0x7ffd1000;
	r.rsi = 0x7ffd2000;
	assert_true(arch_regs_in_restart_syscall(&r));
	assert_int_equal(arch_regs_for_image(&r, SYS_nanosleep), 0);
	assert_int_equal(r.orig_rax, SYS_nanosleep);
	assert_int_equal(r.rax, (uint64_t)-ERESTARTNOHAND);
	assert_int_equal(r.rdi, 0x7ffd2000);
	assert_false(arch_regs_in_restart_syscall(&r));
}

/* The call a thread in restart_syscall restarts: "mov $nr, %eax" right
 * before its syscall instruction, and only a call with a restart block. */
static void test_restart_syscall_nr(void **state)
{
	static const uint8_t glibc_poll[] = { 0xb8, 0x07, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t glibc_clock[] = { 0xb8, 0xe6, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t futex[] = { 0xb8, 0xca, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t nanosleep[] = { 0xb8, 0x23, 0, 0, 0, 0x0f, 0x05 };
	static const uint8_t read_call[] = { 0xb8, 0x00, 0, 0, 0, 0x0f, 0x05 };
	/* glibc's syscall(): the number came in a register. */
	static const uint8_t generic[] = { 0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05 };
	static const uint8_t not_syscall[] = { 0xb8, 0x07, 0, 0, 0, 0xcd, 0x80 };
	static const uint8_t huge[] = { 0xb8, 0x07, 0, 0, 1, 0x0f, 0x05 };

	(void)state;
	assert_int_equal(arch_restart_syscall_nr(glibc_poll), SYS_poll);
	assert_int_equal(arch_restart_syscall_nr(glibc_clock), SYS_clock_nanosleep);
	assert_int_equal(arch_restart_syscall_nr(futex), SYS_futex);
	assert_int_equal(arch_restart_syscall_nr(nanosleep), SYS_nanosleep);
	assert_int_equal(arch_restart_syscall_nr(read_call), -1);
	assert_int_equal(arch_restart_syscall_nr(generic), -1);
	assert_int_equal(arch_restart_syscall_nr(not_syscall), -1);
	assert_int_equal(arch_restart_syscall_nr(huge), -1);
}

static void test_rsys_prepare(void **state)
{
	static const struct {
		long nr;
		uint64_t insn;
		uint64_t a[6];
	} t[] = {
		{ SYS_mmap, 0x7ffff7fc1234, { 0, 0x5000, 7, 0x22, (uint64_t)-1, 0 } },
		{ SYS_exit_group, 0x401000, { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 } },
		{ SYS_rt_sigprocmask, 0x10, { UINT64_MAX, 1ull << 63, 3, 4, 5, 6 } },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xc_rec_regs r, want;
		char label[32];

		snprintf(label, sizeof(label), "nr %ld", t[i].nr);
		regs_pattern(&r);
		r.orig_rax = SYS_nanosleep;	/* as if stopped in a syscall */
		want = r;
		want.rip = t[i].insn;
		want.rax = t[i].nr;
		want.orig_rax = (uint64_t)-1;
		want.rdi = t[i].a[0];
		want.rsi = t[i].a[1];
		want.rdx = t[i].a[2];
		want.r10 = t[i].a[3];
		want.r8 = t[i].a[4];
		want.r9 = t[i].a[5];
		arch_rsys_prepare(&r, t[i].insn, t[i].nr, t[i].a);
		regs_eq(label, &r, &want);
		/* What the kernel gives back in rax is what we read. */
		r.rax = (uint64_t)-EPERM;
		assert_int_equal(arch_rsys_ret(&r), -EPERM);
	}
}

static void test_is_syscall_insn(void **state)
{
	static const uint8_t syscall[] = { 0x0f, 0x05 };
	static const uint8_t no[][2] = {
		{ 0x0f, 0x34 },	/* sysenter */
		{ 0xcd, 0x80 },	/* int $0x80 */
		{ 0x05, 0x0f },
		{ 0x0f, 0x06 },
		{ 0x0e, 0x05 },
		{ 0x0f, 0x0b },	/* ud2 */
		{ 0x00, 0x00 },
		{ 0xff, 0xff },
	};
	/* Not needing alignment: at an odd offset in a longer run of code. */
	static const uint8_t code[] = { 0x90, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3 };

	assert_int_equal(ARCH_SYSCALL_INSN_LEN, 2);
	assert_true(arch_is_syscall_insn(syscall));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (arch_is_syscall_insn(no[i]))
			fail_msg("%02x %02x taken for a syscall", no[i][0], no[i][1]);
	for (size_t i = 0; i + 1 < sizeof(code); i++)
		unit_eq("code", arch_is_syscall_insn(code + i), i == 6);
}

#define EFL_TF (1ull << 8)
#define EFL_DF (1ull << 10)

static void test_blob_call_prepare(void **state)
{
	/* IF and ZF/PF set; then with DF, TF, AC, RF and the reserved bit. */
	static const uint64_t flags[] = { 0x246, 0x246 | EFL_DF | EFL_TF | (1ull << 18) | (1ull << 16),
					  0x202 | EFL_TF, 0x202 | EFL_DF, 0xffffffffull };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct xc_rec_regs r, want;
		char label[32];

		snprintf(label, sizeof(label), "eflags %#llx", (unsigned long long)flags[i]);
		regs_pattern(&r);
		r.orig_rax = SYS_poll;
		r.eflags = flags[i];
		want = r;
		want.rip = 0x7f0000001230;
		want.rdi = 0x7f0000100000;
		want.rsp = 0x7f0000200000;
		want.eflags = flags[i] & ~(EFL_DF | EFL_TF);
		/* No syscall restart on the way into the blob. */
		want.orig_rax = (uint64_t)-1;
		arch_blob_call_prepare(&r, 0x7f0000001230, 0x7f0000100000, 0x7f0000200000);
		regs_eq(label, &r, &want);
	}
}

/* ---- the rt_sigreturn frame -------------------------------------------- */

#define XS_SIZE 2432u			/* an AVX-512 XSAVE area */
#define XFEATURES 0x2e7ull		/* x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU */
#define FRAME_ADDR 0x7ffd5a3c1040ull	/* 64-aligned, not page-aligned */
#define CANARY 0xa5
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)	/* <linux/signal.h>, not in the C library's */
#endif

static uint64_t rd64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, 2);
	return v;
}

/* A frame buffer with room past arch_sigframe_size(), all canary bytes. */
static uint8_t *frame_buf(size_t *len, uint32_t xs_size)
{
	uint8_t *f;

	*len = arch_sigframe_size(xs_size) + 4096;
	f = aligned_alloc(64, (*len + 63) & ~(size_t)63);
	assert_non_null(f);
	memset(f, CANARY, *len);
	return f;
}

static void canary_intact(const char *label, const uint8_t *f, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (f[i] != CANARY)
			fail_msg("%s: byte %zu past the frame's %zu changed to %#x", label, i, from,
				 f[i]);
}

static void test_sigframe_build(void **state)
{
	struct xc_rec_regs r;
	stack_t ss = { .ss_sp = (void *)0x7f00aa000000ull, .ss_flags = SS_ONSTACK | SS_AUTODISARM,
		       .ss_size = 0x10000 };
	uint64_t sigmask = 0x8000000000014a03ull, sp = 0;
	uint8_t *xs = malloc(XS_SIZE), *f, *fp;
	size_t len, fp_off, fsize = arch_sigframe_size(XS_SIZE);

	assert_non_null(xs);
	unit_fill_random(xs, XS_SIZE, 0x5157);
	regs_pattern(&r);
	f = frame_buf(&len, XS_SIZE);

	assert_int_equal(arch_sigframe_build(f, FRAME_ADDR, &r, xs, XS_SIZE, XFEATURES, sigmask,
					     &ss, &sp), 0);
	/* rt_sigreturn is entered as from the handler's ret: the frame at sp - 8. */
	assert_int_equal(sp, FRAME_ADDR + 8);

	assert_int_equal(rd64(f, UC(uc_flags)) & K_UC_FLAGS, K_UC_FLAGS);
	assert_int_equal(rd64(f, UC(uc_link)), 0);
	assert_int_equal(rd64(f, UC(uc_stack) + offsetof(stack_t, ss_sp)), 0x7f00aa000000ull);
	assert_int_equal(rd32(f, UC(uc_stack) + offsetof(stack_t, ss_flags)), SS_AUTODISARM);
	assert_int_equal(rd64(f, UC(uc_stack) + offsetof(stack_t, ss_size)), 0x10000);
	assert_int_equal(rd64(f, UC(uc_sigmask)), sigmask);

	assert_int_equal(rd64(f, SC(r8)), r.r8);
	assert_int_equal(rd64(f, SC(r9)), r.r9);
	assert_int_equal(rd64(f, SC(r10)), r.r10);
	assert_int_equal(rd64(f, SC(r11)), r.r11);
	assert_int_equal(rd64(f, SC(r12)), r.r12);
	assert_int_equal(rd64(f, SC(r13)), r.r13);
	assert_int_equal(rd64(f, SC(r14)), r.r14);
	assert_int_equal(rd64(f, SC(r15)), r.r15);
	assert_int_equal(rd64(f, SC(rdi)), r.rdi);
	assert_int_equal(rd64(f, SC(rsi)), r.rsi);
	assert_int_equal(rd64(f, SC(rbp)), r.rbp);
	assert_int_equal(rd64(f, SC(rbx)), r.rbx);
	assert_int_equal(rd64(f, SC(rdx)), r.rdx);
	assert_int_equal(rd64(f, SC(rax)), r.rax);
	assert_int_equal(rd64(f, SC(rcx)), r.rcx);
	assert_int_equal(rd64(f, SC(rsp)), r.rsp);
	assert_int_equal(rd64(f, SC(rip)), r.rip);
	assert_int_equal(rd64(f, SC(eflags)), r.eflags);
	assert_int_equal(rd16(f, SC(cs)), 0x33);
	assert_int_equal(rd16(f, SC(ss)), 0x2b);
	assert_int_equal(rd16(f, SC(gs)), 0);
	assert_int_equal(rd16(f, SC(fs)), 0);

	/* The XSAVE area: 64-aligned (XRSTOR), past the ucontext and siginfo,
	 * inside the frame with its closing magic. */
	assert_true(rd64(f, SC(fpstate)) > FRAME_ADDR);
	fp_off = rd64(f, SC(fpstate)) - FRAME_ADDR;
	assert_int_equal(rd64(f, SC(fpstate)) % 64, 0);
	assert_true(fp_off >= UC(uc_sigmask) + 8 + sizeof(siginfo_t));
	assert_true(fp_off + XS_SIZE + 4 <= fsize);
	fp = f + fp_off;
	assert_memory_equal(fp, xs, K_SW_BYTES_OFF);
	assert_memory_equal(fp + 512, xs + 512, XS_SIZE - 512);
	assert_int_equal(rd32(fp, SW(magic1)), K_MAGIC1);
	assert_int_equal(rd32(fp, SW(extended_size)), XS_SIZE + 4);
	assert_int_equal(rd64(fp, SW(xfeatures)), XFEATURES);
	assert_int_equal(rd32(fp, SW(xstate_size)), XS_SIZE);
	for (size_t i = SW(xstate_size) + 4; i < 512; i++)
		unit_eq("sw_bytes padding", fp[i], 0);
	assert_int_equal(rd32(fp, XS_SIZE), K_MAGIC2);

	canary_intact("2432", f, fsize, len);
	free(f);
	free(xs);
}

/* A disabled altstack goes through as it is; the smallest area the kernel
 * takes (legacy 512 + header 64) is accepted. */
static void test_sigframe_min_xstate(void **state)
{
	struct xc_rec_regs r;
	stack_t ss = { .ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0 };
	uint8_t xs[576], *f, *fp;
	uint64_t sp = 0;
	size_t len;

	unit_fill_random(xs, sizeof(xs), 576);
	regs_pattern(&r);
	f = frame_buf(&len, 576);
	assert_int_equal(arch_sigframe_build(f, 0x1000, &r, xs, 576, 0x3, 0, &ss, &sp), 0);
	assert_int_equal(sp, 0x1008);
	assert_int_equal(rd64(f, UC(uc_stack) + offsetof(stack_t, ss_sp)), 0);
	assert_int_equal(rd32(f, UC(uc_stack) + offsetof(stack_t, ss_flags)), SS_DISABLE);
	assert_int_equal(rd64(f, UC(uc_stack) + offsetof(stack_t, ss_size)), 0);
	assert_int_equal(rd64(f, UC(uc_sigmask)), 0);
	fp = f + (rd64(f, SC(fpstate)) - 0x1000);
	assert_memory_equal(fp + 512, xs + 512, 64);
	assert_int_equal(rd32(fp, SW(extended_size)), 580);
	assert_int_equal(rd32(fp, SW(xstate_size)), 576);
	assert_int_equal(rd64(fp, SW(xfeatures)), 0x3);
	assert_int_equal(rd32(fp, 576), K_MAGIC2);
	canary_intact("576", f, arch_sigframe_size(576), len);
	free(f);
}

/* Nothing is written past arch_sigframe_size(), whatever the area's size,
 * and the closing magic stays inside it. */
static void test_sigframe_size_covers(void **state)
{
	static const uint32_t sizes[] = { 576, 832, 1000, 2432, 2440, 2696, 11008, ARCH_XSTATE_MAX };
	struct xc_rec_regs r;
	stack_t ss = { 0 };

	regs_pattern(&r);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *xs = malloc(sizes[i]), *f;
		uint64_t sp;
		size_t len, fp_off;
		char label[32];

		snprintf(label, sizeof(label), "xstate %u", sizes[i]);
		assert_non_null(xs);
		memset(xs, 0x3c, sizes[i]);
		f = frame_buf(&len, sizes[i]);
		unit_eq(label, arch_sigframe_build(f, FRAME_ADDR, &r, xs, sizes[i], XFEATURES, 0,
						   &ss, &sp), 0);
		fp_off = rd64(f, SC(fpstate)) - FRAME_ADDR;
		unit_eq(label, rd32(f + fp_off, sizes[i]), K_MAGIC2);
		unit_eq(label, fp_off + sizes[i] + 4 <= arch_sigframe_size(sizes[i]), 1);
		canary_intact(label, f, arch_sigframe_size(sizes[i]), len);
		free(f);
		free(xs);
	}
}

static void test_sigframe_refused(void **state)
{
	static const struct {
		const char *label;
		uint64_t addr;
		uint32_t size;
	} t[] = {
		{ "addr + 8", FRAME_ADDR + 8, XS_SIZE },
		{ "addr + 32", FRAME_ADDR + 32, XS_SIZE },
		{ "addr + 1", FRAME_ADDR + 1, XS_SIZE },
		{ "size 575", FRAME_ADDR, 575 },
		{ "size 512 (legacy area only)", FRAME_ADDR, 512 },
		{ "size 0", FRAME_ADDR, 0 },
	};
	struct xc_rec_regs r;
	stack_t ss = { 0 };
	uint8_t *xs = calloc(1, XS_SIZE);

	assert_non_null(xs);
	regs_pattern(&r);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t sp = 0x5a5a;
		size_t len;
		uint8_t *f = frame_buf(&len, XS_SIZE);

		unit_eq(t[i].label, arch_sigframe_build(f, t[i].addr, &r, xs, t[i].size, XFEATURES,
							0, &ss, &sp), -EINVAL);
		/* Refused before anything is written. */
		unit_eq(t[i].label, sp, 0x5a5a);
		canary_intact(t[i].label, f, 0, len);
		free(f);
	}
	free(xs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigframe_uapi_layout),
		cmocka_unit_test(test_regs_restart),
		cmocka_unit_test(test_regs_restart_once),
		cmocka_unit_test(test_sleep_remainder),
		cmocka_unit_test(test_regs_for_image),
		cmocka_unit_test(test_restart_syscall_nr),
		cmocka_unit_test(test_rsys_prepare),
		cmocka_unit_test(test_is_syscall_insn),
		cmocka_unit_test(test_blob_call_prepare),
		cmocka_unit_test(test_sigframe_build),
		cmocka_unit_test(test_sigframe_min_xstate),
		cmocka_unit_test(test_sigframe_size_covers),
		cmocka_unit_test(test_sigframe_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
