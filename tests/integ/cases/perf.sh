# The page pipeline: incremental chains, pre-dump, the coding per block.

# Next generation of the pagegen victim, and wait until it is written.
next_gen() {	# N
	kill -USR1 "$VPID"
	wait_for "$T/gen$1"
}

# Restore $T/img, ask the victim to check its memory; it must pass in
# generation $1.
restore_gen() {	# N
	restore_bg
	[ "$(cat "$T/pidfile")" = "$VPID" ] || fail "restored with another pid"
	kill -USR2 "$VPID"
	wait "$RPID"
	grep -qx "PASS gen $1" "$T/out" || fail "memory after restore: $(tail -1 "$T/out")"
}

t_incremental_chain() {	# pre-dump, two incremental dumps; the last restores the latest state
	start "$VICTIMS/pagegen" "$T" 24
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	kill -0 "$VPID" || fail "pre-dump did not leave the target running"
	next_gen 1
	"$XCKPT" dump --pid "$VPID" -D "$T/d1" --parent "$T/d0" --leave-running 2>"$T/dump.err" ||
		fail "dump d1: $(cat "$T/dump.err")"
	next_gen 2
	dump_kill --parent "$T/d1"
	# Each image holds only what changed: a fifth of the pages, and less
	# than half of what the full one holds.
	full=$(du -sk "$T/d0" | cut -f1)
	for d in d1 img; do
		n=$(du -sk "$T/$d" | cut -f1)
		[ "$n" -lt $((full / 2)) ] || fail "$d holds $n KiB, the full image $full KiB"
	done
	"$XCKPT" show -D "$T/img" | grep -q "^parent .*/d1 (chain of 3 images)" ||
		fail "show: $("$XCKPT" show -D "$T/img" | head -5)"
	"$XCKPT" show -D "$T/img" --json | grep -q '"depth":2' || fail "show --json: no depth"
	restore_gen 2
	pass
}

t_incremental_middle() {	# an image in the middle of a chain restores its own state
	start "$VICTIMS/pagegen" "$T" 8
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	next_gen 1
	dump_kill --parent "$T/d0"
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d2" --parent "$T/img" 2>/dev/null &&
		fail "dumped a process that is gone"
	restore_gen 1
	pass
}

t_incremental_bad_parent() {	# missing, replaced or damaged parents are refused, nothing runs
	start "$VICTIMS/pagegen" "$T" 8
	"$XCKPT" dump --pid "$VPID" -D "$T/img" --parent "$T/nothing" -R 2>"$T/dump.err"
	[ $? = 3 ] || fail "dump with a missing parent did not exit 3: $(cat "$T/dump.err")"
	grep -q "nothing: open parent image: No such file" "$T/dump.err" ||
		fail "unclear error: $(cat "$T/dump.err")"
	[ -e "$T/img" ] && fail "image written with a missing parent"
	kill -0 "$VPID" || fail "target died"
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	next_gen 1
	dump_kill --parent "$T/d0"
	refused() {	# WHAT PATTERN: restore of $T/img must fail with exit 3 naming PATTERN
		"$XCKPT" restore -D "$T/img" 2>"$T/restore.err"
		[ $? = 3 ] || fail "$1: restore did not exit 3: $(cat "$T/restore.err")"
		grep -q "$2" "$T/restore.err" || fail "$1: unclear error: $(cat "$T/restore.err")"
		kill -0 "$VPID" 2>/dev/null && fail "$1: a process runs with pid $VPID"
		return 0
	}
	mv "$T/d0" "$T/d0.away"
	refused "missing parent" "d0: open parent image: No such file or directory"
	mv "$T/d0.away" "$T/d0"
	p=$T/d0/pages-$VPID.img
	off=$(($(stat -c %s "$p") / 2))
	b=$(od -An -tu1 -j $off -N1 "$p" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$p" bs=1 seek=$off conv=notrunc 2>/dev/null
	refused "damaged parent" "d0.*pages-$VPID.img: offset .*: Bad message"
	printf "$(printf '\\%03o' "$b")" | dd of="$p" bs=1 seek=$off conv=notrunc 2>/dev/null
	# Another image of the same process in the parent's place.
	mv "$T/d0" "$T/d0.old"
	mv "$T/img" "$T/d0"
	mv "$T/d0.old" "$T/img.parent"
	"$XCKPT" restore -D "$T/d0" 2>"$T/restore.err" && fail "restored a chain that loops"
	mv "$T/d0" "$T/img"
	mv "$T/img.parent" "$T/d0"
	restore_gen 1
	pass
}

t_predump_then_dump() {	# dump after a pre-dump restores; the dump stores only what changed
	start "$VICTIMS/pagegen" "$T" 16
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/pre" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/x" -R 2>/dev/null; [ $? = 2 ] ||
		fail "pre-dump took --leave-running"
	next_gen 1
	dump_kill --parent "$T/pre" -v
	grep -q "unchanged since the parent" "$T/dump.err" || fail "no page count: $(cat "$T/dump.err")"
	restore_gen 1
	pass
}

t_block_coding() {	# random blocks raw, doubles shuffled; restored intact
	start "$VICTIMS/pagegen" "$T" 16
	dump_kill
	"$XCKPT" show -D "$T/img" >"$T/show" || fail "show"
	grep -Eq "^blocks +[0-9]+ raw, [0-9]+ zstd, [0-9]+ shuffle\+zstd, [0-9]+ xor\+shuffle\+zstd" "$T/show" ||
		fail "$(cat "$T/show")"
	read -r raw zst shuf xor <<<"$(sed -nE 's/^blocks +([0-9]+) raw, ([0-9]+) zstd, ([0-9]+) shuffle\+zstd, ([0-9]+) xor.*/\1 \2 \3 \4/p' "$T/show")"
	[ "$raw" -ge 7 ] && [ $((shuf + xor)) -ge 7 ] ||
		fail "blocks: $raw raw, $zst zstd, $shuf shuffled, $xor XORed and shuffled"
	restore_gen 0
	pass
}

t_incremental_tree() {	# a process tree: pre-dump, then dump --parent; the tree comes back
	start setsid "$VICTIMS/tree" family "$T"
	pids=$(tree_pids "$VPID")
	PIDS+=($pids)
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	snap_tree_before $pids
	dump_kill --parent "$T/d0" -v
	grep -q "unchanged since the parent" "$T/dump.err" || fail "no page count: $(cat "$T/dump.err")"
	"$XCKPT" show -D "$T/img" | grep -q "^parent .*/d0 (chain of 2 images)" ||
		fail "show: $("$XCKPT" show -D "$T/img" | head -8)"
	gone $pids
	restore_bg
	snap_tree_check $pids
	finish_tree "$VPID" "$RPID"
}

# Pages of $T/img/pages-$VPID.img in the page cache.
cached_pages() {
	fincore -n -o PAGES "$T/img/pages-$VPID.img" | tr -d ' '
}

t_restore_read_once() {	# cold: read with O_DIRECT, not cached; warm: from the cache; damaged: exit 3
	start "$VICTIMS/pagegen" "$T" 32
	dump_kill
	p=$T/img/pages-$VPID.img
	# Cold: the image leaves the page cache before the restore, and the
	# restore does not bring it back (a few pages of framing at most),
	# where the file system takes O_DIRECT.
	dd if="$p" iflag=nocache count=0 status=none
	restore_gen 0
	if dd if="$p" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
		n=$(cached_pages)
		[ "$n" -lt 16 ] || fail "a cold restore left $n pages of the image in the page cache"
	fi
	# Warm: all of it cached, read from there.
	cat "$p" >/dev/null
	: >"$T/out"
	restore_gen 0
	# A byte flipped in the middle of the page data: found as its block is
	# read, before the process runs; exit 3, one line naming file and offset.
	off=$(($(stat -c %s "$p") / 2))
	b=$(od -An -tu1 -j $off -N1 "$p" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 16)))" | dd of="$p" bs=1 seek=$off conv=notrunc 2>/dev/null
	dd if="$p" iflag=nocache count=0 status=none
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 3 ] || fail "damaged block: expected exit 3: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	echo "$out" | grep -Eq "pages-$VPID.img: offset [0-9]+: (record checksum mismatch|page data)" ||
		fail "error does not say where: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process runs with pid $VPID"
	pass
}

# Write tracking (tracer/track.c): the registration shows as "uw" in smaps.
tracked() {	# PID
	grep -q '^VmFlags:.* uw' "/proc/$1/smaps"
}
unread() {	# pages the last dump took from its parent without reading them
	sed -nE 's/.*\(([0-9]+) of them not read: write tracking\).*/\1/p' "$T/dump.err"
}
keeper_of() {	# PID: the keeper holding PID's tracking, if any
	pgrep -f "^xckpt __track-keeper $1:"
}
# The keeper is started detached: it may take a moment to show, or to go.
keeper_shows() {	# PID
	for ((i = 0; i < 100; i++)); do keeper_of "$1" >/dev/null && return 0; sleep 0.05; done
	return 1
}
keeper_gone() {	# PID
	for ((i = 0; i < 100; i++)); do keeper_of "$1" >/dev/null || return 0; sleep 0.05; done
	return 1
}

t_track_every_mapping() {	# a write in anon, file, heap, stack and thread stack memory is caught
	start "$VICTIMS/trackw" "$T"
	snap_before
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	snap_check "after a pre-dump"
	tracked "$VPID" || fail "pre-dump did not arm write tracking"
	next_gen 1
	"$XCKPT" dump --pid "$VPID" -D "$T/d1" --parent "$T/d0" -R --track -v 2>"$T/dump.err" ||
		fail "dump d1: $(cat "$T/dump.err")"
	[ "$(unread)" -gt 200 ] 2>/dev/null || fail "d1 read its pages: $(grep 'pages scanned' "$T/dump.err")"
	tracked "$VPID" || fail "dump --track did not arm write tracking again"
	# Generation 2 also moves one mapping and maps new memory in its place.
	next_gen 2
	"$XCKPT" dump --pid "$VPID" -D "$T/d2" --parent "$T/d1" -R --track -v 2>"$T/dump.err" ||
		fail "dump d2: $(cat "$T/dump.err")"
	[ "$(unread)" -gt 50 ] 2>/dev/null || fail "d2 read its pages: $(grep 'pages scanned' "$T/dump.err")"
	# Generation 3 forks a child that writes its copies first.
	next_gen 3
	dump_kill --parent "$T/d2" -v
	[ "$(unread)" -gt 200 ] 2>/dev/null || fail "the last dump read its pages: $(grep 'pages scanned' "$T/dump.err")"
	"$XCKPT" show -D "$T/img" | grep -q "^parent .*/d2 (chain of 4 images)" || fail "show: no chain"
	restore_bg
	tracked "$VPID" && fail "the restored process is registered with a userfaultfd"
	kill -USR2 "$VPID"
	wait "$RPID"
	grep -qx "PASS gen 3" "$T/out" || fail "memory after restore: $(tail -1 "$T/out")"
	"$XCKPT" dump --pid 1 -D "$T/x" --track 2>/dev/null
	[ $? = 2 ] || fail "--track without --leave-running was not a usage error"
	pass
}

t_track_handover() {	# a dump in between keeps the tracking for its image; a last one drops it
	start "$VICTIMS/trackw" "$T"
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	keeper_shows "$VPID" || fail "no keeper holds the tracking"
	"$XCKPT" dump --pid "$VPID" -D "$T/other" -R 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
	tracked "$VPID" || fail "a dump without --parent dropped the tracking of the pre-dump"
	keeper_shows "$VPID" || fail "no keeper after the dump in between"
	next_gen 1
	# Uses it, arms none: the process ends up without any registration.
	dump_leave_running --parent "$T/d0" -v
	[ "$(unread)" -gt 200 ] 2>/dev/null || fail "pages read: $(grep 'pages scanned' "$T/dump.err")"
	tracked "$VPID" && fail "still registered after a dump without --track"
	keeper_gone "$VPID" || fail "a keeper still holds the tracking"
	mv "$T/img" "$T/d1"
	next_gen 2
	dump_kill --parent "$T/d1" -v
	grep -q "no write tracking armed since the parent" "$T/dump.err" ||
		fail "fallback not reported: $(cat "$T/dump.err")"
	restore_gen 2
	pass
}

t_track_keeper_gone() {	# tracking lost between generations: page hashes, the right state
	start "$VICTIMS/trackw" "$T"
	"$XCKPT" pre-dump --pid "$VPID" -D "$T/d0" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	keeper_shows "$VPID" || fail "no keeper holds the tracking"
	kill "$(keeper_of "$VPID")"
	for ((i = 0; i < 100; i++)); do tracked "$VPID" || break; sleep 0.05; done
	tracked "$VPID" && fail "still registered once its keeper is gone"
	next_gen 1
	dump_kill --parent "$T/d0" -v
	grep -q "no write tracking armed since the parent.*comparing page hashes" "$T/dump.err" ||
		fail "fallback not reported: $(cat "$T/dump.err")"
	[ "$(unread)" = 0 ] || fail "pages taken unread without tracking"
	restore_gen 1
	pass
}

t_predump_live() {	# a pre-dump copies memory while the process rewrites it; the dump after it is exact
	start "$VICTIMS/busyw" "$T" 64
	"$XCKPT" -v pre-dump --pid "$VPID" -D "$T/pre" 2>"$T/dump.err" || fail "pre-dump: $(cat "$T/dump.err")"
	grep -q "copied while it ran" "$T/dump.err" || fail "not copied while running: $(cat "$T/dump.err")"
	"$XCKPT" show -D "$T/pre" | grep -q "^live " || fail "show does not say it is live"
	"$XCKPT" restore -D "$T/pre" 2>"$T/restore.err"
	[ $? = 3 ] || fail "a live pre-dump was restored: $(cat "$T/restore.err")"
	grep -q "only the parent of a dump --parent" "$T/restore.err" ||
		fail "unclear refusal: $(cat "$T/restore.err")"
	kill -0 "$VPID" || fail "the victim is gone"
	kill -USR1 "$VPID"
	wait_for "$T/stopped"
	dump_kill --parent "$T/pre" -v
	[ "$(unread)" -gt 0 ] 2>/dev/null || fail "nothing taken from the pre-dump: $(grep 'pages scanned' "$T/dump.err")"
	restore_bg
	kill -USR2 "$VPID"
	wait "$RPID"
	grep -qx "PASS writes $(cat "$T/stopped")" "$T/out" || fail "memory after restore: $(tail -1 "$T/out")"
	pass
}
