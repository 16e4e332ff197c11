# Process trees: every process of a tree dumped at one moment and restored
# with its pid, parent, group and session; zombies, pipes and shared memory
# between the processes. Sourced by run.sh.

tree_pids() {	# PID: it and all its descendants, parents first
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{ pid = $1; sub(/.*\) /, ""); split($0, f, " "); kids[f[2]] = kids[f[2]] " " pid }
		END {
			q[1] = root; n = 1
			for (i = 1; i <= n; i++) {
				printf "%s%s", (i > 1 ? " " : ""), q[i]
				m = split(kids[q[i]], c, " ")
				for (j = 1; j <= m; j++) q[++n] = c[j]
			}
			print ""
		}'
}

tree_ids() {	# PIDS...: "pid ppid pgid sid state-class" per process
	local p st
	for p in "$@"; do
		st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || { echo "$p gone"; continue; }
		set -- $st
		echo "$p $2 $3 $4 $([ "$1" = Z ] && echo zombie || echo live)"
	done
}

gone() {	# PIDS...: each is gone (killed processes are reaped by init)
	local p i
	for p in "$@"; do
		for ((i = 0; i < 100; i++)); do
			kill -0 "$p" 2>/dev/null || continue 2
			sleep 0.05
		done
		fail "$p still alive after the dump"
	done
}

live_pids() {	# PIDS...: those that are not zombies
	local p
	for p in "$@"; do
		grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null || echo "$p"
	done
}

# The before/after comparison (lib.sh), for every process of a tree.
snap_tree_before() {	# PIDS...
	local p
	[ -n "${SNAP_SKIP:-}" ] && return 0
	for p in $(live_pids "$@"); do snap "$p" "$T/snap.before.$p"; done
}
snap_tree_check() {	# PIDS...: compared with snap_tree_before's
	local p
	[ -n "${SNAP_SKIP:-}" ] && return 0
	for p in "$@"; do
		[ -f "$T/snap.before.$p" ] || continue
		snap "$p" "$T/snap.after.$p"
		snap_compare "$T/snap.before.$p" "$T/snap.after.$p" "in pid $p after restore"
	done
}

dump_restore_tree() {	# the tree $pids of $VPID: compared before the dump and after restore
	snap_tree_before $pids
	dump_kill
	gone $pids
	restore_bg
	rpid=$RPID
	snap_tree_check $pids
}

finish_tree() {	# ROOT XCKPT: the victim ends its checks; it and xckpt restore pass
	local status
	kill -USR1 "$1"
	wait "$2"
	status=$?
	grep -q '^PASS' "$T/out" || fail "victim did not pass (status $status)"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
	pass
}

untraced() {	# PIDS...: each is running and traced by nobody
	local p
	for p in "$@"; do
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$p/status" || fail "$p still traced"
	done
}

t_tree_family() {	# parent, children, grandchild, zombie; sessions and groups kept
	start setsid "$VICTIMS/tree" family "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 5 ] || fail "victim tree: $pids"
	before=$(tree_ids $pids)
	echo "$before" | grep -q zombie || fail "no zombie: $before"
	dump_restore_tree
	after=$(tree_ids $pids)
	# The root was a child of the test's shell; now it is xckpt restore's.
	[ "$(echo "$after" | sed "1s/^$VPID [0-9]*/$VPID P/")" = \
	  "$(echo "$before" | sed "1s/^$VPID [0-9]*/$VPID P/")" ] ||
		fail "ids differ: before
$before
after
$after"
	[ "$(echo "$after" | head -1 | cut -d' ' -f2)" = "$rpid" ] || fail "root's parent is not xckpt"
	finish_tree "$VPID" "$rpid"
}

t_tree_two_roots() {	# --pid twice: two unrelated trees in one image
	start setsid "$VICTIMS/tree" family "$T"
	v1=$VPID
	mkdir "$T/2"
	T0=$T; T=$T/2
	start setsid "$VICTIMS/tree" family "$T"
	T=$T0; v2=$VPID
	pids="$(tree_pids "$v1") $(tree_pids "$v2")"
	PIDS+=($pids)
	before=$(tree_ids $pids)
	"$XCKPT" dump --pid "$v1" --pid "$v2" -D "$T/img" 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	wait "$v1" "$v2" 2>/dev/null
	"$XCKPT" restore -D "$T/img" 2>"$T/restore.err" &
	rpid=$!
	PIDS+=("$rpid")
	# Until the restore has set every id (or 10 s): the processes exist
	# before their sessions and groups are back.
	for ((i = 0; i < 200; i++)); do
		after=$(tree_ids $pids)
		[ "$(echo "$after" | awk '{ $2 = ""; print }')" = "$(echo "$before" | awk '{ $2 = ""; print }')" ] && break
		sleep 0.05
	done
	[ "$(echo "$after" | awk '{ $2 = ""; print }')" = "$(echo "$before" | awk '{ $2 = ""; print }')" ] ||
		fail "ids differ: before
$before
after
$after"
	kill -USR1 "$v1" "$v2"
	wait "$rpid" || fail "xckpt restore exited $?: $(cat "$T/restore.err")"
	grep -q '^PASS' "$T/out" && grep -q '^PASS' "$T/2/out" || fail "victims did not pass"
	pass
}

t_tree_bad_child() {	# one unsupported object in a grandchild: named; the whole tree left as it was
	start /usr/bin/python3 -c '
import os, socket, sys, time
os.closerange(3, 4096)
r, w = os.pipe()
a = os.fork()
if a == 0:
    os.close(r)
    b = os.fork()
    if b == 0:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        open(sys.argv[1] + "/grandchild", "w").write("%d %d" % (os.getpid(), s.fileno()))
        os.close(w)
        time.sleep(600)
        os._exit(0)
    os.close(w)
    time.sleep(600)
    os._exit(0)
os.close(w)
os.read(r, 1)
os.close(r)
open(sys.argv[1] + "/ready", "w").write(str(os.getpid()))
time.sleep(600)' "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	read -r gc sfd <"$T/grandchild"
	maps_before=$(for p in $pids; do cat "/proc/$p/maps"; done)
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $gc: fd $sfd (socket:\[[0-9]*\]): .*not supported" ||
		fail "unclear error: $out"
	[ -e "$T/img" ] && fail "image directory created"
	untraced $pids
	[ "$(for p in $pids; do cat "/proc/$p/maps"; done)" = "$maps_before" ] || fail "maps changed"
	for p in $pids; do
		grep -q '^State:[[:space:]]*[RS]' "/proc/$p/status" || fail "$p not running"
	done
	pass
}

t_tree_pidns() {	# --pidns while the original pids are taken: same pids inside
	start setsid "$VICTIMS/tree" family "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 1 ] || fail "restore over taken pids: exit 1 expected: $out"
	echo "$out" | grep -q "pid [0-9]*: process: pid is in use" || fail "unclear error: $out"
	RESTORE_OPTS=--pidns restore_bg
	rpid=$RPID
	new=$(cat "$T/pidfile")
	[ "$new" != "$VPID" ] || fail "restored root has the original pid outside the namespace"
	grep -q "^NSpid:[[:space:]]*$new[[:space:]]*$VPID\$" "/proc/$new/status" ||
		fail "root's pid in the namespace: $(grep NSpid "/proc/$new/status")"
	# The originals go: only the restored tree writes from now on.
	kill -9 $pids
	sleep 0.2
	: >"$T/out"
	# The victim checks its ids (taken before the dump) from inside.
	finish_tree "$new" "$rpid"
}

cgroup_case() {	# HIERARCHY: a tree started inside a new cgroup, dumped by --cgroup
	CG=/sys/fs/cgroup/$1/xckpt-test-$$-${T##*.}
	mkdir "$CG" || fail "mkdir $CG"
	trap 'cleanup; rmdir "$CG" 2>/dev/null' EXIT
	start sh -c 'echo $$ >"$1/cgroup.procs" && exec setsid "$2" family "$3"' sh "$CG" "$VICTIMS/tree" "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(wc -l <"$CG/cgroup.procs")" = 4 ] || fail "cgroup holds: $(cat "$CG/cgroup.procs")"
	before=$(tree_ids $pids)
	"$XCKPT" dump --cgroup "$CG" -D "$T/img" 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	wait "$VPID" 2>/dev/null
	gone $pids
	restore_bg
	rpid=$RPID
	after=$(tree_ids $pids)
	[ "$(echo "$after" | sed 1d)" = "$(echo "$before" | sed 1d)" ] || fail "ids differ: before
$before
after
$after"
	finish_tree "$VPID" "$rpid"
}
t_tree_cgroup_v1() { cgroup_case pids; }
t_tree_cgroup_v2() { cgroup_case unified; }

ring_start() {	# a 128-process ring, 4 tokens going round 30 times, then until $T/finish
	start "$VICTIMS/tree" ring "$T" 128 4 3840 hold
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 128 ] || fail "ring has $(echo $pids | wc -w) processes"
}

t_tree_ring() {	# 128 processes, tokens in flight in the pipes: none lost, none doubled
	# The pipes are new pipes: their inode numbers, and the links that name
	# them, change; the ring's own checks prove each joins the same two
	# processes with the same data.
	SNAP_IGNORE='^fd\.[0-9]+\.(ino|link)$'
	ring_start
	before=$(tree_ids $pids)
	# Three of them compared field by field (inspecting all 128 is slow).
	snap_tree_before $(echo $pids | cut -d' ' -f2,64,128)
	dump_kill
	gone $pids
	restore_bg
	rpid=$RPID
	snap_tree_check $(echo $pids | cut -d' ' -f2,64,128)
	after=$(tree_ids $pids)
	[ "$(echo "$after" | sed 1d)" = "$(echo "$before" | sed 1d)" ] || fail "ids differ"
	touch "$T/finish"
	wait "$rpid"
	status=$?
	grep -q '^PASS' "$T/out" || fail "ring did not pass (status $status)"
	[ "$status" = 0 ] || fail "xckpt restore exited $status"
	pass
}

t_tree_ring_pidns() {	# the same ring restored in a pid namespace while it still runs
	ring_start
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	RESTORE_OPTS=--pidns restore_bg
	rpid=$RPID
	new=$(cat "$T/pidfile")
	grep -q "^NSpid:[[:space:]]*$new[[:space:]]*$VPID\$" "/proc/$new/status" ||
		fail "root's pid in the namespace: $(grep NSpid "/proc/$new/status")"
	[ "$(grep -l "^NSpid:.*[[:space:]]$(echo $pids | cut -d' ' -f128)\$" /proc/[0-9]*/status 2>/dev/null |
	     wc -l)" = 2 ] || fail "the last process of the ring is not there twice (outside and inside)"
	touch "$T/finish"
	wait "$VPID" || fail "the original ring failed"
	wait "$rpid" || fail "the restored ring failed (status $?)"
	[ "$(grep -c '^PASS' "$T/out")" -ge 1 ] || fail "no PASS"
	grep -q FAIL "$T/out" && fail "a ring failed"
	pass
}

t_tree_pipeline() {	# seq | gzip -1 | wc -c, dumped mid-work, gives the right count
	n=100000000
	"$VICTIMS/tree" exec sh -c 'seq 1 "$1" | gzip -1 | wc -c >"$2/result"' sh "$n" "$T" \
		>"$T/out" 2>&1 </dev/null &
	VPID=$!
	PIDS+=("$VPID")
	for ((i = 0; i < 100; i++)); do [ "$(tree_pids "$VPID" | wc -w)" = 4 ] && break; sleep 0.05; done
	sleep 1
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 4 ] || fail "pipeline: $pids"
	[ -s "$T/result" ] && fail "the pipeline ended before the dump"
	SNAP_IGNORE='^fd\.[0-9]+\.(ino|link)$'	# new pipes, as in tree_ring
	dump_restore_tree
	wait "$rpid" || fail "xckpt restore exited $?"
	want=$(seq 1 "$n" | gzip -1 | wc -c)
	[ "$(cat "$T/result")" = "$want" ] || fail "wc -c says $(cat "$T/result"), want $want"
	pass
}

t_tree_make() {	# make -j2 dumped mid-build; the binary it finishes runs right
	mkdir "$T/proj"
	for k in 1 2 3 4 5 6; do
		awk -v k=$k 'BEGIN {
			printf "int f%d(int x)\n{\n\tswitch (x) {\n", k
			for (i = 0; i < 2500; i++)
				printf "\tcase %d: return x * %d + %d + %d;\n", i, i % 97 + 3, i * 7 % 1001, k
			printf "\tdefault: return 0;\n\t}\n}\n" }' >"$T/proj/f$k.c"
	done
	{
		echo '#include <stdio.h>'
		for k in 1 2 3 4 5 6; do echo "int f$k(int x);"; done
		echo 'int main(void) { printf("%d\n", f1(1234) + f2(1234) + f3(1234) + f4(1234) + f5(1234) + f6(1234)); return 0; }'
	} >"$T/proj/main.c"
	printf 'prog: f1.o f2.o f3.o f4.o f5.o f6.o main.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -O2 -c $<\n' \
		>"$T/proj/Makefile"
	"$VICTIMS/tree" exec make -j2 -C "$T/proj" >"$T/out" 2>&1 </dev/null &
	VPID=$!
	PIDS+=("$VPID")
	for ((i = 0; i < 400; i++)); do [ -e "$T/proj/f1.o" ] && break; sleep 0.05; done
	[ -e "$T/proj/f1.o" ] || fail "make did not start compiling"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ -e "$T/proj/prog" ] && fail "make ended before the dump"
	# New pipes (the jobserver), as in tree_ring; and make runs on between
	# the snapshot and the dump, printing the commands it starts.
	# A job that ends between the snapshot and the dump leaves SIGCHLD
	# pending in one and handled in the other.
	SNAP_IGNORE='^fd\.[0-9]+\.(ino|link)$|^fd\.[12]\.pos$|\.status\.ShdPnd$'
	dump_kill
	gone $pids
	restore_bg
	wait "$RPID" || fail "make exited $? after restore: $(cat "$T/out")"
	want=$((6 * (1234 * (1234 % 97 + 3) + 1234 * 7 % 1001) + 21))
	[ "$("$T/proj/prog")" = "$want" ] || fail "prog prints $("$T/proj/prog"), want $want"
	pass
}

t_tree_shared() {	# shared anonymous memory (with an alias), a /dev/shm file, a file offset
	start "$VICTIMS/tree" shared "$T"
	trap 'cleanup; rm -f "/dev/shm/xckpt-tree-$VPID"' EXIT
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 2 ] || fail "victim tree: $pids"
	dump_restore_tree
	finish_tree "$VPID" "$rpid"
}

t_tree_bad_vfork() {	# a vfork child: refused before anything is seized, both left running
	start "$VICTIMS/tree" vfork "$T"
	child=$(cat "$T/ready")
	PIDS+=("$child")
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $child: process (parent $VPID): shares its memory with its parent (vfork" ||
		fail "unclear error: $out"
	untraced "$VPID" "$child"
	pass
}

t_tree_bad_tracer() {	# a process of the tree that traces another: refused, named, left as it was
	start "$VICTIMS/tree" tracer "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	child=$(echo $pids | cut -d' ' -f2)
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: process (tracing $child): a process that traces others is not supported" ||
		fail "unclear error: $out"
	grep -q "^TracerPid:[[:space:]]*$VPID\$" "/proc/$child/status" || fail "the child lost its tracer"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "the tracer is still traced"
	pass
}
