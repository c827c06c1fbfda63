/* Application-layer protocols (ALPs): the payload a test sends once a connection is open,
 * chosen by the target's port as in the original tcpreq (HTTP on 80, TLS on the TLS ports).
 * An ALP is pure logic, like the test cases: it produces request bytes and consumes response
 * bytes, never touching a socket (TLS runs OpenSSL over memory BIOs). */
#ifndef TCPREQ_ALP_H
#define TCPREQ_ALP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/addr.h"

struct alp_peer {
    struct ip_addr ip;
    uint16_t port;
    const char *host; /* host name from the input (HTTP Host, TLS SNI); NULL = none */
};

struct alp_session; /* one per connection, owned by the test instance */

struct alp {
    const char *name;
    const uint16_t *ports; /* ports this ALP serves */
    size_t n_ports;
    /* Start a session for one connection; NULL on failure. */
    struct alp_session *(*open)(const struct alp_peer *peer);
    /* Next request bytes into buf (at most cap). length_hint (0 = none) asks for about that
     * many bytes (HTTP pads its request with headers, as the original). Returns the byte
     * count, 0 when there is nothing (more) to send, negative on error. */
    ssize_t (*pull)(struct alp_session *s, size_t length_hint, uint8_t *buf, size_t cap);
    /* Bytes received from the target, in order. */
    void (*push)(struct alp_session *s, const uint8_t *data, size_t len);
    void (*close)(struct alp_session *s);
};

/* The registered ALPs, one file each (alp/http.c, alp/tls.c), listed in alp/registry.c. */
extern const struct alp alp_http;
extern const struct alp alp_tls;

/* The ALP registered for port, or NULL ("Missing ALP module for port N"). */
const struct alp *alp_for_port(uint16_t port);

#endif
