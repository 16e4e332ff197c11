# Victim: the same sum computed twice at once, by a ThreadPoolExecutor and
# by threading.Thread workers that share a queue and a lock; each step
# sleeps a little so that the dump lands in the middle of the work. Writes
# DIR/result (the two sums added) when done.
#
# usage: python3 threads.py DIR
import concurrent.futures
import os
import queue
import sys
import threading
import time

CHUNKS, CHUNK, STEP = 8, 400000, 5000


def chunk_sum(c):
    s = 0
    for lo in range(c * CHUNK, (c + 1) * CHUNK, STEP):
        s += sum(i * i for i in range(lo, lo + STEP))
        time.sleep(0.02)
    return s


def main():
    d = sys.argv[1]
    os.closerange(3, 4096)
    todo = queue.Queue()
    for c in range(CHUNKS):
        todo.put(c)
    total = [0]
    lock = threading.Lock()

    def worker():
        while True:
            try:
                c = todo.get_nowait()
            except queue.Empty:
                return
            s = chunk_sum(c)
            with lock:
                total[0] += s

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futs = [pool.submit(chunk_sum, c) for c in range(CHUNKS)]
        threads = [threading.Thread(target=worker, name="sum-%d" % i) for i in range(4)]
        for t in threads:
            t.start()
        with open(d + "/ready", "w") as f:
            f.write(str(os.getpid()))
        pooled = sum(f.result() for f in futs)
        for t in threads:
            t.join()
    with open(d + "/result.tmp", "w") as f:
        f.write("%d\n" % (pooled + total[0]))
    os.rename(d + "/result.tmp", d + "/result")
    print("PASS")


main()
