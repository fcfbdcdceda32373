/* lwIP's compiler and platform definitions (lwip/arch.h includes this), for the riscv64
 * library OS and the host tests alike. Everything lwIP would take from a C library (printf,
 * abort, rand, ctype) comes from the port (port.h) instead: the target has no C library. */
#ifndef EXOS_LWIP_ARCH_CC_H
#define EXOS_LWIP_ARCH_CC_H

#include "lwip_port/port.h"

/* Format macros without <inttypes.h>, character classes without <ctype.h> (its glibc form
 * reads a locale table), ssize_t from <sys/types.h> rather than <unistd.h>: declarations only,
 * nothing of a C library is linked (lwip/arch.h). */
#include <sys/types.h>
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define LWIP_PLATFORM_DIAG(message) exos_lwip_diagnostic message
#define LWIP_PLATFORM_ASSERT(message) exos_lwip_assert_failed(message, __FILE__, __LINE__)
#define LWIP_RAND() exos_lwip_random()

/* The Internet checksum of the port, a word at a time (port.h): lwIP's own works 16 bits at
 * a time, and every received and sent byte goes through it. */
#define LWIP_CHKSUM exos_lwip_checksum
#define LWIP_CHKSUM_ALGORITHM 0

#endif /* EXOS_LWIP_ARCH_CC_H */
