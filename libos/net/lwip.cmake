# lwIP as the library OS builds it, for the target (libos/CMakeLists.txt) and for the host
# suites (tests/host/suites.cmake): lwIP's own sources from the source package ci/fetch_lwip.sh
# unpacked (never kept in this repository), the port beside this file, and the library OS's
# network code over it.
set(EXO_LWIP_DIR "${PROJECT_SOURCE_DIR}/build/_deps/lwip/lwip-2.1.3" CACHE PATH
    "lwIP 2.1.3's source tree, as ci/fetch_lwip.sh unpacks Debian's lwip source package")
if(NOT EXISTS "${EXO_LWIP_DIR}/src/core/tcp.c" OR
   NOT EXISTS "${EXO_LWIP_DIR}/src/include/lwip/init.h")
    message(FATAL_ERROR "lwIP's source is not in EXO_LWIP_DIR (${EXO_LWIP_DIR}).\n"
                        "Run ci/setup.sh (or ci/fetch_lwip.sh) once: it fetches Debian's lwip "
                        "source package and unpacks it there.")
endif()

# lwIP's core, IPv4 and Ethernet: the files its own Filelists.cmake lists as lwipcore_SRCS and
# lwipcore4_SRCS, found here rather than by including that file, which writes into the source
# tree (configure_file of init.h and the Doxyfile): the boards' builds configure in parallel
# and raced on those writes. The version comes from the init.h the tarball ships.
file(GLOB EXO_LWIP_SOURCES ${EXO_LWIP_DIR}/src/core/*.c ${EXO_LWIP_DIR}/src/core/ipv4/*.c)
list(APPEND EXO_LWIP_SOURCES ${EXO_LWIP_DIR}/src/netif/ethernet.c)
file(STRINGS ${EXO_LWIP_DIR}/src/include/lwip/init.h lwip_version_lines
     REGEX "^#define LWIP_VERSION_(MAJOR|MINOR|REVISION) ")
string(REGEX REPLACE "[^0-9;]" "" lwip_version "${lwip_version_lines}")
string(REPLACE ";" "." lwip_version "${lwip_version}")
if(NOT lwip_version STREQUAL "2.1.3")
    message(FATAL_ERROR "EXO_LWIP_DIR holds lwIP ${lwip_version}; the port is for 2.1.3")
endif()
# The TLS and application-layer TCP wrappers are not used.
list(FILTER EXO_LWIP_SOURCES EXCLUDE REGEX "/altcp")
set(EXO_LWIP_CHECKSUM_SOURCE ${CMAKE_CURRENT_LIST_DIR}/checksum.cpp)

set(EXO_NET_DIR ${CMAKE_CURRENT_LIST_DIR})
set(EXO_LWIP_INCLUDE_DIRS ${EXO_LWIP_DIR}/src/include ${EXO_NET_DIR}/lwip_port ${EXO_NET_DIR})
# lwIP is third-party code, built as fetched: its warnings are reported but do not stop the
# build (-Werror stays on for the port and the library OS's own files).
set(EXO_LWIP_RELAXED_FLAGS -Wno-error)

# The library OS's network code that runs anywhere (the host suites build it too); the link
# over the kernel's rings and the platform hooks are the target's (libos/CMakeLists.txt). The
# checksum is lwIP's (LWIP_CHKSUM): it goes with lwIP's sources.
set(EXO_NET_SOURCES
    ${EXO_NET_DIR}/net_interface.cpp
    ${EXO_NET_DIR}/net_rings.cpp
    ${EXO_NET_DIR}/socket_api.cpp
    ${EXO_NET_DIR}/socket_tcp.cpp
    ${EXO_NET_DIR}/socket_udp.cpp)
