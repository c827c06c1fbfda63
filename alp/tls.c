/* TLS on the well-known TLS ports: an OpenSSL client over memory BIOs, so a test case gets a
 * real ClientHello (and whatever the handshake says next) without a socket. As in the original
 * tcpreq the point is to make the server talk, not to secure anything: no certificate checks,
 * every cipher offered.
 *
 * Security level: we keep OpenSSL's default. "ALL:COMPLEMENTOFALL" is accepted at any level;
 * the level only drops what it forbids (NULL/anonymous/export-grade suites, and in OpenSSL 3
 * TLS 1.0/1.1) from the hello. Any server still answers that hello, even if only with an
 * alert, which is all a TCP test needs; lowering the level would only advertise broken crypto. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "alp/alp.h"
#include "common/err.h"

/* The original reads at most this much pending output when no length hint is given:
 * the default send MSS (RFC 9293 MUST-15, IPv4). */
#define DEFAULT_CHUNK 536
/* Applies to TLS 1.2 and below; TLS 1.3 suites stay OpenSSL's default set. */
#define CIPHER_LIST "ALL:COMPLEMENTOFALL"
/* SSL_CTX_set_min_proto_version: 0 means the lowest version the library (and its security
 * level) permits, overriding a stricter MinProtocol from the system's openssl.cnf. */
#define LOWEST_PROTOCOL_VERSION 0
/* SSL_do_handshake's return value once the handshake has completed. */
#define HANDSHAKE_DONE 1
/* BIO_set_mem_eof_return: an empty input BIO means "no data yet" (retry), not end of stream. */
#define EMPTY_BIO_MEANS_RETRY (-1)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct alp_session {
    SSL *ssl; /* owns both BIOs */
    BIO *in;  /* bytes from the server, read by OpenSSL */
    BIO *out; /* bytes OpenSSL wants sent to the server */
    bool close_notify_sent;
};

/* Shared by all sessions, created on first use; never freed (OpenSSL's own exit handler
 * releases what it holds). Not thread-safe: the engine runs one loop. */
static SSL_CTX *shared_ctx;

static SSL_CTX *tls_context(void)
{
    if (shared_ctx)
        return shared_ctx;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (SSL_CTX_set_cipher_list(ctx, CIPHER_LIST) != 1 ||
        SSL_CTX_set_min_proto_version(ctx, LOWEST_PROTOCOL_VERSION) != 1) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    shared_ctx = ctx;
    return shared_ctx;
}

/* RFC 6066 3: SNI carries DNS host names only, never an IP literal. */
static bool is_host_name(const char *host)
{
    struct ip_addr ignored;
    return host && host[0] != '\0' && ip_addr_parse(host, &ignored) != 0;
}

static void tls_close(struct alp_session *s)
{
    if (!s)
        return;
    SSL_free(s->ssl); /* frees the BIOs it was given */
    free(s);
}

static struct alp_session *tls_open(const struct alp_peer *peer)
{
    SSL_CTX *ctx = tls_context();
    if (!ctx)
        return NULL;
    struct alp_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ssl = SSL_new(ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (!s->ssl || !s->in || !s->out) {
        BIO_free(s->in);
        BIO_free(s->out);
        SSL_free(s->ssl);
        free(s);
        ERR_clear_error();
        return NULL;
    }
    BIO_set_mem_eof_return(s->in, EMPTY_BIO_MEANS_RETRY);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_connect_state(s->ssl);
    /* A name too long for SNI is left out: the TCP test needs the hello more than the name. */
    if (peer && is_host_name(peer->host))
        (void)SSL_set_tlsext_host_name(s->ssl, peer->host);
    ERR_clear_error();
    return s;
}

/* Let OpenSSL act on what the server sent so far. Failures are not errors for us: OpenSSL
 * queues the alert it wants to send in the output BIO, and that is the next request. */
static void advance_handshake(struct alp_session *s)
{
    int rc = SSL_do_handshake(s->ssl);
    /* Like the original: once the handshake is complete and nothing is left to say,
     * close the TLS session politely (close_notify), once. */
    if (rc == HANDSHAKE_DONE && BIO_ctrl_pending(s->out) == 0 && !s->close_notify_sent) {
        (void)SSL_shutdown(s->ssl);
        s->close_notify_sent = true;
    }
    /* OpenSSL's error queue is per thread: drop this session's entries so they neither
     * pile up nor leak into another session's diagnosis. */
    ERR_clear_error();
}

static ssize_t tls_pull(struct alp_session *s, size_t length_hint, uint8_t *buf, size_t cap)
{
    advance_handshake(s);
    size_t pending = BIO_ctrl_pending(s->out);
    if (pending == 0)
        return 0;
    if (cap == 0)
        return TCPREQ_ENOSPC;
    /* Only the hinted amount; the rest stays queued for the next pull, as in the original. */
    size_t want = length_hint ? length_hint : DEFAULT_CHUNK;
    if (want > cap)
        want = cap;
    if (want > pending)
        want = pending;
    if (want > INT_MAX)
        want = INT_MAX;
    int n = BIO_read(s->out, buf, (int)want);
    if (n <= 0) {
        ERR_clear_error();
        return TCPREQ_EPROTO;
    }
    return n;
}

static void tls_push(struct alp_session *s, const uint8_t *data, size_t len)
{
    /* Processing happens on the next pull; a memory BIO write fails only without memory,
     * and then the handshake simply lacks those bytes. */
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = BIO_write(s->in, data, chunk);
        if (n <= 0) {
            ERR_clear_error();
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

/* HTTPS, SMTPS, NNTPS, LDAPS, DNS over TLS, FTPS data and control, Telnet over TLS, IMAPS,
 * POP3S, XMPP client-server and server-server over TLS, IRC over TLS. */
static const uint16_t tls_ports[] = {443, 465, 563, 636,  853,  989, 990,
                                     992, 993, 995, 5223, 5270, 6697};

const struct alp alp_tls = {
    .name = "tls",
    .ports = tls_ports,
    .n_ports = ARRAY_LEN(tls_ports),
    .open = tls_open,
    .pull = tls_pull,
    .push = tls_push,
    .close = tls_close,
};
