/* A synthetic tcpreq dataset for bench/summary.sh: TARGETS targets split over SHARDS JSON
 * Lines files as --shard would split them, each target with the default suite's 19 results
 * (liveness before every test and at the end) in tcpreq's schema and key order. Statuses
 * follow a deterministic pseudo-random draw: mostly PASS, some UNK blaming a middlebox at
 * hop 1..8 or at an unknown hop, some FAIL and ERR with the reasons tcpreq gives; 0.5 % of
 * the targets are DISC and 0.3 % FLTR; one in 8 is IPv6.
 *
 *     bench_gen_dataset DIR TARGETS SHARDS     -> DIR/shard-I.jsonl, prints the totals */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const suite[] = {
    "IncorrectChecksumTest", "ZeroChecksumTest",  "OptionSupportTest",
    "UnknownOptionTest",     "MSSSupportTest",    "MissingMSSTest",
    "MultiMSSTest",          "ReservedFlagsTest", "UrgentPointerTest",
};
#define SUITE_LEN (sizeof(suite) / sizeof(suite[0]))
static const char *const fail_reasons[] = {
    "ACK with incorrect checksum accepted",
    "Segment of 1460 bytes exceeds announced MSS 515",
    "Reserved flags set in SYN-ACK",
    "Timeout during handshake with unknown option",
};
static const char *const err_reasons[] = {"Missing ALP module for port 8080",
                                          "Timeout during handshake"};

/* xorshift64*: deterministic, so every run benches the same dataset */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

struct counts {
    uint64_t targets, results, disc, fltr;
};

static void result(FILE *f, const char *test, unsigned sport, bool first)
{
    unsigned draw = (unsigned)(rnd() % 1000);
    const char *status = "PASS";
    char reason[160] = "null";
    if (strcmp(test, "LivenessTest") != 0 && draw < 30) {
        status = "UNK";
        unsigned hop = 1 + (unsigned)(rnd() % 9);
        if (hop == 9)
            snprintf(reason, sizeof(reason),
                     "\"Middlebox interference detected at unknown hop (header option(s) "
                     "deleted)\"");
        else
            snprintf(reason, sizeof(reason),
                     "\"Middlebox interference detected at or before hop %u (header option(s) "
                     "deleted)\"",
                     hop);
    } else if (draw < 45) {
        status = "FAIL";
        snprintf(reason, sizeof(reason), "\"%s\"", fail_reasons[rnd() % 4]);
    } else if (draw < 50) {
        status = "ERR";
        snprintf(reason, sizeof(reason), "\"%s\"", err_reasons[rnd() % 2]);
    }
    fprintf(f,
            "%s{\"test\":\"%s\",\"timestamp\":\"2026-11-22T12:00:00Z\",\"src\":{\"ip\":"
            "\"198.18.1.2\",\"port\":%u,\"host\":null},\"path\":[[1,\"198.18.1.1\"],[2,"
            "\"198.18.2.2\"]],\"isns\":[[12345.678,%" PRIu64 "]],\"status\":\"%s\",\"stage\":%s,"
            "\"reason\":%s,\"custom\":null}",
            first ? "" : ",", test, sport, rnd() % 4294967296u, status,
            strcmp(status, "PASS") == 0 ? "null" : "1", reason);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DIR TARGETS SHARDS\n", argv[0]);
        return 2;
    }
    unsigned long targets = strtoul(argv[2], NULL, 10), shards = strtoul(argv[3], NULL, 10);
    if (shards == 0 || shards > 1024)
        return 2;
    FILE **f = calloc(shards, sizeof(*f));
    for (unsigned long s = 0; s < shards; s++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/shard-%lu.jsonl", argv[1], s);
        if ((f[s] = fopen(path, "w")) == NULL) {
            perror(path);
            return 1;
        }
        setvbuf(f[s], NULL, _IOFBF, 1 << 20);
    }
    struct counts c = {0};
    for (unsigned long i = 0; i < targets; i++) {
        FILE *out = f[(i * 2654435761u >> 7) % shards];
        char ip[64];
        if (i % 8 == 7)
            snprintf(ip, sizeof(ip), "fd00:7463:8000::%lx:%lx", i >> 16, i & 0xffff);
        else
            snprintf(ip, sizeof(ip), "10.%lu.%lu.%lu", i >> 16 & 255, i >> 8 & 255, i & 255);
        unsigned draw = (unsigned)(rnd() % 1000);
        if (draw < 8) {
            const char *st = draw < 5 ? "DISC" : "FLTR";
            fprintf(out,
                    "{\"ip\":\"%s\",\"port\":80,\"host\":null,\"results\":[],\"_status\":\"%s\"}\n",
                    ip, st);
            if (draw < 5)
                c.disc++;
            else
                c.fltr++;
            continue;
        }
        fprintf(out, "{\"ip\":\"%s\",\"port\":80,\"host\":null,\"results\":[", ip);
        unsigned sport = 49152 + (unsigned)(i % 16000);
        for (size_t t = 0; t < SUITE_LEN; t++) {
            result(out, "LivenessTest", sport, t == 0);
            result(out, suite[t], sport, false);
        }
        result(out, "LivenessTest", sport, false);
        fputs("]}\n", out);
        c.targets++;
        c.results += 2 * SUITE_LEN + 1;
    }
    for (unsigned long s = 0; s < shards; s++)
        if (fclose(f[s]) != 0) {
            perror("write");
            return 1;
        }
    free(f);
    printf("%" PRIu64 " tested targets, %" PRIu64 " results, %" PRIu64 " DISC, %" PRIu64 " FLTR\n",
           c.targets, c.results, c.disc, c.fltr);
    return 0;
}
