/* --pcap recording as pcapng (see pcap_record.h). libpcap writes only classic pcap, which
 * has nowhere to put a per-packet comment, so the blocks are written here (src/common/pcapng.c
 * encodes them). Written through stdio: a block goes out whole or not at all at a flush, and
 * pcap_record_flush after an interrupted run leaves a complete file. */
#include "pcap_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pcapng.h"
#include "tcp/linklayer.h"

#define RECORD_SNAPLEN 65535
#define RECORD_APPLICATION "tcpreq"
#define TEST_COMMENT_FMT "tcpreq test=%s"
#define COMMENT_MAX 96
#define HEADER_BLOCKS_MAX 256
#define USEC_PER_SEC 1000000ull

struct pcap_record {
    FILE *f;
    uint8_t *block;
    size_t cap;
};

struct pcap_record *pcap_record_open(const char *path, char *err, size_t err_cap)
{
    struct pcap_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    rec->f = fopen(path, "wb");
    if (rec->f == NULL) {
        snprintf(err, err_cap, "--pcap %s: %s", path, strerror(errno));
        free(rec);
        return NULL;
    }
    uint8_t hdr[HEADER_BLOCKS_MAX];
    size_t n = pcapng_write_shb(hdr, sizeof(hdr), RECORD_APPLICATION);
    size_t m = n ? pcapng_write_idb(hdr + n, sizeof(hdr) - n, LINKTYPE_RAW, RECORD_SNAPLEN) : 0;
    if (m == 0 || fwrite(hdr, 1, n + m, rec->f) != n + m) {
        snprintf(err, err_cap, "--pcap %s: cannot write the header", path);
        fclose(rec->f);
        free(rec);
        return NULL;
    }
    return rec;
}

void pcap_record_packet(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                        const struct timeval *ts, const char *test)
{
    if (rec == NULL)
        return;
    struct timeval now;
    if (ts == NULL) {
        gettimeofday(&now, NULL);
        ts = &now;
    }
    char comment[COMMENT_MAX];
    if (test != NULL)
        snprintf(comment, sizeof(comment), TEST_COMMENT_FMT, test);
    uint32_t caplen = (uint32_t)(len < RECORD_SNAPLEN ? len : RECORD_SNAPLEN);
    size_t need = pcapng_epb_size(caplen, test != NULL ? comment : NULL);
    if (need > rec->cap) {
        uint8_t *b = realloc(rec->block, need);
        if (b == NULL)
            return; /* a packet missing from the recording, not a failed scan */
        rec->block = b;
        rec->cap = need;
    }
    uint64_t usec = (uint64_t)ts->tv_sec * USEC_PER_SEC + (uint64_t)ts->tv_usec;
    size_t n = pcapng_write_epb(rec->block, rec->cap, 0, usec, pkt, caplen, (uint32_t)len,
                                test != NULL ? comment : NULL);
    if (n != 0)
        fwrite(rec->block, 1, n, rec->f);
}

void pcap_record_flush(struct pcap_record *rec)
{
    if (rec != NULL)
        fflush(rec->f);
}

void pcap_record_close(struct pcap_record *rec)
{
    if (rec == NULL)
        return;
    fclose(rec->f);
    free(rec->block);
    free(rec);
}
