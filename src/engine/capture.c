/* libpcap capture of what the targets and the routers on the way send us. */
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "io.h"

#define CAPTURE_SNAPLEN 65535
#define CAPTURE_BUFFER_BYTES (16 * 1024 * 1024)
#define CAPTURE_ANY "any"
#define FILTER_MAX 512

int iface_of(const struct ip_addr *addr, char *name)
{
    struct ifaddrs *list, *it;
    int found = -1;
    if (getifaddrs(&list) != 0)
        return -1;
    for (it = list; it != NULL && found != 0; it = it->ifa_next) {
        struct ip_addr a;
        if (it->ifa_addr == NULL || ip_addr_from_sockaddr(it->ifa_addr, &a) != 0)
            continue;
        if (ip_addr_equal(&a, addr)) {
            snprintf(name, IF_NAMESIZE, "%s", it->ifa_name);
            found = 0;
        }
    }
    freeifaddrs(list);
    return found;
}

static const char *pick_iface(const struct ip_addr *src4, const struct ip_addr *src6,
                              char *buf4, char *buf6)
{
    int has4 = src4->family != 0 && iface_of(src4, buf4) == 0;
    int has6 = src6->family != 0 && iface_of(src6, buf6) == 0;
    if (has4 && (!has6 || strcmp(buf4, buf6) == 0))
        return buf4;
    if (has6 && !has4)
        return buf6;
    return CAPTURE_ANY;
}

/* Only what is addressed to us: TCP to the probe port range and ICMP errors. Our own
 * outgoing packets have our address as source and never match. */
static void build_filter(const struct ip_addr *src4, const struct ip_addr *src6, char *f,
                         size_t cap)
{
    char a4[IP_ADDR_STRLEN], a6[IP_ADDR_STRLEN];
    size_t n = 0;
    f[0] = '\0';
    if (src4->family != 0) {
        ip_addr_format(src4, a4, sizeof(a4));
        n += (size_t)snprintf(f + n, cap - n,
                              "(ip dst host %s and ((tcp dst portrange %d-%d) or icmp))", a4,
                              PROBE_PORT_MIN, PROBE_PORT_MAX);
    }
    if (src6->family != 0 && n < cap) {
        ip_addr_format(src6, a6, sizeof(a6));
        snprintf(f + n, cap - n, "%s(ip6 dst host %s and ((tcp dst portrange %d-%d) or icmp6))",
                 n > 0 ? " or " : "", a6, PROBE_PORT_MIN, PROBE_PORT_MAX);
    }
}

int capture_open(struct capture *cap, const char *iface, const struct ip_addr *src4,
                 const struct ip_addr *src6, char *err, size_t err_cap)
{
    char perr[PCAP_ERRBUF_SIZE] = "", buf4[IF_NAMESIZE], buf6[IF_NAMESIZE];
    char filter[FILTER_MAX];
    struct bpf_program prog;

    memset(cap, 0, sizeof(*cap));
    cap->fd = -1;
    if (iface == NULL)
        iface = pick_iface(src4, src6, buf4, buf6);
    snprintf(cap->iface, sizeof(cap->iface), "%s", iface);
    cap->pcap = pcap_create(iface, perr);
    if (cap->pcap == NULL) {
        snprintf(err, err_cap, "pcap_create(%s): %s", iface, perr);
        return -1;
    }
    pcap_set_snaplen(cap->pcap, CAPTURE_SNAPLEN);
    pcap_set_promisc(cap->pcap, 0);
    /* Deliver each packet at once: verdicts are event-driven, buffering would delay them. */
    pcap_set_immediate_mode(cap->pcap, 1);
    pcap_set_buffer_size(cap->pcap, CAPTURE_BUFFER_BYTES);
    if (pcap_activate(cap->pcap) < 0) {
        snprintf(err, err_cap, "pcap_activate(%s): %s", iface, pcap_geterr(cap->pcap));
        goto fail;
    }
    build_filter(src4, src6, filter, sizeof(filter));
    if (pcap_compile(cap->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, err_cap, "pcap filter '%s': %s", filter, pcap_geterr(cap->pcap));
        goto fail;
    }
    int set = pcap_setfilter(cap->pcap, &prog);
    pcap_freecode(&prog);
    if (set != 0) {
        snprintf(err, err_cap, "pcap filter '%s': %s", filter, pcap_geterr(cap->pcap));
        goto fail;
    }
    if (pcap_setnonblock(cap->pcap, 1, perr) != 0) {
        snprintf(err, err_cap, "pcap_setnonblock: %s", perr);
        goto fail;
    }
    cap->linktype = pcap_datalink(cap->pcap);
    cap->fd = pcap_get_selectable_fd(cap->pcap);
    if (cap->fd < 0) {
        snprintf(err, err_cap, "pcap: no selectable descriptor on %s", iface);
        goto fail;
    }
    return 0;
fail:
    pcap_close(cap->pcap);
    cap->pcap = NULL;
    return -1;
}

void capture_close(struct capture *cap)
{
    if (cap->pcap != NULL)
        pcap_close(cap->pcap);
    cap->pcap = NULL;
}
