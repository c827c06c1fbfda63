#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"

size_t ip_addr_len(const struct ip_addr *a)
{
    return a->family == IP_FAMILY_V4 ? 4 : a->family == IP_FAMILY_V6 ? 16 : 0;
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, ip_addr_len(a)) == 0;
}

int ip_addr_parse(const char *text, struct ip_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = IP_FAMILY_V4;
        return TCPREQ_OK;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = IP_FAMILY_V6;
        return TCPREQ_OK;
    }
    memset(out, 0, sizeof(*out));
    return TCPREQ_EINVAL;
}

const char *ip_addr_format(const struct ip_addr *a, char *buf, size_t cap)
{
    int af = a->family == IP_FAMILY_V4 ? AF_INET : AF_INET6;
    if (a->family == 0 || inet_ntop(af, a->bytes, buf, (socklen_t)cap) == NULL) {
        if (cap > 0)
            buf[0] = '\0';
    }
    return buf;
}

int ip_endpoint_parse(const char *text, struct ip_addr *addr, uint16_t *port)
{
    char host[IP_ADDR_STRLEN];
    const char *port_text;
    size_t host_len;

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return TCPREQ_EINVAL;
        host_len = (size_t)(close - text - 1);
        if (host_len >= sizeof(host))
            return TCPREQ_EINVAL;
        memcpy(host, text + 1, host_len);
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon == NULL || strchr(text, ':') != colon)
            return TCPREQ_EINVAL; /* IPv6 needs brackets */
        host_len = (size_t)(colon - text);
        if (host_len >= sizeof(host))
            return TCPREQ_EINVAL;
        memcpy(host, text, host_len);
        port_text = colon + 1;
    }
    host[host_len] = '\0';

    char *end;
    if (*port_text < '0' || *port_text > '9')
        return TCPREQ_EINVAL;
    unsigned long p = strtoul(port_text, &end, 10);
    if (*end != '\0' || p == 0 || p > 65535)
        return TCPREQ_EINVAL;
    if (ip_addr_parse(host, addr) != TCPREQ_OK)
        return TCPREQ_EINVAL;
    if (text[0] == '[' && addr->family != IP_FAMILY_V6)
        return TCPREQ_EINVAL;
    *port = (uint16_t)p;
    return TCPREQ_OK;
}

int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET) {
        out->family = IP_FAMILY_V4;
        memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return TCPREQ_OK;
    }
    if (sa->sa_family == AF_INET6) {
        out->family = IP_FAMILY_V6;
        memcpy(out->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return TCPREQ_OK;
    }
    return TCPREQ_EPROTO;
}
