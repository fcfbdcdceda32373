/* lwIP's configuration for the library OS (lwIP reads it through lwip/opt.h): one stack per
 * environment, run by the environment's own poll loop (NO_SYS, the raw API), IPv4 with ARP,
 * ICMP, UDP, TCP and DHCP. The same file configures the host build the tests use. */
#ifndef EXOS_LWIPOPTS_H
#define EXOS_LWIPOPTS_H

/* No threads: the application's loop calls exos::NetInterface::poll(), which feeds received
 * frames to lwIP and runs its timers. Nothing in lwIP is ever entered from two places at once
 * (the event upcall only notes that frames wait), so lwIP needs no locking. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0   /* exos/socket.h is the library OS's own, over the raw API */

/* Memory: lwIP's own static heap and pools, in the environment's .bss, so the stack's memory
 * is bounded and visible in the image. Sized for one HTTP transfer of a 1 MiB file at full
 * window plus fifty connections waiting in a listen backlog. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (160 * 1024)
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 72
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_ARP_QUEUE 16
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE 96

/* Protocols. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ARP_TABLE_SIZE 8
#define ARP_QUEUEING 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define IP_REASSEMBLY 0   /* nobody here fragments: an IPv4 fragment is dropped */
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0        /* the guest talks to 10.0.2.2 only: no name to resolve */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_TX_SINGLE_PBUF 0

/* TCP: a window of 16 segments each way; the listen backlog is enforced per socket. */
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 64
#define LWIP_TCP_KEEPALIVE 0
#define TCP_OVERSIZE TCP_MSS

/* Checksums: generated and checked in software for every protocol (the kernel's checks read
 * headers, not checksums), so a frame with a bad checksum is dropped and counted. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* Counters the tests and the console report read (drops, checksum errors). */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 0

#endif /* EXOS_LWIPOPTS_H */
