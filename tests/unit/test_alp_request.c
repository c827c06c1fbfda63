/* tests_cases/alp_request.h: the ALP's first flight in one buffer, whatever the pieces the
 * ALP hands it over in; the reasons of the UNK when there is none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tests_cases/alp_request.h"

#define REASON_CAP 128
#define TLS_PORT 443
#define NO_ALP_PORT 22
#define TLS_RECORD_HEADER 5
#define TLS_HANDSHAKE 22
#define SMALL_HINT 100
#define BUF_CAP 4096

/* A test instance of any case: only its env (port, address, host) is read. */
static void instance(struct fe *f, uint16_t port)
{
    fe_init(f, "MssOnlyInSynTest", FE_V4, &tc_timing_default);
    f->t.env.dport = port;
}

static void test_http_request(void **state)
{
    (void)state;
    struct fe f;
    instance(&f, FE_DPORT);
    uint8_t got[BUF_CAP], want[BUF_CAP];
    char why[REASON_CAP] = "";
    size_t n = alp_request_pull(&f.t, SMALL_HINT, got, sizeof(got), why, sizeof(why));
    const struct alp *alp = alp_for_port(FE_DPORT);
    struct alp_peer peer = {.ip = f.t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    ssize_t m = alp->pull(s, SMALL_HINT, want, sizeof(want));
    alp->close(s);
    assert_int_equal(n, (size_t)m);
    assert_memory_equal(got, want, n);
    assert_string_equal(why, "");
    fe_free(&f);
}

/* TLS hands its ClientHello over in hint-sized pieces: all of them, one whole record. */
static void test_tls_flight_whole(void **state)
{
    (void)state;
    struct fe f;
    instance(&f, TLS_PORT);
    uint8_t got[BUF_CAP];
    char why[REASON_CAP] = "";
    size_t n = alp_request_pull(&f.t, SMALL_HINT, got, sizeof(got), why, sizeof(why));
    assert_true(n > SMALL_HINT);
    assert_int_equal(got[0], TLS_HANDSHAKE);
    assert_int_equal(n, TLS_RECORD_HEADER + ((size_t)got[3] << 8 | got[4]));
    /* a flight that does not fit is not sent by halves */
    n = alp_request_pull(&f.t, SMALL_HINT, got, SMALL_HINT + 1, why, sizeof(why));
    assert_int_equal(n, 0);
    assert_string_equal(why, ALP_REQUEST_NO_DATA);
    fe_free(&f);
}

static void test_none(void **state)
{
    (void)state;
    struct fe f;
    instance(&f, NO_ALP_PORT);
    uint8_t buf[BUF_CAP];
    char why[REASON_CAP] = "";
    assert_int_equal(alp_request_pull(&f.t, 0, buf, sizeof(buf), why, sizeof(why)), 0);
    assert_string_equal(why, "Missing ALP module for port 22");
    fe_free(&f);
    /* HTTP's request does not fit: nothing, and the ALP's failure */
    instance(&f, FE_DPORT);
    assert_int_equal(alp_request_pull(&f.t, 0, buf, 10, why, sizeof(why)), 0);
    assert_string_equal(why, ALP_REQUEST_NO_DATA);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_request),
        cmocka_unit_test(test_tls_flight_whole),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
