/* The HTTP ALP's request, byte for byte as the original tcpreq pads it to a length hint, and
 * the port registry that picks an ALP. Expected lengths are counted by hand: the unpadded
 * request is 64 bytes + final CRLF, Cache-Control adds 59, Pragma 18, Referer 22. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "alp/alp.h"
#include "common/err.h"

#define BUF_CAP 4096

#define BASE_WITH_HOST(host)                                                                       \
    "GET / HTTP/1.1\r\nHost: " host "\r\nUser-Agent: tcpreq (TCP research scan)\r\n"
#define BASE BASE_WITH_HOST("")
#define CACHE "Cache-Control: max-age=3600, max-stale=1600, no-transform\r\n"
#define PRAGMA "Pragma: no-cache\r\n"
#define REFERER "Referer: about:blank\r\n"
#define FIXED BASE CACHE PRAGMA REFERER
#define END "\r\n"

/* Accept values up to image/gif (10 of them), the next one, and the whole rest. */
#define TYPES_TO_GIF                                                                               \
    "*/*; q=0.300, text/html; q=0.999, application/xhtml+xml; q=1.000, "                           \
    "application/xml; q=0.900, text/xml; q=0.900, application/json; q=0.650, "                     \
    "application/pdf; q=0.800, image/*; q=0.700, image/png; q=0.775, image/gif; q=0.750"
#define TYPES_TO_JPEG TYPES_TO_GIF ", image/jpeg; q=0.725"
#define TYPES_TO_MARKDOWN                                                                          \
    TYPES_TO_JPEG ", text/*; q=0.500, video/*; q=0.100, audio/*; q=0.200, "                        \
                  "application/rtf; q=0.675, text/markdown; q=0.600"
#define TYPES_ALL TYPES_TO_MARKDOWN ", text/plain; q=0.400, application/atom+xml; q=0.900"
#define CHARSETS_ALL                                                                               \
    "*; q=0.200, utf-8; q=1.000, us-ascii; q=0.100, utf-16le; q=0.900, utf-16; q=0.850, "          \
    "utf-16be; q=0.800, utf-32le; q=0.700, utf-32; q=0.650, utf-32be; q=0.600, "                   \
    "iso-8859-15; q=0.500, windows-1252; q=0.400, iso-8859-1; q=0.300"
#define LANGS_TO_ES_MX                                                                             \
    "*; q=0.100, en-US; q=1.000, en; q=0.900, en-GB; q=0.850, en-CA; q=0.950, "                    \
    "en-AU; q=0.800, de-DE; q=0.600, de; q=0.500, de-CH; q=0.550, de-AT; q=0.450, "                \
    "es; q=0.300, es-MX; q=0.350"
#define LANGS_ALL LANGS_TO_ES_MX ", es-ES; q=0.250, pt; q=0.200, fr; q=0.200"
#define ENCODINGS_ALL "identity; q=1.000, *; q=0.000"

#define FULL_REQUEST                                                                               \
    FIXED "Accept: " TYPES_ALL "\r\n"                                                              \
          "Accept-Charset: " CHARSETS_ALL "\r\n"                                                   \
          "Accept-Language: " LANGS_ALL "\r\n"                                                     \
          "Accept-Encoding: " ENCODINGS_ALL "\r\n" END

/* Cache-Control is the longest single padding step. */
#define LONGEST_PADDING_STEP (sizeof(CACHE) - 1)

static const uint16_t tls_ports[] = {443, 465, 563, 636,  853,  989, 990,
                                     992, 993, 995, 5223, 5270, 6697};

static ssize_t pull_once(const char *host, size_t hint, uint8_t *buf, size_t cap)
{
    const struct alp_peer peer = {.port = 80, .host = host};
    struct alp_session *s = alp_http.open(&peer);
    assert_non_null(s);
    ssize_t n = alp_http.pull(s, hint, buf, cap);
    alp_http.close(s);
    return n;
}

static void expect_request(const char *host, size_t hint, const char *expected)
{
    uint8_t buf[BUF_CAP];
    ssize_t n = pull_once(host, hint, buf, sizeof(buf));
    assert_int_equal(n, strlen(expected));
    assert_memory_equal(buf, expected, strlen(expected));
}

static void test_no_hint(void **state)
{
    (void)state;
    expect_request(NULL, 0, BASE END);
    assert_int_equal(strlen(BASE END), 66);
}

static void test_fixed_header_boundaries(void **state)
{
    (void)state;
    /* Within 2 bytes of the hint (room for the final CRLF only) means done. */
    expect_request(NULL, 66, BASE END);
    expect_request(NULL, 67, BASE CACHE END);
    expect_request(NULL, 100, BASE CACHE END);
    expect_request(NULL, 125, BASE CACHE END);
    expect_request(NULL, 126, BASE CACHE PRAGMA END);
    expect_request(NULL, 163, FIXED END);
    expect_request(NULL, 165, FIXED END);
    assert_int_equal(strlen(FIXED END), 165);
    /* One byte more starts Accept, whose first value already overshoots. */
    expect_request(NULL, 166, FIXED "Accept: */*; q=0.300\r\n" END);
}

static void test_accept_list_boundaries(void **state)
{
    (void)state;
    /* After image/gif the header ends at 393: 395 - 393 = 2 stops, 396 takes image/jpeg. */
    expect_request(NULL, 395, FIXED "Accept: " TYPES_TO_GIF "\r\n" END);
    assert_int_equal(strlen(FIXED "Accept: " TYPES_TO_GIF "\r\n" END), 395);
    expect_request(NULL, 396, FIXED "Accept: " TYPES_TO_JPEG "\r\n" END);
    expect_request(NULL, 400, FIXED "Accept: " TYPES_TO_JPEG "\r\n" END);
    assert_int_equal(strlen(FIXED "Accept: " TYPES_TO_JPEG "\r\n" END), 416);
    expect_request(NULL, 500, FIXED "Accept: " TYPES_TO_MARKDOWN "\r\n" END);
    /* 556 - 40: an IPv4 MSS-sized segment less its headers. */
    expect_request(NULL, 516, FIXED "Accept: " TYPES_TO_MARKDOWN "\r\n" END);
    assert_int_equal(strlen(FIXED "Accept: " TYPES_TO_MARKDOWN "\r\n" END), 519);
}

static void test_later_lists(void **state)
{
    (void)state;
    /* A list used up without reaching the hint goes on with the next header. */
    expect_request(NULL, 1000,
                   FIXED "Accept: " TYPES_ALL "\r\n"
                         "Accept-Charset: " CHARSETS_ALL "\r\n"
                         "Accept-Language: " LANGS_TO_ES_MX "\r\n" END);
    /* Past everything there is, the request stops at its full size. */
    expect_request(NULL, 5000, FULL_REQUEST);
    expect_request(NULL, SIZE_MAX, FULL_REQUEST);
    assert_int_equal(strlen(FULL_REQUEST), 1096);
}

static void test_length_tracks_hint(void **state)
{
    (void)state;
    uint8_t buf[BUF_CAP];
    const size_t full = strlen(FULL_REQUEST);
    /* Padding never falls short of the hint and overshoots by less than one padding step. */
    for (size_t hint = strlen(BASE END) + 1; hint <= full; hint++) {
        ssize_t n = pull_once(NULL, hint, buf, sizeof(buf));
        assert_true(n >= (ssize_t)hint);
        assert_true((size_t)n - hint < LONGEST_PADDING_STEP);
        assert_memory_equal(buf + n - 4, "\r\n\r\n", 4);
    }
}

static void test_host_percent_encoded(void **state)
{
    (void)state;
    expect_request("example.org", 0, BASE_WITH_HOST("example.org") END);
    /* UTF-8 bytes, ':' and ' ' escaped; unreserved characters and '/' kept. */
    expect_request("ex\xc3\xa4"
                   "mple.org:8080/a b~_.-AZaz09",
                   0, BASE_WITH_HOST("ex%C3%A4mple.org%3A8080/a%20b~_.-AZaz09") END);
    expect_request("\r\n", 0, BASE_WITH_HOST("%0D%0A") END);
    /* The host counts towards the hint: 11 bytes more than without, so 77 is the limit. */
    expect_request("example.org", 77, BASE_WITH_HOST("example.org") END);
    expect_request("example.org", 78, BASE_WITH_HOST("example.org") CACHE END);
}

static void test_second_pull_and_push(void **state)
{
    (void)state;
    uint8_t buf[BUF_CAP];
    const struct alp_peer peer = {.port = 80};
    struct alp_session *s = alp_http.open(&peer);
    assert_non_null(s);
    assert_int_equal(alp_http.pull(s, 0, buf, sizeof(buf)), strlen(BASE END));
    const uint8_t response[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    alp_http.push(s, response, sizeof(response) - 1);
    assert_int_equal(alp_http.pull(s, 0, buf, sizeof(buf)), 0);
    assert_int_equal(alp_http.pull(s, 500, buf, sizeof(buf)), 0);
    alp_http.close(s);
}

static void test_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[BUF_CAP];
    const size_t len = strlen(BASE CACHE END);
    const struct alp_peer peer = {.port = 80};
    struct alp_session *s = alp_http.open(&peer);
    assert_non_null(s);
    assert_int_equal(alp_http.pull(s, 100, buf, 0), TCPREQ_ENOSPC);
    assert_int_equal(alp_http.pull(s, 100, buf, len - 1), TCPREQ_ENOSPC);
    /* A refused pull consumes nothing. */
    assert_int_equal(alp_http.pull(s, 100, buf, len), len);
    assert_memory_equal(buf, BASE CACHE END, len);
    alp_http.close(s);
    alp_http.close(NULL);
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(alp_for_port(80), &alp_http);
    assert_null(alp_for_port(22));
    assert_null(alp_for_port(0));
    assert_null(alp_for_port(8080));
    for (size_t i = 0; i < sizeof(tls_ports) / sizeof(tls_ports[0]); i++)
        assert_ptr_equal(alp_for_port(tls_ports[i]), &alp_tls);
    assert_int_equal(alp_tls.n_ports, sizeof(tls_ports) / sizeof(tls_ports[0]));
    /* Every port an ALP lists resolves to that ALP: no port is claimed twice. */
    const struct alp *all[] = {&alp_http, &alp_tls};
    for (size_t a = 0; a < sizeof(all) / sizeof(all[0]); a++)
        for (size_t p = 0; p < all[a]->n_ports; p++)
            assert_ptr_equal(alp_for_port(all[a]->ports[p]), all[a]);
    assert_string_equal(alp_http.name, "http");
    assert_string_equal(alp_tls.name, "tls");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_hint),
        cmocka_unit_test(test_fixed_header_boundaries),
        cmocka_unit_test(test_accept_list_boundaries),
        cmocka_unit_test(test_later_lists),
        cmocka_unit_test(test_length_tracks_hint),
        cmocka_unit_test(test_host_percent_encoded),
        cmocka_unit_test(test_second_pull_and_push),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
