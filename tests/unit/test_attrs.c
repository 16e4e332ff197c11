/* Per-process and per-thread attributes: how the parasite's answers become
 * TASK_ATTRS and THREAD (tracer/attrs.c), which answers refuse the dump,
 * and what restore decides (restorer/attrs.c: capabilities, speculation
 * controls). */
#include "unit.h"

#include <errno.h>

#include "common/img-format.h"
#include "restorer/rst.h"
#include "tracer/tracer.h"

static void convert(const struct xc_parasite_args *m, struct xc_rec_task_attrs *ta)
{
	memset(ta, 0xee, sizeof(*ta));	/* the converter must set what it owns */
	xc_attrs_from_misc(m, ta);
}

static void test_defaults(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	convert(&m, &ta);
	assert_int_equal(ta.thp_disable, 0);
	assert_int_equal(ta.child_subreaper, 0);
	assert_int_equal(ta.membarrier, 0);
	assert_null(xc_attrs_refusal(&m));
}

static void test_set(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	m.misc.thp_disable = 3;			/* disabled except where advised */
	m.misc.child_subreaper = 1;
	m.misc.membarrier = 1 << 4;		/* REGISTER_PRIVATE_EXPEDITED */
	convert(&m, &ta);
	assert_int_equal(ta.thp_disable, 3);
	assert_int_equal(ta.child_subreaper, 1);
	assert_int_equal(ta.membarrier, 1 << 4);
	assert_null(xc_attrs_refusal(&m));
}

/* A kernel without the question: not set. One that refused to answer:
 * the dump is refused, naming what could not be read. */
static void test_unknown_and_refused(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	m.misc.membarrier = -EINVAL;
	m.misc.thp_disable = -EINVAL;
	convert(&m, &ta);
	assert_int_equal(ta.membarrier, 0);
	assert_int_equal(ta.thp_disable, 0);
	assert_null(xc_attrs_refusal(&m));
	m.misc.membarrier = -EPERM;
	assert_non_null(strstr(xc_attrs_refusal(&m), "membarrier"));
	m.misc.membarrier = 0;
	m.misc.thp_disable = -EPERM;
	assert_non_null(strstr(xc_attrs_refusal(&m), "THP"));
	m.misc.thp_disable = 0;
	m.misc.child_subreaper = -EFAULT;
	assert_non_null(strstr(xc_attrs_refusal(&m), "SUBREAPER"));
}

/* Securebits would be lost: any bit but keep-caps refuses the thread, and
 * so does a kernel that would not say. */
static void test_securebits(void **state)
{
	struct xc_pthread_state ps = { 0 };

	(void)state;
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.securebits = 0x10;		/* SECBIT_KEEP_CAPS: restored */
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.securebits = 0x11;		/* and SECBIT_NOROOT */
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "securebits"));
	ps.securebits = 0x20;		/* SECBIT_KEEP_CAPS_LOCKED */
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "securebits"));
	ps.securebits = -EPERM;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "SECUREBITS"));
}

/* The process-wide answers added with dumpable and mlockall: a KSM
 * process and an mlockall state that could not be read are refused. */
static void test_dumpable_mlockall_ksm(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	m.misc.dumpable = 0;
	m.misc.mcl = 2 | 4;			/* MCL_FUTURE | MCL_ONFAULT */
	convert(&m, &ta);
	assert_int_equal(ta.dumpable, 0);
	assert_int_equal(ta.mlockall, 6);
	assert_null(xc_attrs_refusal(&m));
	m.misc.mcl = -EAGAIN;			/* RLIMIT_MEMLOCK used up */
	assert_non_null(strstr(xc_attrs_refusal(&m), "mlockall"));
	m.misc.mcl = 0;
	m.misc.memory_merge = -EINVAL;		/* no KSM here */
	assert_null(xc_attrs_refusal(&m));
	m.misc.memory_merge = 1;
	assert_non_null(strstr(xc_attrs_refusal(&m), "PR_SET_MEMORY_MERGE"));
	m.misc.memory_merge = 0;
	m.misc.dumpable = -EPERM;
	assert_non_null(strstr(xc_attrs_refusal(&m), "DUMPABLE"));
}

/* The private futex hash: 0 is the global hash, a value the size; a kernel
 * without PR_FUTEX_HASH leaves the flag clear, so restore asks nothing. */
static void test_futex_hash(void **state)
{
	struct xc_parasite_args m = { 0 };
	struct xc_rec_task_attrs ta;

	(void)state;
	convert(&m, &ta);
	assert_int_equal(ta.flags, XC_TA_FUTEX_HASH);
	assert_int_equal(ta.futex_hash_slots, 0);
	m.misc.futex_hash = 64;
	convert(&m, &ta);
	assert_int_equal(ta.futex_hash_slots, 64);
	m.misc.futex_hash = -EINVAL;
	convert(&m, &ta);
	assert_int_equal(ta.flags, 0);
	assert_null(xc_attrs_refusal(&m));
	m.misc.futex_hash = -EFAULT;
	assert_non_null(strstr(xc_attrs_refusal(&m), "PR_FUTEX_HASH"));
}

/* Per thread: the answers into THREAD; a question the kernel does not
 * know reads as the default, one it refused to answer refuses the dump. */
static void test_thread_attrs(void **state)
{
	struct xc_pthread_state ps = { .securebits = 0x10, .mce_kill = 1, .pdeathsig = 12,
				       .tsc = 2, .spec = { 1 | 4, 2, 8 } };
	struct xc_rec_thread t;

	(void)state;
	memset(&t, 0xee, sizeof(t));
	xc_thread_attrs_from_ps(&ps, &t);
	assert_int_equal(t.pdeathsig, 12);
	assert_int_equal(t.tsc, 2);
	assert_int_equal(t.mce_kill, 1);
	assert_int_equal(t.securebits, 0x10);
	assert_int_equal(t.spec[0], 5);
	assert_int_equal(t.spec[2], 8);
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.tsc = -EINVAL;			/* not x86 */
	ps.mce_kill = -EINVAL;
	ps.spec[2] = -ENODEV;			/* no L1D flush control */
	xc_thread_attrs_from_ps(&ps, &t);
	assert_int_equal(t.tsc, 0);
	assert_int_equal(t.mce_kill, 2);	/* the default */
	assert_int_equal(t.spec[2], 0);
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.spec[1] = -EPERM;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "SPECULATION"));
	ps.spec[1] = 0;
	ps.pdeathsig = -EFAULT;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "PDEATHSIG"));
	ps.pdeathsig = 0;
	ps.mce_kill = -EPERM;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "MCE"));
}

/* The NUMA policy: mode and flags with their nodes; a kernel without NUMA
 * reads as the default, more than 64 nodes is refused. */
static void test_mempolicy(void **state)
{
	struct xc_pthread_state ps = { .mempolicy = (1 << 15) | 2, .mempolicy_nodes = 5 };
	struct xc_rec_thread t;

	(void)state;
	memset(&t, 0xee, sizeof(t));
	xc_thread_attrs_from_ps(&ps, &t);
	assert_int_equal(t.mempolicy, (1 << 15) | 2);
	assert_int_equal(t.mempolicy_nodes, 5);
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.mempolicy = -ENOSYS;
	xc_thread_attrs_from_ps(&ps, &t);
	assert_int_equal(t.mempolicy, 0);
	assert_int_equal(t.mempolicy_nodes, 0);
	assert_null(xc_thread_attrs_refusal(&ps));
	ps.mempolicy = -EINVAL;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "64 nodes"));
	ps.mempolicy = -EFAULT;
	assert_non_null(strstr(xc_thread_attrs_refusal(&ps), "get_mempolicy"));
}

/* numa_maps shows a mapping's own policy or, where it has none, the
 * thread's: which mappings have one of their own. */
static void test_numa_maps(void **state)
{
	const char *dflt = "55d0c0a00000 default file=/usr/bin/x mapped=2 N0=2 kernelpagesize_kB=4\n"
			   "7f0000000000 default anon=1 dirty=1 N0=1 kernelpagesize_kB=4\n";
	const char *own = "55d0c0a00000 default file=/usr/bin/x mapped=2 N0=2\n"
			  "7f0000001000 bind:0 anon=1 dirty=1 N0=1\n"
			  "7f0000002000 default\n";
	const char *thread = "55d0c0a00000 bind=static:0 file=/usr/bin/x\n"
			     "7f0000000000 bind=static:0 anon=1\n";
	const char *thread_own = "55d0c0a00000 bind=static:0 file=/usr/bin/x\n"
				 "7f0000003000 interleave:0 anon=1\n";

	(void)state;
	assert_int_equal(xc_numa_maps_own_policy(dflt, true), 0);
	assert_int_equal(xc_numa_maps_own_policy(own, true), 0x7f0000001000ull);
	assert_int_equal(xc_numa_maps_own_policy(thread, false), 0);
	assert_int_equal(xc_numa_maps_own_policy(thread_own, false), 0x7f0000003000ull);
	assert_int_equal(xc_numa_maps_own_policy("", true), 0);		/* no mappings */
	assert_int_equal(xc_numa_maps_own_policy("garbage\n\n", true), 0);
}

/* /proc/PID/autogroup: its nice value, or a malformed file. */
static void test_autogroup(void **state)
{
	int nice = 99;

	(void)state;
	assert_int_equal(xc_autogroup_nice("/autogroup-1683 nice 0\n", &nice), 0);
	assert_int_equal(nice, 0);
	assert_int_equal(xc_autogroup_nice("/autogroup-7 nice -5\n", &nice), 0);
	assert_int_equal(nice, -5);
	assert_int_equal(xc_autogroup_nice("/autogroup-7 nice \n", &nice), -EINVAL);
	nice = 5;
	assert_int_equal(xc_autogroup_nice("", &nice), 0);
	assert_int_equal(nice, 0);
	assert_int_equal(xc_autogroup_nice("/autogroup-7\n", &nice), -EINVAL);
	assert_int_equal(xc_autogroup_nice("/autogroup-7 nice 40\n", &nice), -EINVAL);
}

/* PR_SET_IO_FLUSHER sets both flags; either alone is the kernel's own. */
static void test_io_flusher(void **state)
{
	(void)state;
	assert_false(xc_io_flusher(0x00400040));
	assert_false(xc_io_flusher(0x00080000));
	assert_false(xc_io_flusher(0x00100000));
	assert_true(xc_io_flusher(0x00580140));
}

/* Only a control the thread could change is set again, to the state it
 * had; the system's mitigation mode is left to the kernel. */
static void test_spec_state(void **state)
{
	(void)state;
	assert_int_equal(rst_spec_state(0), 0);		/* not affected */
	assert_int_equal(rst_spec_state(2), 0);		/* enabled, not controllable */
	assert_int_equal(rst_spec_state(8), 0);		/* forced by the system */
	assert_int_equal(rst_spec_state(1 | 2), 2);	/* PR_SPEC_PRCTL | ENABLE */
	assert_int_equal(rst_spec_state(1 | 4), 4);	/* DISABLE */
	assert_int_equal(rst_spec_state(1 | 8), 8);	/* FORCE_DISABLE */
	assert_int_equal(rst_spec_state(1 | 4 | 8), 8);
	assert_int_equal(rst_spec_state(1 | 16), 16);	/* DISABLE_NOEXEC */
}

#define ALL 0x1ffffffffffull	/* capabilities 0-40 */
#define BIT(c) (1ull << (c))

/* Restoring as root: the saved sets come back as long as xckpt holds what
 * they need; fewer capabilities, a smaller bounding set, inheritable ones
 * outside it are all fine. */
static void test_caps_root(void **state)
{
	const struct rst_caps root = { ALL, ALL, 0, ALL, 0 };
	struct xc_rec_creds c = { .cap_eff = ALL, .cap_prm = ALL, .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_eff = c.cap_prm = ALL & ~BIT(13);
	c.cap_bnd = ALL & ~BIT(22);
	c.cap_inh = c.cap_amb = BIT(10);
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_inh = BIT(22);		/* dropped from the bounding set after */
	assert_null(rst_caps_refusal(&c, &root, true));
	c.cap_prm = BIT(41);		/* a capability xckpt lacks */
	assert_non_null(strstr(rst_caps_refusal(&c, &root, true), "xckpt lacks"));
}

/* Root without CAP_SETPCAP sets no bounding set and no inheritable
 * capability outside its permitted set. */
static void test_caps_root_without_setpcap(void **state)
{
	const struct rst_caps own = { ALL & ~BIT(8), ALL & ~BIT(8), 0, ALL, 0 };
	struct xc_rec_creds c = { .cap_eff = BIT(1), .cap_prm = BIT(1), .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &own, true));
	c.cap_bnd = ALL & ~BIT(22);
	assert_non_null(strstr(rst_caps_refusal(&c, &own, true), "CAP_SETPCAP"));
	c.cap_bnd = ALL;
	c.cap_inh = BIT(8);
	assert_non_null(rst_caps_refusal(&c, &own, true));
}

/* Not as root (a user restoring, or root restoring a user's image as that
 * user): the process runs with no capability and xckpt's bounding set, so
 * it must have had exactly that. */
static void test_caps_user(void **state)
{
	const struct rst_caps user = { BIT(40), BIT(40), 0, ALL, 0 };	/* CAP_CHECKPOINT_RESTORE */
	struct xc_rec_creds c = { .cap_bnd = ALL };

	(void)state;
	assert_null(rst_caps_refusal(&c, &user, false));
	c.cap_amb = c.cap_inh = c.cap_prm = BIT(10);
	assert_non_null(strstr(rst_caps_refusal(&c, &user, false), "only a restore by root"));
	c.cap_amb = c.cap_prm = 0;
	assert_non_null(rst_caps_refusal(&c, &user, false));
	c.cap_inh = 0;
	c.cap_bnd = ALL & ~BIT(22);
	assert_non_null(strstr(rst_caps_refusal(&c, &user, false), "bounding set"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_unknown_and_refused),
		cmocka_unit_test(test_securebits),
		cmocka_unit_test(test_dumpable_mlockall_ksm),
		cmocka_unit_test(test_futex_hash),
		cmocka_unit_test(test_thread_attrs),
		cmocka_unit_test(test_mempolicy),
		cmocka_unit_test(test_io_flusher),
		cmocka_unit_test(test_numa_maps),
		cmocka_unit_test(test_autogroup),
		cmocka_unit_test(test_spec_state),
		cmocka_unit_test(test_caps_root),
		cmocka_unit_test(test_caps_root_without_setpcap),
		cmocka_unit_test(test_caps_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
