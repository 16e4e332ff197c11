# Victim: a python3 program in the middle of an SQLite transaction on a
# database in WAL mode, holding SQLite's locks (POSIX record locks on the
# database and on its mapped -shm file). After restore, SIGUSR1 lets it
# commit; it checks what it reads back and prints PASS or FAIL.
#
# usage: python3 sqlite_wal.py DIR     (writes DIR/ready; database DIR/test.db)
import os
import signal
import sqlite3
import sys

os.closerange(3, 4096)          # only what this program opens
d = sys.argv[1]
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])

con = sqlite3.connect(os.path.join(d, "test.db"), isolation_level=None)
if con.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
    sys.exit(3)
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
con.executemany("INSERT INTO t(v) VALUES (?)", [("row%d" % i,) for i in range(1000)])
con.execute("BEGIN IMMEDIATE")  # the write lock, until COMMIT
con.executemany("INSERT INTO t(v) VALUES (?)", [("tx%d" % i * 20,) for i in range(2000)])
con.execute("UPDATE t SET v = 'changed' WHERE id <= 10")
with open(os.path.join(d, "ready"), "w") as f:
    f.write(str(os.getpid()))

signal.sigwait([signal.SIGUSR1])
fails = []
if con.execute("SELECT count(*) FROM t").fetchone()[0] != 3000:
    fails.append("rows inside the transaction")
con.execute("COMMIT")
if con.execute("SELECT count(*) FROM t WHERE v = 'changed'").fetchone()[0] != 10:
    fails.append("update")
con.execute("INSERT INTO t(v) VALUES ('after')")   # a new transaction works too
con.close()
for f in fails:
    print("FAIL: " + f)
print("FAIL" if fails else "PASS")
sys.exit(1 if fails else 0)
