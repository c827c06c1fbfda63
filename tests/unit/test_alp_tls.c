/* The TLS ALP: its first pull is one ClientHello record (parsed here, bounds-checked), SNI
 * follows the host, length hints split the output, server garbage only ever yields an alert,
 * and a handshake with an in-memory OpenSSL server completes and ends with close_notify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "alp/alp.h"
#include "common/err.h"

#define RECORD_HEADER_LEN 5
#define HANDSHAKE_HEADER_LEN 4
#define CONTENT_HANDSHAKE 22
#define CONTENT_ALERT 21
#define HANDSHAKE_CLIENT_HELLO 1
#define HANDSHAKE_SERVER_HELLO 2
#define RANDOM_LEN 32
#define EXT_SERVER_NAME 0x0000
#define SNI_HOST_NAME 0
#define MAX_HOST_NAME 255
/* Large enough for any record (2^14 bytes plus expansion), so one pull takes a whole flight. */
#define BIG 20000
/* The ALP's chunk when no length hint is given (the original's default). */
#define DEFAULT_CHUNK 536
#define MAX_ROUND_TRIPS 10
#define CERT_VALIDITY_SECONDS 3600

/* Bounds-checked reader: any read past the end clears ok and yields zeros. */
struct cursor {
    const uint8_t *p;
    size_t left;
    bool ok;
};

static uint32_t get_be(struct cursor *c, size_t n)
{
    uint32_t v = 0;
    if (!c->ok || c->left < n) {
        c->ok = false;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        v = v << 8 | c->p[i];
    c->p += n;
    c->left -= n;
    return v;
}

/* A sub-cursor over the next n bytes, which are skipped in c. */
static struct cursor take(struct cursor *c, size_t n)
{
    struct cursor sub = {.p = c->p, .left = n, .ok = c->ok && c->left >= n};
    if (!sub.ok) {
        c->ok = false;
        sub.left = 0;
        return sub;
    }
    c->p += n;
    c->left -= n;
    return sub;
}

struct client_hello {
    uint16_t record_version;
    bool has_sni;
    char sni[MAX_HOST_NAME + 1];
};

static bool parse_sni(struct cursor ext, struct client_hello *out)
{
    struct cursor list = take(&ext, get_be(&ext, 2));
    if (get_be(&list, 1) != SNI_HOST_NAME)
        return false;
    struct cursor name = take(&list, get_be(&list, 2));
    if (!name.ok || name.left > MAX_HOST_NAME)
        return false;
    memcpy(out->sni, name.p, name.left);
    out->sni[name.left] = '\0';
    out->has_sni = true;
    return list.ok && ext.ok;
}

/* True when buf is exactly one complete, well-formed ClientHello record. */
static bool parse_client_hello(const uint8_t *buf, size_t len, struct client_hello *out)
{
    memset(out, 0, sizeof(*out));
    struct cursor rec = {.p = buf, .left = len, .ok = true};
    if (get_be(&rec, 1) != CONTENT_HANDSHAKE)
        return false;
    out->record_version = (uint16_t)get_be(&rec, 2);
    size_t record_len = get_be(&rec, 2);
    if (!rec.ok || rec.left != record_len)
        return false;
    if (get_be(&rec, 1) != HANDSHAKE_CLIENT_HELLO)
        return false;
    size_t body_len = get_be(&rec, 3);
    if (!rec.ok || body_len != record_len - HANDSHAKE_HEADER_LEN)
        return false;
    get_be(&rec, 2); /* client_version */
    take(&rec, RANDOM_LEN);
    take(&rec, get_be(&rec, 1)); /* session_id */
    take(&rec, get_be(&rec, 2)); /* cipher_suites */
    take(&rec, get_be(&rec, 1)); /* compression_methods */
    struct cursor exts = take(&rec, get_be(&rec, 2));
    if (!rec.ok || rec.left != 0)
        return false;
    while (exts.ok && exts.left > 0) {
        uint32_t type = get_be(&exts, 2);
        struct cursor ext = take(&exts, get_be(&exts, 2));
        if (exts.ok && type == EXT_SERVER_NAME && !parse_sni(ext, out))
            return false;
    }
    return exts.ok;
}

static struct alp_session *open_tls(const char *host)
{
    const struct alp_peer peer = {.port = 443, .host = host};
    struct alp_session *s = alp_tls.open(&peer);
    assert_non_null(s);
    return s;
}

static size_t pull_hello(const char *host, struct client_hello *hello)
{
    uint8_t buf[BIG];
    struct alp_session *s = open_tls(host);
    ssize_t n = alp_tls.pull(s, sizeof(buf), buf, sizeof(buf));
    assert_true(n > RECORD_HEADER_LEN);
    assert_true(parse_client_hello(buf, (size_t)n, hello));
    /* Nothing more to say until the server answers. */
    assert_int_equal(alp_tls.pull(s, sizeof(buf), buf, sizeof(buf)), 0);
    alp_tls.close(s);
    return (size_t)n;
}

static void test_client_hello_record(void **state)
{
    (void)state;
    struct client_hello hello;
    pull_hello("example.org", &hello);
    assert_true(hello.record_version == 0x0301 || hello.record_version == 0x0303);
    assert_true(hello.has_sni);
    assert_string_equal(hello.sni, "example.org");
}

static void test_no_sni_without_name(void **state)
{
    (void)state;
    struct client_hello hello;
    pull_hello(NULL, &hello);
    assert_false(hello.has_sni);
    pull_hello("", &hello);
    assert_false(hello.has_sni);
    /* RFC 6066: IP literals are not server names. */
    pull_hello("192.0.2.1", &hello);
    assert_false(hello.has_sni);
    pull_hello("2001:db8::1", &hello);
    assert_false(hello.has_sni);
}

static void test_hint_splits_output(void **state)
{
    (void)state;
    const size_t hint = 100;
    uint8_t buf[BIG];
    struct alp_session *s = open_tls("example.org");
    ssize_t first = alp_tls.pull(s, hint, buf, sizeof(buf));
    assert_int_equal(first, hint);
    size_t total = RECORD_HEADER_LEN + ((size_t)buf[3] << 8 | buf[4]);
    assert_true(total > hint);
    ssize_t rest = alp_tls.pull(s, sizeof(buf) - hint, buf + hint, sizeof(buf) - hint);
    assert_int_equal(rest, total - hint);
    struct client_hello hello;
    assert_true(parse_client_hello(buf, total, &hello));
    assert_string_equal(hello.sni, "example.org");
    assert_int_equal(alp_tls.pull(s, hint, buf, sizeof(buf)), 0);
    alp_tls.close(s);
}

static void test_default_chunk_and_cap(void **state)
{
    (void)state;
    struct client_hello hello;
    const size_t total = pull_hello("example.org", &hello);
    const size_t expected_first = total < DEFAULT_CHUNK ? total : DEFAULT_CHUNK;
    uint8_t buf[BIG];
    struct alp_session *s = open_tls("example.org");
    assert_int_equal(alp_tls.pull(s, 0, buf, sizeof(buf)), expected_first);
    alp_tls.close(s);
    /* The buffer bounds the pull below the hint; cap 0 with output pending is an error. */
    s = open_tls("example.org");
    assert_int_equal(alp_tls.pull(s, sizeof(buf), buf, 0), TCPREQ_ENOSPC);
    assert_int_equal(alp_tls.pull(s, sizeof(buf), buf, RECORD_HEADER_LEN), RECORD_HEADER_LEN);
    assert_int_equal(buf[0], CONTENT_HANDSHAKE);
    alp_tls.close(s);
}

/* After the server sent garbage, every pull is >= 0, any bytes are an alert record, and the
 * session falls silent instead of producing output forever. */
static void expect_alert_or_silence(const uint8_t *garbage, size_t len)
{
    uint8_t buf[BIG];
    struct alp_session *s = open_tls("example.org");
    assert_true(alp_tls.pull(s, sizeof(buf), buf, sizeof(buf)) > 0);
    alp_tls.push(s, garbage, len);
    ssize_t n = alp_tls.pull(s, sizeof(buf), buf, sizeof(buf));
    assert_true(n >= 0);
    if (n > 0)
        assert_int_equal(buf[0], CONTENT_ALERT);
    alp_tls.push(s, garbage, len);
    for (int i = 0; i < MAX_ROUND_TRIPS && n != 0; i++) {
        n = alp_tls.pull(s, sizeof(buf), buf, sizeof(buf));
        assert_true(n >= 0);
    }
    assert_int_equal(n, 0);
    alp_tls.close(s);
}

static void test_server_garbage(void **state)
{
    (void)state;
    const uint8_t http_reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    expect_alert_or_silence(http_reply, sizeof(http_reply) - 1);
    /* A handshake record whose ServerHello claims more bytes than the record holds. */
    const uint8_t bad_hello[] = {CONTENT_HANDSHAKE,      0x03, 0x03, 0x00, 0x04,
                                 HANDSHAKE_SERVER_HELLO, 0x00, 0xff, 0xff};
    expect_alert_or_silence(bad_hello, sizeof(bad_hello));
    uint8_t noise[BIG];
    for (size_t i = 0; i < sizeof(noise); i++)
        noise[i] = (uint8_t)(i * 131 + 7);
    expect_alert_or_silence(noise, sizeof(noise));
}

static void test_open_close(void **state)
{
    (void)state;
    alp_tls.close(open_tls("example.org"));
    alp_tls.close(open_tls(NULL));
    alp_tls.close(NULL);
    /* Push before any pull is just buffered. */
    uint8_t buf[BIG];
    struct alp_session *s = open_tls(NULL);
    const uint8_t alert[] = {CONTENT_ALERT, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    alp_tls.push(s, alert, sizeof(alert));
    assert_true(alp_tls.pull(s, sizeof(buf), buf, sizeof(buf)) >= 0);
    alp_tls.close(s);
}

/* An in-memory TLS server with a throwaway self-signed certificate. */
static SSL_CTX *make_server_ctx(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    assert_non_null(key);
    assert_non_null(cert);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), CERT_VALIDITY_SECONDS);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"example.org", -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ctx;
}

static void test_full_handshake_then_close_notify(void **state)
{
    (void)state;
    SSL_CTX *server_ctx = make_server_ctx();
    SSL *server = SSL_new(server_ctx);
    BIO *server_in = BIO_new(BIO_s_mem());
    BIO *server_out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(server_in, -1);
    SSL_set_bio(server, server_in, server_out);
    SSL_set_accept_state(server);

    struct alp_session *client = open_tls("example.org");
    uint8_t buf[BIG];
    bool close_notify_seen = false;
    for (int round = 0; round < MAX_ROUND_TRIPS && !close_notify_seen; round++) {
        ssize_t n;
        while ((n = alp_tls.pull(client, sizeof(buf), buf, sizeof(buf))) > 0)
            assert_int_equal(BIO_write(server_in, buf, (int)n), n);
        assert_int_equal(n, 0);
        if (!SSL_is_init_finished(server)) {
            SSL_do_handshake(server);
        } else {
            char byte;
            int r = SSL_read(server, &byte, 1);
            close_notify_seen = r <= 0 && SSL_get_error(server, r) == SSL_ERROR_ZERO_RETURN;
        }
        int out;
        while ((out = BIO_read(server_out, buf, sizeof(buf))) > 0)
            alp_tls.push(client, buf, (size_t)out);
    }
    assert_true(SSL_is_init_finished(server));
    assert_true(close_notify_seen);
    /* Done: nothing more to send. */
    assert_int_equal(alp_tls.pull(client, sizeof(buf), buf, sizeof(buf)), 0);
    alp_tls.close(client);
    SSL_free(server);
    SSL_CTX_free(server_ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_record),
        cmocka_unit_test(test_no_sni_without_name),
        cmocka_unit_test(test_hint_splits_output),
        cmocka_unit_test(test_default_chunk_and_cap),
        cmocka_unit_test(test_server_garbage),
        cmocka_unit_test(test_open_close),
        cmocka_unit_test(test_full_handshake_then_close_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
