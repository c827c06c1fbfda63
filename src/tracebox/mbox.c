/* Middlebox attribution, the tracebox idea (Detal et al., IMC 2013) as the original tcpreq's
 * BaseTest._detect_mboxes implements it: each time-exceeded quote (RFC 792, RFC 4443) shows
 * the probe as it arrived at one hop. If a quote differs from what was sent, something at or
 * before that hop changed it; the nearest such hop bounds the middlebox best. */
#include "tracebox/mbox.h"

#include <stdio.h>
#include <string.h>

#include "tracebox/ttl_code.h"

/* Larger than any decodable hop: "no middlebox hop known yet". */
#define MBOX_HOP_NONE (HOP_LIMIT + 1)
#define HOP_UNKNOWN 0
#define HOP_FIRST 1

static void copy_text(char *dst, const char *src)
{
    snprintf(dst, MBOX_DIFF_TEXT, "%s", src);
}

static bool path_contains(const struct mbox_result *res, const struct path_hop *h)
{
    for (size_t i = 0; i < res->path_len; i++)
        if (res->path[i].hop == h->hop && ip_addr_equal(&res->path[i].router, &h->router))
            return true;
    return false;
}

/* Insert in hop order: equal hops stay in arrival order (the original's stable sort), and a
 * router that answered twice for the same hop is listed once. When full, the list keeps the
 * nearest hops, as sorting everything and then truncating would. */
static void path_insert(struct mbox_result *res, const struct icmp_quote *q)
{
    struct path_hop h = {.hop = q->hop, .router = q->router};
    if (path_contains(res, &h))
        return;
    if (res->path_len >= PATH_MAX_HOPS) {
        if (res->path[PATH_MAX_HOPS - 1].hop <= h.hop)
            return;
        res->path_len = PATH_MAX_HOPS - 1; /* evict the farthest, latest-arrived hop */
    }
    size_t pos = res->path_len;
    while (pos > 0 && res->path[pos - 1].hop > h.hop) {
        res->path[pos] = res->path[pos - 1];
        pos--;
    }
    res->path[pos] = h;
    res->path_len++;
}

void mbox_detect(struct icmp_quote *q, size_t n, unsigned fields, unsigned hop_max,
                 quote_diff_fn diff, const void *ctx, struct mbox_result *res)
{
    unsigned mbox_hop = MBOX_HOP_NONE;

    memset(res, 0, sizeof(*res));
    if (q == NULL)
        n = 0;

    for (size_t i = 0; i < n; i++) {
        /* The IP ID only carries a guess if the probes wrote the code there. */
        unsigned guess = (fields & TTL_ENC_IPID) ? q[i].hop_guess : HOP_UNKNOWN;
        unsigned hop =
            ttl_decode_tcp(q[i].quote, q[i].quote_len, guess, HOP_LIMIT, fields & TTL_ENC_TCP);
        if (hop > hop_max)
            hop = HOP_UNKNOWN;
        q[i].hop = hop;
        bool hop_unk = hop == HOP_UNKNOWN;

        /* Diffing can only improve the result: when there is none yet, or when this quote
         * comes from a hop nearer than the one the current result blames. An unknown hop
         * never replaces a result. */
        if ((hop_unk && res->detected) || hop >= mbox_hop || diff == NULL)
            continue;

        char exp[MBOX_DIFF_TEXT] = "", seen[MBOX_DIFF_TEXT] = "";
        if (!diff(&q[i], ctx, exp, sizeof(exp), seen, sizeof(seen)))
            continue;
        /* Terminate defensively: the callback is test code we do not control. */
        exp[MBOX_DIFF_TEXT - 1] = seen[MBOX_DIFF_TEXT - 1] = '\0';
        res->detected = true;
        res->hop = hop;
        copy_text(res->expected, exp);
        copy_text(res->seen, seen);
        if (!hop_unk)
            mbox_hop = hop;
    }

    /* With a middlebox located, the path ends at it: hops beyond it saw a modified probe,
     * and unknown hops cannot be placed. */
    bool located = mbox_hop <= HOP_LIMIT;
    for (size_t i = 0; i < n; i++) {
        if (located && (q[i].hop < HOP_FIRST || q[i].hop > mbox_hop))
            continue;
        path_insert(res, &q[i]);
    }
}

void mbox_reason(const struct mbox_result *res, const char *info, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return;
    if (info == NULL)
        info = "";
    if (res->hop == HOP_UNKNOWN)
        snprintf(buf, cap, "Middlebox interference detected at unknown hop (%s)", info);
    else
        snprintf(buf, cap, "Middlebox interference detected at or before hop %u (%s)", res->hop,
                 info);
}
