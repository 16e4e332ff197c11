# Shared memory across a tree: System V segments (ids, keys, modes, owners,
# content, read-only and split attachments, segments marked for removal)
# and what is refused. Sourced by run.sh; uses trees.sh's helpers.

shm_cleanup() {	# every segment a test made: by the ids its victims wrote, and by key
	local f a b key
	for f in "$T/ids" "$T/2/ids"; do
		[ -f "$f" ] || continue
		read -r a b key <"$f"
		for id in $a $b; do ipcrm -m "$id" 2>/dev/null; done
		[ -n "${key:-}" ] && ipcrm -M "$key" 2>/dev/null
	done
	return 0
}

shm_start() {	# the sysvshm tree victim: sets pids, A, B, KEY
	CLEANUP_HOOKS+=(shm_cleanup)
	start "$VICTIMS/sysvshm" tree "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 2 ] || fail "victim tree: $pids"
	read -r A B KEY <"$T/ids"
}

shm_exists() {	# ID: a segment with that id is in the namespace
	awk -v id="$1" 'NR > 1 && $2 == id { found = 1 } END { exit !found }' /proc/sysvipc/shm
}

t_shm_sysv_tree() {	# both segments back with their ids, content and sharing; B taken again
	shm_start
	snap_tree_before $pids
	dump_kill
	gone $pids
	# A was marked for removal: it went with the processes. B outlives
	# them; what is written into it now is undone by the restore.
	"$XCKPT" show -D "$T/img" >"$T/show" || fail "show: $(cat "$T/show")"
	grep -q "id $A, key 0, 12388 bytes, mode 0640, owner 1:2, marked for removal" "$T/show" &&
		grep -q "id $B, key $(printf '%#x' "$KEY"), 1048576 bytes, mode 0600, owner 0:0, locked" "$T/show" ||
		fail "show: $(grep -A3 'System V' "$T/show")"
	shm_exists "$A" && fail "segment A ($A) survived its processes"
	shm_exists "$B" || fail "segment B ($B) is gone"
	"$VICTIMS/sysvshm" scribble "$KEY" || fail "scribble into B"
	restore_bg
	rpid=$RPID
	snap_tree_check $pids
	shm_exists "$A" || fail "segment A ($A) not made again with its id"
	finish_tree "$VPID" "$rpid"
}

t_shm_sysv_key_taken() {	# the key of a segment taken at restore: refused before anything is made
	shm_start
	dump_kill
	gone $pids
	ipcrm -m "$B" || fail "remove B"
	mkdir "$T/2"
	T0=$T; T=$T/2
	start "$VICTIMS/sysvshm" attach "$KEY" "$T"
	T=$T0; holder=$VPID; VPID=$(echo $pids | cut -d' ' -f1)
	other=$(awk -v k="$(printf '%d' "$KEY")" 'NR > 1 && $1 == k { print $2 }' /proc/sysvipc/shm)
	[ -n "$other" ] || fail "the holder's segment is not there"
	echo "$other 0" >"$T/2/ids"
	before=$(wc -l </proc/sysvipc/shm)
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 1 ] || fail "expected exit 1: $out"
	echo "$out" | grep -q "System V segment $B (key $(printf '%#x' "$KEY")): key is taken by segment $other" ||
		fail "unclear error: $out"
	[ "$(wc -l </proc/sysvipc/shm)" = "$before" ] || fail "a segment was made: $(cat /proc/sysvipc/shm)"
	for p in $pids; do kill -0 "$p" 2>/dev/null && fail "process $p was made"; done
	kill -9 "$holder"
	wait "$holder" 2>/dev/null
	ipcrm -m "$other" || fail "remove the holder's segment"
	# Both made again, with their ids, once the key is free.
	restore_bg
	rpid=$RPID
	shm_exists "$A" && shm_exists "$B" || fail "segments not made again: $(cat /proc/sysvipc/shm)"
	finish_tree "$VPID" "$rpid"
}

t_shm_sysv_in_use() {	# restored while the dumped tree still runs: refused, named; it goes on
	shm_start
	"$XCKPT" dump --pid "$VPID" -D "$T/img" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	untraced $pids
	out=$("$XCKPT" restore -D "$T/img" --pidns 2>&1)
	[ $? = 1 ] || fail "expected exit 1: $out"
	echo "$out" | grep -Eq "System V segment ($A \(key 0\)|$B \(key $(printf '%#x' "$KEY")\)): still attached \([0-9]+ mappings" ||
		fail "unclear error: $out"
	kill -USR1 "$VPID"
	wait "$VPID" || fail "the dumped tree failed after the refused restore"
	grep -q '^PASS' "$T/out" || fail "victim did not pass"
	pass
}

t_shm_sysv_outside() {	# a segment also attached outside the tree: refused, the tree left running
	shm_start
	mkdir "$T/2"
	T0=$T; T=$T/2
	start "$VICTIMS/sysvshm" attach "$KEY" "$T"
	T=$T0; holder=$VPID; VPID=$(echo $pids | cut -d' ' -f1)
	maps_before=$(for p in $pids; do cat "/proc/$p/maps"; done)
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "System V segment $B (key $(printf '%#x' "$KEY")): also attached outside the dump (4 mappings, 3 in the tree)" ||
		fail "unclear error: $out"
	[ -e "$T/img" ] && fail "image directory created"
	untraced $pids
	[ "$(for p in $pids; do cat "/proc/$p/maps"; done)" = "$maps_before" ] || fail "maps changed"
	# The outside attachment goes, so that the tree's own count is as before.
	kill -9 "$holder"
	wait "$holder" 2>/dev/null
	kill -USR1 "$VPID"
	wait "$VPID" || fail "the tree failed after the refused dump"
	grep -q '^PASS' "$T/out" || fail "victim did not pass"
	pass
}

t_shm_sysv_part() {	# an attachment with a page unmapped: refused, named
	CLEANUP_HOOKS+=(shm_cleanup)
	start "$VICTIMS/sysvshm" part "$T"
	read -r id addr <"$T/ids"
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: System V segment $id (mapping $addr-[0-9a-f]*): attached in part" ||
		fail "unclear error: $out"
	untraced "$VPID"
	pass
}

t_shm_tree_shared() {	# anonymous shared memory, a SysV segment, a /dev/shm file, a file offset
	start "$VICTIMS/tree" shared "$T" sysv
	CLEANUP_HOOKS+=(shm_tree_cleanup)
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 2 ] || fail "victim tree: $pids"
	dump_restore_tree
	finish_tree "$VPID" "$rpid"
}
shm_tree_cleanup() { rm -f "/dev/shm/xckpt-tree-$VPID"; }

t_tree_new_session() {	# --new-session: a tree started from a shell gets a session of its own
	start "$VICTIMS/tree" shared "$T"
	CLEANUP_HOOKS+=(shm_tree_cleanup)
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	child=$(echo $pids | cut -d' ' -f2)
	[ -n "$child" ] || fail "victim tree: $pids"
	before=$(tree_ids $pids)
	# Dumped in the test's session and group, which stay outside the tree.
	[ "$(echo "$before" | awk '{ print $3 $4 }' | sort -u | wc -l)" = 1 ] &&
		[ "$(echo "$before" | head -1 | cut -d' ' -f3)" != "$VPID" ] ||
		fail "the victims lead a group or session of their own: $before"
	# Those two fields change, on purpose: a session and group of its own.
	SNAP_IGNORE='\.(stat\.(session|pgrp|tpgid|tty_nr)|status\.NS(sid|pgid))$'
	snap_tree_before $pids
	dump_kill
	gone $pids
	RESTORE_OPTS=--new-session restore_bg
	rpid=$RPID
	snap_tree_check $pids
	after=$(tree_ids $pids)
	[ "$after" = "$VPID $rpid $VPID $VPID live
$child $VPID $VPID $VPID live" ] || fail "ids after restore: $after (xckpt restore is $rpid)"
	[ "$(cut -d' ' -f6 "/proc/$rpid/stat")" != "$VPID" ] || fail "xckpt restore joined the new session"
	[ "$(sed 's/.*) //' "/proc/$VPID/stat" | cut -d' ' -f5)" = 0 ] || fail "the new session has a terminal"
	finish_tree "$VPID" "$rpid"
}

t_tree_python_procpool() {	# python3 ProcessPoolExecutor and threads, dumped mid-work
	start /usr/bin/python3 "$SRC/victims/procpool.py" "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" -ge 3 ] || fail "no pool: $pids"
	grep -q '/dev/shm/sem\..* (deleted)' "/proc/$(echo $pids | cut -d' ' -f2)/maps" ||
		fail "the workers map no semaphore"
	# New pipes, as in tree_ring.
	SNAP_IGNORE='^fd\.[0-9]+\.(ino|link)$'
	dump_restore_tree
	[ -s "$T/result" ] && fail "finished before the dump"
	wait "$rpid" || fail "restored python exited $?: $(cat "$T/out")"
	n=$((8 * 400000))
	[ "$(cat "$T/result")" = "$(python3 -c "n = $n; print((n * (n - 1) // 2) ** 2 * 2)")" ] ||
		fail "wrong result: $(cat "$T/result")"
	pass
}

t_tree_cow() {	# private memory shared since fork: stored once, right in both, private again
	start "$VICTIMS/cow" "$T" 64
	child=$(cat "$T/child")
	pids="$VPID $child"
	PIDS+=($pids)
	snap_tree_before $pids
	dump_kill
	gone $pids
	parent_bytes=$(stat -c %s "$T/img/pages-$VPID.img")
	child_bytes=$(stat -c %s "$T/img/pages-$child.img")
	# 64 MiB of random bytes: the parent's image holds them; the child's
	# only the page it wrote (and its own stack, heap...).
	[ "$parent_bytes" -gt $((60 << 20)) ] || fail "the parent's pages: $parent_bytes bytes"
	[ "$child_bytes" -lt $((4 << 20)) ] || fail "the child's pages stored again: $child_bytes bytes"
	"$XCKPT" show -D "$T/img" | grep -q "kept in the parent process" || fail "show does not say it"
	restore_bg
	rpid=$RPID
	snap_tree_check $pids
	finish_tree "$VPID" "$rpid"
}
