/* --pcap recording as pcapng (see pcap_record.h). libpcap writes only classic pcap, which
 * has nowhere to put a per-packet comment, so the blocks are written here (src/common/pcapng.c
 * encodes them). Written through stdio: a block goes out whole or not at all at a flush, and
 * pcap_record_flush after an interrupted run leaves a complete file. */
#include "pcap_record.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pcapng.h"
#include "tcp/fault.h"
#include "tcp/linklayer.h"

#define RECORD_SNAPLEN 65535
#define RECORD_APPLICATION "tcpreq"
#define TEST_COMMENT_FMT "tcpreq test=%s"
#define FAULT_COMMENT_FMT " " TCP_FAULT_KEY "%s"
#define COMMENT_MAX 96
#define HEADER_BLOCKS_MAX 256
#define USEC_PER_SEC 1000000ull

/* A sent packet held until it can be written in time order. */
struct held {
    struct held *next;
    struct timeval ts;
    char comment[COMMENT_MAX];
    bool has_comment;
    size_t len;
    uint8_t data[];
};

struct pcap_record {
    FILE *f;
    uint8_t *block;
    size_t cap;
    struct held *head, *tail; /* sent packets not yet written, in stamp order */
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

static void write_block(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                        const struct timeval *ts, const char *comment)
{
    uint32_t caplen = (uint32_t)(len < RECORD_SNAPLEN ? len : RECORD_SNAPLEN);
    size_t need = pcapng_epb_size(caplen, comment);
    if (need > rec->cap) {
        uint8_t *b = realloc(rec->block, need);
        if (b == NULL)
            return; /* a packet missing from the recording, not a failed scan */
        rec->block = b;
        rec->cap = need;
    }
    uint64_t usec = (uint64_t)ts->tv_sec * USEC_PER_SEC + (uint64_t)ts->tv_usec;
    size_t n = pcapng_write_epb(rec->block, rec->cap, 0, usec, pkt, caplen, (uint32_t)len, comment);
    if (n != 0)
        fwrite(rec->block, 1, n, rec->f);
}

/* "tcpreq test=NAME[ fault=a,b]"; false when there is nothing to say. */
static bool make_comment(char *buf, size_t cap, const char *test, unsigned faults)
{
    if (test == NULL)
        return false;
    int n = snprintf(buf, cap, TEST_COMMENT_FMT, test);
    if (faults != 0 && n > 0 && (size_t)n < cap) {
        char names[COMMENT_MAX];
        snprintf(buf + n, cap - (size_t)n, FAULT_COMMENT_FMT,
                 tcp_fault_names(faults, names, sizeof(names)));
    }
    return true;
}

static bool stamped_before(const struct timeval *a, const struct timeval *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_usec < b->tv_usec);
}

/* Write the held packets stamped before `until` (all of them when until is NULL). */
static void release(struct pcap_record *rec, const struct timeval *until, bool inclusive)
{
    while (rec->head != NULL) {
        struct held *h = rec->head;
        bool due = until == NULL || stamped_before(&h->ts, until) ||
                   (inclusive && !stamped_before(until, &h->ts));
        if (!due)
            break;
        write_block(rec, h->data, h->len, &h->ts, h->has_comment ? h->comment : NULL);
        rec->head = h->next;
        if (rec->head == NULL)
            rec->tail = NULL;
        free(h);
    }
}

void pcap_record_sent(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                      const struct timeval *ts, const char *test, unsigned faults)
{
    if (rec == NULL)
        return;
    struct held *h = malloc(sizeof(*h) + len);
    if (h == NULL)
        return;
    h->next = NULL;
    h->ts = *ts;
    h->has_comment = make_comment(h->comment, sizeof(h->comment), test, faults);
    h->len = len;
    memcpy(h->data, pkt, len);
    /* Stamps come from one clock in sending order; keep the queue sorted all the same. */
    if (rec->tail != NULL && stamped_before(ts, &rec->tail->ts))
        h->ts = rec->tail->ts;
    if (rec->tail != NULL)
        rec->tail->next = h;
    else
        rec->head = h;
    rec->tail = h;
}

void pcap_record_received(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                          const struct timeval *ts, const char *test)
{
    if (rec == NULL)
        return;
    /* What we sent at the same microsecond went first: a reply cannot precede its cause. */
    release(rec, ts, true);
    char comment[COMMENT_MAX];
    write_block(rec, pkt, len, ts,
                make_comment(comment, sizeof(comment), test, 0) ? comment : NULL);
}

void pcap_record_sync(struct pcap_record *rec, const struct timeval *until)
{
    if (rec != NULL)
        release(rec, until, false);
}

void pcap_record_flush(struct pcap_record *rec)
{
    if (rec == NULL)
        return;
    release(rec, NULL, false);
    fflush(rec->f);
}

void pcap_record_close(struct pcap_record *rec)
{
    if (rec == NULL)
        return;
    release(rec, NULL, false);
    fclose(rec->f);
    free(rec->block);
    free(rec);
}
