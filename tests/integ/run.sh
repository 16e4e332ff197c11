#!/bin/bash
# Integration tests: real processes dumped, killed, restored and checked.
# usage: run.sh TEST   (ctest passes XCKPT and VICTIMS in the environment)
# lib.sh holds the harness; each file in cases/ defines t_TEST functions,
# one per ctest "integ_TEST".
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/lib.sh"
for f in "$SRC"/cases/*.sh; do . "$f"; done
if ! declare -F "t_$TEST" >/dev/null; then
	echo "unknown test $TEST"
	exit 2
fi
"t_$TEST"
