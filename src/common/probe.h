/* What marks tcpreq's own flows on the wire and in the kernel: shared by the engine, which
 * sends from these ports with this mark, and the firewall rules, which let exactly those
 * through (common/fw_rules.h). */
#ifndef TCPREQ_PROBE_H
#define TCPREQ_PROBE_H

/* Ephemeral source ports (RFC 6335): every flow of ours uses one; nothing else is touched. */
#define PROBE_PORT_MIN 49152
#define PROBE_PORT_MAX 65535
/* SO_MARK on our raw sockets ("tcpq"): the firewall templates let these RSTs through and
 * drop the kernel's own RSTs for our flows. */
#define TCPREQ_SOCKET_MARK 0x74637271u

#endif
