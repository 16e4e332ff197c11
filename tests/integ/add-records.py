#!/usr/bin/python3
"""Insert well-formed records before the END record of an xckpt image file,
with their checksums and END's count fixed up: an image that holds what
this machine could not have dumped (a GPU's state, say), so a test can see
how show and restore treat it.

usage: add-records.py FILE KIND:HEXPAYLOAD..."""
import struct
import sys


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def record(kind, payload):
    hdr = struct.pack("<IIII", kind, len(payload), 0, 0)
    crc = crc32c(payload, crc32c(hdr))
    return struct.pack("<IIII", kind, len(payload), crc, 0) + payload + b"\0" * (-len(payload) % 8)


path = sys.argv[1]
buf = open(path, "rb").read()
pos, nr = 32, 0                             # after the file header
while True:
    kind, ln = struct.unpack_from("<II", buf, pos)
    if kind == 255:
        break
    pos += 16 + ln + (-ln % 8)
    nr += 1
new = b""
for arg in sys.argv[2:]:
    kind, hexpayload = arg.split(":")
    new += record(int(kind, 0), bytes.fromhex(hexpayload))
    nr += 1
open(path, "wb").write(buf[:pos] + new + record(255, struct.pack("<Q", nr)))
