#include "pcap_record.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#define RECORD_SNAPLEN 65535

struct pcap_record {
    pcap_t *dead; /* no device: only carries the link type and snaplen for the file header */
    pcap_dumper_t *dumper;
};

struct pcap_record *pcap_record_open(const char *path, char *err, size_t err_cap)
{
    struct pcap_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    /* DLT_RAW: the file says LINKTYPE_RAW, packets start at the IP header (v4 or v6). */
    rec->dead = pcap_open_dead(DLT_RAW, RECORD_SNAPLEN);
    if (rec->dead == NULL) {
        snprintf(err, err_cap, "pcap_open_dead failed");
        free(rec);
        return NULL;
    }
    rec->dumper = pcap_dump_open(rec->dead, path);
    if (rec->dumper == NULL) {
        snprintf(err, err_cap, "--pcap %s: %s", path, pcap_geterr(rec->dead));
        pcap_close(rec->dead);
        free(rec);
        return NULL;
    }
    return rec;
}

void pcap_record_packet(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                        const struct timeval *ts)
{
    struct pcap_pkthdr h;
    if (rec == NULL)
        return;
    if (ts != NULL)
        h.ts = *ts;
    else
        gettimeofday(&h.ts, NULL);
    h.len = (bpf_u_int32)len;
    h.caplen = (bpf_u_int32)(len < RECORD_SNAPLEN ? len : RECORD_SNAPLEN);
    pcap_dump((u_char *)rec->dumper, &h, pkt);
}

void pcap_record_flush(struct pcap_record *rec)
{
    if (rec != NULL)
        pcap_dump_flush(rec->dumper);
}

void pcap_record_close(struct pcap_record *rec)
{
    if (rec == NULL)
        return;
    pcap_dump_close(rec->dumper);
    pcap_close(rec->dead);
    free(rec);
}
