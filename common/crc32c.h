#ifndef XC_CRC32C_H
#define XC_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli), as used by iSCSI and ext4: reflected, initial value
 * and final xor 0xffffffff. crc32c(0, "123456789", 9) == 0xe3069283.
 * Chain calls by passing the previous result as crc. */
uint32_t xc_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t xc_crc32c_sw(uint32_t crc, const void *buf, size_t len);
#endif
