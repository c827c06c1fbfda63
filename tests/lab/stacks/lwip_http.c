/* lwip_http: a lab target whose TCP/IP stack is lwIP (Debian's liblwip, 2.1.3), not the Linux
 * kernel. It attaches lwIP to an existing tap device and answers every TCP connection on one
 * port, IPv4 and IPv6, with the same HTTP answer as `labnet.py serve PORT --body-size N`.
 * Built and started by tests/lab/stacks.sh (lab_stacks_up lwip); see there for the topology.
 *
 *   lwip_http TAPDEV IPV4/LEN GW4 IPV6 PORT BODY_SIZE
 *
 * Debian's lwIP is the GNU Hurd build (its lwipopts.h): NO_SYS=0, i.e. lwIP runs its own
 * "tcpip" thread, and a reader thread (lwip_tap.c) hands it the frames from the tap
 * (netif->input = tcpip_input). Everything here that touches lwIP runs in the tcpip thread
 * (the init callback and the raw TCP API callbacks), so no core lock is needed. The main
 * thread only waits for SIGTERM/SIGINT.
 *
 * The program stays faithful to lwIP: it configures the interface the way an lwIP device
 * would and answers at the application layer; it never filters or rewrites segments, so what
 * a prober sees is lwIP's own TCP. Two interface settings differ from the unix port's tapif,
 * both needed for IPv6 to work at all:
 *   - NETIF_FLAG_MLD6 (set in lwip_tap.c): tapif sets only BROADCAST | ETHARP | IGMP. Without
 *     MLD6, lwIP never joins the solicited-node multicast groups of its addresses, ip6_input
 *     drops the neighbour solicitations sent to them, and nobody can resolve the address
 *     (RFC 4861 7.2.1).
 *   - no duplicate address detection: addresses are PREFERRED at once, like the lab's Linux
 *     hosts (nodad), so the target is usable without a ~1 s wait.
 * lwIP learns its IPv6 default router only from Router Advertisements (RFC 4861 6.3.4; lwIP
 * has no static IPv6 routes), which stacks.sh sends from r2 (`labnet.py ra`).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "lwip_tap.h"

#define BODY_PATTERN "tcpreq lab target\n" /* labnet.py's BODY, repeated to BODY_SIZE bytes */
#define BODY_SIZE_MAX (1 << 20)
#define IDLE_TIMEOUT_S 10 /* as labnet.py serve: an idle connection is closed */
#define POLL_INTERVAL 2   /* tcp_poll counts in coarse timer ticks of 500 ms: once a second */
#define POLLS_PER_S 1

struct config {
    const char *tap_name;
    struct lwip_tap tap;
    ip4_addr_t ip4, mask4, gw4;
    ip6_addr_t ip6;
    u16_t port;
};

struct conn {
    size_t queued;  /* bytes of the response handed to tcp_write */
    int answering;  /* first data seen: the response is being sent */
    int shut;       /* all of it queued and our FIN too */
    int idle_polls; /* polls since the last activity */
};

static struct netif tap_netif;
static char *response;
static size_t response_len;
static sys_sem_t init_done;
static err_t init_err = ERR_OK;

static void die(const char *what)
{
    fprintf(stderr, "lwip_http: %s\n", what);
    exit(1);
}

/* Build the answer once: labnet.py's headers, then BODY_PATTERN repeated to body_size bytes. */
static void build_response(size_t body_size)
{
    static const char pattern[] = BODY_PATTERN;
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     body_size);
    if (n < 0 || (size_t)n >= sizeof head)
        die("response header too long");
    response_len = (size_t)n + body_size;
    response = malloc(response_len);
    if (!response)
        die("out of memory");
    memcpy(response, head, (size_t)n);
    for (size_t i = 0; i < body_size; i++)
        response[(size_t)n + i] = pattern[i % (sizeof pattern - 1)];
}

static void conn_free(struct tcp_pcb *pcb, struct conn *c)
{
    if (pcb) {
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_poll(pcb, NULL, 0);
        tcp_err(pcb, NULL);
    }
    free(c);
}

/* Close gracefully; if lwIP has no memory for the FIN, abort (RST) rather than leak. */
static err_t conn_close(struct tcp_pcb *pcb, struct conn *c)
{
    conn_free(pcb, c);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

/* Queue as much of the response as the send buffer takes; once all is queued, shut down the
 * sending side (FIN after the data) and keep reading until the peer closes. */
static void send_more(struct tcp_pcb *pcb, struct conn *c)
{
    while (c->queued < response_len) {
        size_t left = response_len - c->queued, room = tcp_sndbuf(pcb);
        size_t n = left < room ? left : room;
        if (n > UINT16_MAX)
            n = UINT16_MAX;
        if (n == 0)
            break;
        /* The response buffer lives as long as the program: no copy needed. */
        u8_t flags = c->queued + n < response_len ? TCP_WRITE_FLAG_MORE : 0;
        if (tcp_write(pcb, response + c->queued, (u16_t)n, flags) != ERR_OK)
            break; /* retried */
        c->queued += n;
    }
    if (c->queued == response_len && tcp_shutdown(pcb, 0, 1) == ERR_OK)
        c->shut = 1;
    tcp_output(pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct conn *c = arg;
    (void)len;
    c->idle_polls = 0;
    if (c->answering && !c->shut)
        send_more(pcb, c);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    if (!p)
        return conn_close(pcb, c); /* the peer closed: close our side too */
    if (err != ERR_OK) { /* never from lwIP 2.1's tcp_input; returning it would mean "refused" */
        pbuf_free(p);
        return ERR_OK;
    }
    c->idle_polls = 0;
    /* Drain everything (data after the answer too): data left unread makes tcp_close send RST. */
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (!c->answering) {
        c->answering = 1;
        send_more(pcb, c);
    }
    return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    struct conn *c = arg;
    if (++c->idle_polls >= IDLE_TIMEOUT_S * POLLS_PER_S)
        return conn_close(pcb, c);
    if (c->answering && !c->shut)
        send_more(pcb, c); /* what tcp_write or the FIN lacked memory for */
    return ERR_OK;
}

/* lwIP already freed the pcb (RST received, retransmissions exhausted, or aborted). */
static void on_err(void *arg, err_t err)
{
    (void)err;
    free(arg);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, POLL_INTERVAL);
    return ERR_OK;
}

/* In the tcpip thread: the interface, its addresses, and the listener. */
static void init_stack(void *arg)
{
    struct config *cfg = arg;
    s8_t idx;
    init_err = ERR_IF;
    if (!netif_add(&tap_netif, &cfg->ip4, &cfg->mask4, &cfg->gw4, (void *)&cfg->tap,
                   lwip_tap_netif_init, tcpip_input))
        goto out;
    netif_set_default(&tap_netif);
    netif_create_ip6_linklocal_address(&tap_netif, 1);
    netif_ip6_addr_set_state(&tap_netif, 0, IP6_ADDR_PREFERRED);
    if (netif_add_ip6_address(&tap_netif, &cfg->ip6, &idx) != ERR_OK)
        goto out;
    netif_ip6_addr_set_state(&tap_netif, idx, IP6_ADDR_PREFERRED);
    netif_set_link_up(&tap_netif);
    netif_set_up(&tap_netif);
    lwip_tap_start(&tap_netif);

    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY); /* one dual-stack listener */
    if (!pcb || tcp_bind(pcb, IP_ANY_TYPE, cfg->port) != ERR_OK)
        goto out;
    struct tcp_pcb *lpcb = tcp_listen(pcb);
    if (!lpcb)
        goto out;
    tcp_accept(lpcb, on_accept);
    init_err = ERR_OK;
out:
    sys_sem_signal(&init_done);
}

static unsigned long parse_num(const char *s, unsigned long max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max) {
        fprintf(stderr, "lwip_http: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv, struct config *cfg, size_t *body_size)
{
    if (argc != 7) {
        fprintf(stderr, "usage: lwip_http TAPDEV IPV4/LEN GW4 IPV6 PORT BODY_SIZE\n");
        exit(2);
    }
    cfg->tap_name = argv[1];
    char ip4[32];
    const char *slash = strchr(argv[2], '/');
    if (!slash || (size_t)(slash - argv[2]) >= sizeof ip4)
        die("IPV4/LEN expected");
    memcpy(ip4, argv[2], (size_t)(slash - argv[2]));
    ip4[slash - argv[2]] = '\0';
    unsigned long len = parse_num(slash + 1, 32, "IPv4 prefix length");
    if (!ip4addr_aton(ip4, &cfg->ip4) || !ip4addr_aton(argv[3], &cfg->gw4))
        die("bad IPv4 address");
    ip4_addr_set_u32(&cfg->mask4, len ? lwip_htonl(0xffffffffUL << (32 - len)) : 0);
    if (!ip6addr_aton(argv[4], &cfg->ip6))
        die("bad IPv6 address");
    cfg->port = (u16_t)parse_num(argv[5], UINT16_MAX, "port");
    *body_size = parse_num(argv[6], BODY_SIZE_MAX, "body size");
}

int main(int argc, char **argv)
{
    static struct config cfg;
    size_t body_size;
    parse_args(argc, argv, &cfg, &body_size);
    build_response(body_size);
    /* The tap exists already (persistent), in the namespace's bridge: stacks.sh made it. */
    if (lwip_tap_open(&cfg.tap, cfg.tap_name) != 0) {
        fprintf(stderr, "lwip_http: tap %s: %s\n", cfg.tap_name, strerror(errno));
        return 1;
    }

    /* Block the stop signals in every thread (lwIP's inherit the mask); main waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
        die("pthread_sigmask");

    if (sys_sem_new(&init_done, 0) != ERR_OK)
        die("sys_sem_new");
    tcpip_init(init_stack, &cfg);
    sys_arch_sem_wait(&init_done, 0);
    if (init_err != ERR_OK)
        die("interface or listener setup failed");
    printf("lwip_http: listening on port %u (%s)\n", cfg.port, cfg.tap_name);
    fflush(stdout);

    int sig;
    sigwait(&stop, &sig);
    return 0;
}
