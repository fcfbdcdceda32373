/* What lwIP needs from its platform, as C functions the library OS (libos/net/port.cpp) or the
 * host tests provide: diagnostics, assertion failures, random numbers, the checksum. sys_now()
 * (milliseconds, lwip/sys.h) belongs here too. */
#ifndef EXOS_LWIP_PORT_H
#define EXOS_LWIP_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* LWIP_PLATFORM_DIAG: a printf-like line (only %d %u %x %lu %s %c and widths are used). */
void exos_lwip_diagnostic(const char* format, ...) __attribute__((format(printf, 1, 2)));
/* LWIP_PLATFORM_ASSERT: lwIP found its own state broken; the environment ends. */
void exos_lwip_assert_failed(const char* message, const char* file, int line)
    __attribute__((noreturn));
/* LWIP_RAND: initial sequence numbers, ephemeral ports, DHCP transaction ids. */
uint32_t exos_lwip_random(void);
/* LWIP_CHKSUM: the one's-complement sum of `length` bytes at `data`, folded to 16 bits, in
 * network order as lwIP's own lwip_standard_chksum returns it (not inverted). */
uint16_t exos_lwip_checksum(const void* data, int length);

#ifdef __cplusplus
}
#endif

#endif /* EXOS_LWIP_PORT_H */
