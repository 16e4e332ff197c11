#!/usr/bin/python3
"""Rewrite bytes inside one record of an xckpt image file and fix up its
CRC-32C, so a test can present a well-formed image whose content differs
(another vDSO, another CPU) rather than a damaged one.

usage: patch-record.py FILE KIND OFFSET HEXBYTES
  KIND: record kind number; OFFSET: byte offset inside its payload."""
import struct
import sys


def crc32c(data, crc=0):
    table = crc32c.table
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


crc32c.table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    crc32c.table.append(c)

path, kind, off, new = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), bytes.fromhex(sys.argv[4])
buf = bytearray(open(path, "rb").read())
pos = 32                                    # after the file header
while pos < len(buf):
    k, ln, crc, flags = struct.unpack_from("<IIII", buf, pos)
    if k == kind:
        start = pos + 16 + off
        buf[start:start + len(new)] = new
        hdr = struct.pack("<IIII", k, ln, 0, flags)
        struct.pack_into("<I", buf, pos + 8, crc32c(buf[pos + 16:pos + 16 + ln], crc32c(hdr)))
        open(path, "wb").write(buf)
        sys.exit(0)
    if k == 255:
        break
    pos += 16 + ((ln + 7) & ~7)
sys.exit("record kind %d not found" % kind)
