#ifndef XC_CRC32C_H
#define XC_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli), as used by iSCSI and ext4: reflected, initial value
 * and final xor 0xffffffff. crc32c(0, "123456789", 9) == 0xe3069283.
 * Chain calls by passing the previous result as crc. */
uint32_t xc_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t xc_crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* The CRC of A followed by B from crc_a = crc32c(0, A), crc_b = crc32c(0, B)
 * and B's length, without reading either: a reader that has the checksum of
 * a payload gets the one of header + payload for free. */
uint32_t xc_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
#endif
