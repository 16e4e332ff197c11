# Exactness: what a process can observe of itself comes back as it was.
# The before/after comparison itself (lib.sh snap/snap_check, inspect.c)
# is tested here too: it must see a change, and must not cause one.
t_snap_detects() {	# a changed attribute of each source is found and named
	start /usr/bin/python3 -c '
import ctypes, os, signal, sys, time
os.closerange(3, 4096)
libc = ctypes.CDLL(None, use_errno=True)
def change(*a):
    libc.prctl(29, 123456)              # PR_SET_TIMERSLACK
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
signal.signal(signal.SIGUSR1, change)
while True:
    time.sleep(60)' "$T"
	SNAP_KNOWN='^$'		# the comparison itself is under test: hide nothing
	snap_before
	snap_check "with nothing changed"
	echo 321 >"/proc/$VPID/oom_score_adj"
	renice -n 3 -p "$VPID" >/dev/null
	kill -USR1 "$VPID"
	sleep 0.3
	out=$(snap_check "on purpose" 2>&1) && fail "changes not detected"
	for f in proc.oom_score_adj "t$VPID.stat.nice" "t$VPID.prctl.TIMERSLACK" \
		"t$VPID.timerslack_ns" sigaction.1 "t$VPID.status.SigIgn"; do
		echo "$out" | grep -q "^$f: before" || fail "$f not named: $out"
	done
	pass
}
t_snap_quiet() {	# inspecting a process disturbs it in no way it can see
	start "$VICTIMS/quiet" "$T"
	snap_before
	for i in $(seq 10); do snap "$VPID" "$T/snap.$i"; done
	snap_check "after 10 inspections"
	kill -USR2 "$VPID"
	wait_for "$T/out"
	sleep 0.1
	snap_before		# it wrote to its stdout meanwhile
	for i in $(seq 10); do snap "$VPID" "$T/snap.$i"; done
	snap_check "after 10 more inspections in pause()"
	kill -USR1 "$VPID"
	for ((i = 0; i < 300; i++)); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.05; done
	grep -q "^nanosleep -1 Interrupted system call sig 12 left 99[0-9]$" "$T/out" ||
		fail "nanosleep disturbed: $(cat "$T/out")"
	grep -q "^pause -1 Interrupted system call sig 10$" "$T/out" ||
		fail "pause disturbed: $(cat "$T/out")"
	pass
}

# Start the attrs victim with MODE..., dump, kill, restore (the comparison
# runs in restore_bg), and let it check its attributes itself.
attrs_case() {	# MODE...
	attrs_ignore "$@"
	start "$VICTIMS/attrs" "$T" "$@"
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_kill
	attrs_finish
}
# A 20 ms periodic timer's SIGALRM is pending or not at any moment.
attrs_ignore() {
	case " $* " in
	*" itimer "* | *" all "*) SNAP_IGNORE='\.status\.(ShdPnd|SigPnd)$' ;;
	esac
}
attrs_finish() {
	local rpid status
	restore_bg
	rpid=$RPID
	kill -USR2 "$VPID"
	wait "$rpid"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore (status $status): $(cat "$T/out")"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
}
t_attr_timerslack() { attrs_case timerslack; pass; }	# 50123 ns, not the default
t_attr_sigtrap() { attrs_case sigtrap; pass; }	# its own SIGTRAP handler survives
t_attr_itimer_loop() {	# a 20 ms periodic timer keeps its period across 50 dumps
	local status
	attrs_ignore itimer
	start "$VICTIMS/attrs" "$T" itimer
	for i in $(seq 50); do
		dump_kill
		restore_bg
		rm -rf "$T/img"
	done
	kill -USR2 "$VPID"
	wait "$RPID"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass after 50 restores (status $status): $(cat "$T/out")"
	pass
}
t_attr_all_leave_running() {	# the same, the original left running and compared
	attrs_ignore all
	start "$VICTIMS/attrs" "$T" all
	dump_leave_running
	kill -USR2 "$VPID"
	wait "$VPID" || fail "original failed after the dump: $(cat "$T/out")"
	: >"$T/out"
	attrs_finish
	pass
}
t_attr_thp_disable() { attrs_case thp; pass; }
t_attr_subreaper() { attrs_case subreaper; pass; }
t_attr_oom_score_adj() { attrs_case oom; pass; }	# 400, not xckpt's
t_attr_loginuid() { attrs_case loginuid; pass; }
t_attr_membarrier() { attrs_case membarrier; pass; }	# registered: no EPERM after restore
t_attr_all() {	# every attribute at once
	attrs_case all
	pass
}
t_attr_vmflags() { attrs_case vmflags; pass; }	# every VmFlag user space sets, MAP_NORESERVE, lock-on-fault and KSM included
t_attr_ioprio() { attrs_case ioprio; pass; }	# best effort level 5, not xckpt's
t_attr_tsc() { attrs_case tsc; pass; }	# rdtsc still faults
t_attr_mce() { attrs_case mce; pass; }	# early machine-check kill
t_attr_coredump_filter() { attrs_case coredump; pass; }
t_attr_dumpable() { attrs_case dumpable; pass; }	# not dumpable, set by the process itself
t_attr_keepcaps() { attrs_case keepcaps; pass; }	# SECBIT_KEEP_CAPS, the one securebit restored
t_attr_sched() { attrs_case sched; pass; }	# SCHED_BATCH with SCHED_RESET_ON_FORK
t_attr_futex_hash() { attrs_case futexhash; pass; }	# 64 slots of its own choosing
t_attr_mempolicy() { attrs_case mempolicy; pass; }	# MPOL_BIND with MPOL_F_STATIC_NODES
t_attr_mlockall() { attrs_case mlockall; pass; }	# MCL_FUTURE | MCL_ONFAULT: new mappings locked on fault
t_attr_mlockall_now() { attrs_case mlockall_now; pass; }	# MCL_FUTURE alone: new mappings locked and populated
t_attr_pdeathsig() {	# its parent's death still signals it; restored, xckpt restore is that parent
	attrs_ignore pdeathsig
	start "$VICTIMS/attrs" "$T" pdeathsig
	dump_kill
	restore_bg
	kill -9 "$RPID"
	for ((i = 0; i < 100; i++)); do grep -q '^PASS\|^FAIL' "$T/out" && break; sleep 0.05; done
	grep -q '^PASS' "$T/out" || fail "victim did not pass when its parent died: $(cat "$T/out")"
	pass
}
# The dump fails naming what it refuses, and leaves the target as it was.
dump_refused() {	# ERROR-REGEX
	local out
	snap_before
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1) && fail "dumped: $out"
	echo "$out" | grep -q "$1" || fail "unclear error: $out"
	snap_check "after the refused dump"
}
t_attr_mbind_refused() {	# a mapping's own NUMA policy would be lost: refused by name, left running
	start "$VICTIMS/attrs" "$T" mbind
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_refused "dump pid $VPID: mapping at 0x[0-9a-f]*: a NUMA memory policy of the mapping's own (mbind) is not restored yet"
	kill -USR2 "$VPID"
	wait "$VPID" || fail "victim failed after the refused dump: $(cat "$T/out")"
	pass
}
t_attr_autogroup_refused() {	# an autogroup nice value would be lost: refused by name, left running
	# A session of its own, so that the nice value is its autogroup's alone.
	start setsid "$VICTIMS/attrs" "$T" timerslack
	echo 5 >"/proc/$VPID/autogroup" || fail "setup: autogroup"
	dump_refused "dump pid $VPID: autogroup (nice 5): an autogroup nice value is not restored yet"
	pass
}
t_attr_pdeathsig_detach() {	# with --detach it would fire at once: refused, nothing created
	local out
	start "$VICTIMS/attrs" "$T" pdeathsig
	dump_kill
	out=$("$XCKPT" restore -D "$T/img" --detach 2>&1) && fail "restored: $out"
	echo "$out" | grep -q "restore pid $VPID: parent-death signal 12 of thread $VPID: it would fire when xckpt exits: restore without --detach" ||
		fail "unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	pass
}

# Capabilities. A python victim that, on SIGUSR2, binds a port below 1024
# (which needs CAP_NET_BIND_SERVICE), prints PASS when it could exactly as
# argv[2] says (yes/no), and exits.
CAPS_VICTIM='
import ctypes, os, signal, socket, sys, time
os.closerange(3, 4096)
def check(*a):
    ok = False
    for port in range(600 + os.getpid() % 300, 1000):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            ok = True
            break
        except PermissionError:
            break
        except OSError:
            continue
        finally:
            s.close()
    print("PASS" if ok == (sys.argv[2] == "yes") else "FAIL: bind below 1024: %s" % ok, flush=True)
    os._exit(0)
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[3:] == ["reduce"]:	# root: CAP_NET_RAW (13) out of every set, CAP_SYS_BOOT (22) out of the bounding set
    hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    libc.capget(hdr, data)
    for i in (0, 1, 2):
        data[i] &= ~(1 << 13)
    data[2] |= 1 << 21	# CAP_SYS_ADMIN inheritable
    assert libc.capset(hdr, data) == 0
    assert libc.prctl(24, 22, 0, 0, 0) == 0	# PR_CAPBSET_DROP
if sys.argv[3:] == ["securebits"]:
    assert libc.prctl(28, 1, 0, 0, 0) == 0	# PR_SET_SECUREBITS SECBIT_NOROOT
signal.signal(signal.SIGUSR2, check)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
while True:
    time.sleep(60)
'
caps_start() {	# CAN_BIND MODE START-PREFIX...
	local want=$1 mode=$2
	shift 2
	chmod 777 "$T"	# the victim writes its ready file there
	start "$@" /usr/bin/python3 -c "$CAPS_VICTIM" "$T" "$want" $mode
}
t_caps_user() {	# a process of another user with an ambient capability keeps it, and no more
	caps_start yes "" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+net_bind_service --ambient-caps=+net_bind_service
	grep -q '^CapAmb:[[:space:]]*0*400$' "/proc/$VPID/status" || fail "setup: $(grep Cap "/proc/$VPID/status")"
	dump_kill
	attrs_finish
	pass
}
t_caps_user_none() {	# and one without any gets none
	caps_start no "" setpriv --reuid=65534 --regid=65534 --clear-groups
	dump_kill
	attrs_finish
	pass
}
t_caps_root_reduced() {	# a root process that gave up capabilities does not get them back
	caps_start yes reduce env
	grep -q '^CapBnd:.*' "/proc/$VPID/status" || fail "no CapBnd"
	dump_kill
	attrs_finish
	pass
}
# A user's image that root restores (its directory is the user's) comes back
# as that user: a process with capabilities is refused, since the user
# could not have given them; nothing is created.
t_caps_user_image_refused() {
	local out
	caps_start yes "" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+net_bind_service --ambient-caps=+net_bind_service
	dump_kill
	chown -R 65534:65534 "$T/img"
	out=$("$XCKPT" restore -D "$T/img" 2>&1) && fail "restored: $out"
	echo "$out" | grep -q "restore pid $VPID: capabilities (CapPrm 0x400, .*): the process held capabilities" ||
		fail "unclear error: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
	pass
}
t_caps_securebits_refused() {	# securebits would be lost: refused by name, the target left running
	caps_start yes securebits env
	dump_refused "dump pid $VPID: thread $VPID (securebits 0x1): securebits (PR_SET_SECUREBITS) are not restored yet"
	pass
}
