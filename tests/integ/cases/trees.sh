# Process trees: every process of a tree dumped at one moment and restored
# with its pid, parent, group and session; zombies, pipes and shared memory
# between the processes. Sourced by run.sh.

tree_pids() {	# PID: it and all its descendants, parents first
	local q=("$1") out=() p
	while [ ${#q[@]} -gt 0 ]; do
		p=${q[0]}; q=("${q[@]:1}"); out+=("$p")
		for c in $(awk -v pp="$p" '{ sub(/.*\) /, ""); split($0, f, " "); if (f[2] == pp) print FILENAME }' \
			/proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3); do
			q+=("$c")
		done
	done
	echo "${out[@]}"
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
	snap_tree_before $pids
	dump_kill
	gone $pids
	restore_bg
	rpid=$RPID
	snap_tree_check $pids
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
	for ((i = 0; i < 100; i++)); do kill -0 "$v2" 2>/dev/null && break; sleep 0.05; done
	after=$(tree_ids $pids)
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
