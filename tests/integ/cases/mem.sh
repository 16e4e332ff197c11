# Memory of other kinds than plain anonymous memory: hugetlb (MAP_HUGETLB),
# /dev/zero, named anonymous mappings; and what is refused, by its name.
# The victim (victims/mem.c) checks its own patterns after the restore;
# restore_bg compares maps and smaps (KernelPageSize, VmFlags).

# Huge pages for one test: the pool grows by N 2 MiB pages and shrinks back
# by as many at exit. The test holds a lock all along, so that two such
# tests (two suites at once) neither lose each other's increments nor see
# each other's free pages. A pool that cannot grow skips the test.
HUGE_NR=/proc/sys/vm/nr_hugepages
HUGE_ADDED=0
hugepages() {	# N
	[ -w "$HUGE_NR" ] || skip "cannot size the huge page pool ($HUGE_NR)"
	exec {HUGE_LOCK}>>/tmp/xckpt-hugepages.lock
	flock -w 300 "$HUGE_LOCK" || fail "huge page pool lock held for 5 minutes"
	CLEANUP_HOOKS+=(hugepages_release)
	hugepages_add "$1"
	huge_wait_free "$1" || skip "the pool of 2 MiB huge pages could not grow by $1"
}
# Pages a killed process held are freed once it is gone, a moment after.
huge_wait_free() {	# N: until N pages are free, for up to 5 s
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(huge_free)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
hugepages_add() {	# N
	local old
	old=$(cat "$HUGE_NR")
	echo $((old + $1)) >"$HUGE_NR"
	HUGE_ADDED=$((HUGE_ADDED + $(cat "$HUGE_NR") - old))
}
hugepages_release() {
	local p
	# Pages still held go back once freed (the kernel makes them surplus);
	# the victims are killed first all the same. Their pids only: a bare
	# wait would wait for the watchdog too (lib.sh).
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ ${#PIDS[@]} = 0 ] || wait "${PIDS[@]}" 2>/dev/null
	[ "$HUGE_ADDED" -gt 0 ] && echo $(($(cat "$HUGE_NR") - HUGE_ADDED)) >"$HUGE_NR"
	HUGE_ADDED=0
}
huge_free() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }

# Start the mem victim with MODE..., dump it, kill it, restore it (the
# comparison runs in restore_bg), and let it check its memory itself.
mem_case() {	# MODE...
	start "$VICTIMS/mem" "$T" "$@"
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_kill
	attrs_finish	# cases/exact.sh: restore, SIGUSR2, PASS
}
# The restore of $T/img must fail before creating anything, with exit
# status 3 and one line that matches PATTERN.
mem_restore_refused() {	# PATTERN
	local out
	out=$("$XCKPT" restore -D "$T/img" 2>&1)
	[ $? = 3 ] || fail "expected exit 3: $out"
	echo "$out" | grep -q "$1" || fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	kill -0 "$VPID" 2>/dev/null && fail "a process was created"
}

t_mem_hugetlb() {	# MAP_HUGETLB memory, private and shared (mapped twice), back in 2 MiB pages
	hugepages 3	# private: 2 pages reserved, shared: 1
	mem_case hugetlb
	pass
}

t_mem_hugetlb_lazy() {	# --lazy leaves hugetlb memory to the eager fill (a huge page is not copied 4 KiB at a time)
	hugepages 3
	RESTORE_OPTS=--lazy mem_case hugetlb
	pass
}

t_mem_hugetlb_tree() {	# shared hugetlb memory of a parent and its child: one object again, counted once
	hugepages 1	# the pool check must not count the object twice
	start "$VICTIMS/mem" "$T" hugefork
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	pids=$(tree_pids "$VPID")	# cases/trees.sh
	PIDS+=($pids)
	[ "$(echo $pids | wc -w)" = 2 ] || fail "victim tree: $pids"
	dump_restore_tree
	kill -USR2 "$VPID"
	wait "$rpid"
	grep -q '^PASS' "$T/out" || fail "victim did not pass after restore: $(cat "$T/out")"
	pass
}

t_mem_hugetlb_leave_running() {	# dumped and left running: the live process's hugetlb memory as it was
	hugepages 3
	start "$VICTIMS/mem" "$T" hugetlb
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_leave_running
	kill -USR2 "$VPID"
	wait "$VPID"
	grep -q '^PASS' "$T/out" || fail "victim did not pass after the dump: $(cat "$T/out")"
	pass
}

t_mem_hugetlb_no_pool() {	# restore where the pool is short: refused before anything is made
	hugepages 3
	start "$VICTIMS/mem" "$T" hugetlb
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_kill
	hugepages_release
	[ "$(huge_free)" -lt 3 ] || skip "$(huge_free) huge pages free outside this test's"
	mem_restore_refused "pid $VPID: hugetlb memory: 3 pages of 2048 kB needed, [0-9]* free: not enough free huge pages"
	# With the pages back, the same image restores.
	hugepages_add 3
	huge_wait_free 3 || skip "the pool could not grow again"
	attrs_finish
	pass
}

t_mem_devzero() {	# MAP_PRIVATE and MAP_SHARED of /dev/zero come back as such
	mem_case devzero
	pass
}

t_mem_names() {	# PR_SET_VMA_ANON_NAME names, private and shared, come back
	start "$VICTIMS/mem" "$T" names
	grep -q '^SETUP: PR_SET_VMA_ANON_NAME: Invalid argument' "$T/out" &&
		skip "this kernel cannot name anonymous mappings (no CONFIG_ANON_VMA_NAME)"
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	dump_kill
	attrs_finish
	pass
}

t_mem_names_unsupported() {	# an image with a name, where the kernel cannot name: refused, nothing made
	start "$VICTIMS/mem" "$T" lowanon names
	grep -q '^SETUP: PR_SET_VMA_ANON_NAME: Invalid argument' "$T/out" ||
		skip "this kernel names anonymous mappings: the refusal cannot happen here"
	dump_kill
	# The first VMA is the victim's anonymous page at the lowest address:
	# give it a name (VMA.name, at offset 56) as a kernel with names would.
	"$SRC/patch-record.py" "$T/img/proc-$VPID.img" 7 56 "$(printf 'lowest' | od -An -tx1 | tr -d ' \n')00" ||
		fail "patch"
	mem_restore_refused "pid $VPID: anonymous mapping named \"lowest\": this kernel cannot name anonymous mappings (CONFIG_ANON_VMA_NAME)"
	pass
}

# What cannot come back is refused at dump, named, the target left running
# as it was.
mem_refused() {	# MODE EXPECTED-ERROR
	start "$VICTIMS/mem" "$T" "$1"
	grep -q '^SETUP' "$T/out" && fail "victim could not set up: $(cat "$T/out")"
	snap_before
	out=$("$XCKPT" dump --pid "$VPID" -D "$T/img" 2>&1)
	[ $? = 4 ] || fail "expected exit 4: $out"
	echo "$out" | grep -q "pid $VPID: $2" || fail "unclear error: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one error line: $out"
	kill -0 "$VPID" || fail "target died"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VPID/status" || fail "target still traced"
	snap_check "after the refused dump"
	[ -e "$T/img" ] && fail "image directory created"
	pass
}
t_mem_bad_aio() {	# an AIO ring (io_setup)
	mem_refused aio "mapping [0-9a-f]*-[0-9a-f]* /\[aio\] (deleted): AIO rings (io_setup) are not supported yet"
}
t_mem_bad_privshm() {	# a private mapping of shared anonymous memory
	mem_refused privshm "mapping [0-9a-f]*-[0-9a-f]* /dev/zero (deleted): a private mapping of shared anonymous memory is not supported yet"
}
t_mem_bad_hugememfd() {	# a memfd on hugetlbfs (MFD_HUGETLB)
	hugepages 1
	mem_refused hugememfd "mapping [0-9a-f]*-[0-9a-f]* /memfd:huge (deleted): files on hugetlbfs (and MFD_HUGETLB memfds) are not supported yet"
}
