/* Capture files into the analyzer (see offline.h). */
#include "offline.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pcapng.h"
#include "tcp/linklayer.h"

#define STDIN_PATH "-"
#define COMMENT_MAX 256
#define BLOCK_INITIAL 4096
#define USEC_PER_SEC 1000000
/* libpcap reads records with stdio; a large buffer saves a read(2) per few packets */
#define READ_BUFFER (1 << 20)

/* Packet comments of a pcapng file, read block by block in step with libpcap: libpcap
 * returns one packet per Enhanced / Simple / obsolete Packet Block, in file order, so the
 * n-th packet block here is the n-th packet there. Any surprise (short read, bad length)
 * turns it off; the packets still come from libpcap. */
struct comment_reader {
    FILE *f;
    bool swapped;
    uint8_t *block;
    size_t cap;
    char comment[COMMENT_MAX];
};

static void comments_close(struct comment_reader *r)
{
    if (r->f != NULL)
        fclose(r->f);
    free(r->block);
    memset(r, 0, sizeof(*r));
}

static void comments_open(struct comment_reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    if (strcmp(path, STDIN_PATH) == 0 || (r->f = fopen(path, "rb")) == NULL)
        return;
    uint8_t magic[4];
    if (fread(magic, 1, sizeof(magic), r->f) != sizeof(magic) ||
        pcapng_u32(magic, false) != PCAPNG_BT_SHB || fseek(r->f, 0, SEEK_SET) != 0)
        comments_close(r);
}

/* Read the next block whole into r->block; its type and length through the pointers. */
static bool read_block(struct comment_reader *r, uint32_t *type, size_t *len)
{
    uint8_t hdr[PCAPNG_BLOCK_HDR];
    if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr))
        return false;
    *type = pcapng_u32(hdr, r->swapped);
    if (*type == PCAPNG_BT_SHB) {
        /* a new section may change the byte order: its magic follows the header */
        uint8_t magic[4];
        if (fread(magic, 1, sizeof(magic), r->f) != sizeof(magic))
            return false;
        uint8_t probe[PCAPNG_BLOCK_HDR + 4];
        memcpy(probe, hdr, sizeof(hdr));
        memcpy(probe + sizeof(hdr), magic, sizeof(magic));
        if (!pcapng_shb_order(probe, sizeof(probe), &r->swapped) ||
            fseek(r->f, -(long)sizeof(magic), SEEK_CUR) != 0)
            return false;
    }
    *len = pcapng_u32(hdr + 4, r->swapped);
    if (*len < PCAPNG_BLOCK_HDR + PCAPNG_BLOCK_TRAILER || *len % 4 != 0 || *len > PCAPNG_BLOCK_MAX)
        return false;
    if (*len > r->cap) {
        size_t cap = r->cap ? r->cap : BLOCK_INITIAL;
        while (cap < *len)
            cap *= 2;
        uint8_t *b = realloc(r->block, cap);
        if (b == NULL)
            return false;
        r->block = b;
        r->cap = cap;
    }
    memcpy(r->block, hdr, sizeof(hdr));
    return fread(r->block + sizeof(hdr), 1, *len - sizeof(hdr), r->f) == *len - sizeof(hdr);
}

/* The comment of the next packet block (NULL = none), NUL-terminated in r->comment. */
static const char *comments_next(struct comment_reader *r)
{
    if (r->f == NULL)
        return NULL;
    uint32_t type;
    size_t len;
    for (;;) {
        if (!read_block(r, &type, &len)) {
            comments_close(r);
            return NULL;
        }
        if (type == PCAPNG_BT_EPB || type == PCAPNG_BT_SPB || type == PCAPNG_BT_PB)
            break;
    }
    const char *text;
    size_t n;
    if (!pcapng_packet_comment(r->block, len, r->swapped, &text, &n))
        return NULL;
    if (n >= sizeof(r->comment))
        n = sizeof(r->comment) - 1;
    memcpy(r->comment, text, n);
    r->comment[n] = '\0';
    return r->comment;
}

static bool linktype_supported(int dlt)
{
    switch (dlt) {
    case LINKTYPE_NULL:
    case LINKTYPE_ETHERNET:
    case LINKTYPE_RAW:
    case DLT_RAW_ALT1:
    case DLT_RAW_ALT2:
    case LINKTYPE_LOOP:
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* Microseconds since the epoch, saturated: a corrupt file may hold any timestamp. */
static an_time frame_time(const struct timeval *tv)
{
    if (tv->tv_sec < 0)
        return 0;
    if ((uint64_t)tv->tv_sec >= (uint64_t)AN_TIME_MAX / USEC_PER_SEC)
        return AN_TIME_MAX;
    return (an_time)tv->tv_sec * USEC_PER_SEC + tv->tv_usec;
}

int offline_read(const char *path, struct analyzer *a, char *err, size_t err_cap)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    FILE *stream = strcmp(path, STDIN_PATH) == 0 ? stdin : fopen(path, "rb");
    if (stream == NULL) {
        snprintf(err, err_cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    setvbuf(stream, NULL, _IOFBF, READ_BUFFER);
    /* pcap_fopen_offline takes the stream over: pcap_close closes it */
    pcap_t *p = pcap_fopen_offline(stream, errbuf);
    if (p == NULL) {
        if (stream != stdin)
            fclose(stream);
        snprintf(err, err_cap, "%s: %s", path, errbuf);
        return -1;
    }
    int dlt = pcap_datalink(p);
    if (!linktype_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, err_cap,
                 "%s: link type %s (%d) not supported (Ethernet, Linux cooked v1/v2, raw IP, "
                 "BSD loopback)",
                 path, name ? name : "?", dlt);
        pcap_close(p);
        return -1;
    }
    struct comment_reader comments;
    comments_open(&comments, path);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc, result = 0;
    uint64_t number = 0;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        struct an_frame f = {
            .number = ++number,
            .ts = frame_time(&h->ts),
            .linktype = dlt,
            .data = data,
            .caplen = h->caplen,
            .wirelen = h->len,
            .comment = comments_next(&comments),
        };
        analyzer_frame(a, &f);
    }
    if (rc == PCAP_ERROR) {
        snprintf(err, err_cap, "%s: after frame %llu: %s", path, (unsigned long long)number,
                 pcap_geterr(p));
        result = -1;
    }
    comments_close(&comments);
    pcap_close(p);
    return result;
}
