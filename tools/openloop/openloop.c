/*
 * openloop: an open-loop HTTP/1.1 load generator (wrk2-style), for latency under a constant rate.
 *
 * Request i is due at t0 + i / rate whatever happened before it. It goes out on an idle keep-alive
 * connection as soon as it is due; when none is idle it waits, and its latency still runs from the
 * time it was due. A stall of the server therefore shows in every request it held back, not only
 * in the one that was slow (no coordinated omission). One thread, epoll, a timerfd for the schedule.
 *
 *   openloop --url http://HOST:PORT/PATH --rate R --duration S [--connections N]
 *            [--header 'Name: value']... [--timeout S]
 *
 * Prints one JSON object: counts, achieved rate, and latency percentiles in milliseconds, both from
 * the intended send time ("latency") and from the actual send ("service"). A request counts as an
 * error when its status is not 2xx or 3xx, its connection fails, or it takes longer than --timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum conn_state { CONN_CONNECTING, CONN_IDLE, CONN_BUSY, CONN_CLOSED };

struct conn {
    int fd;
    enum conn_state state;
    size_t sent;          /* bytes of the request written so far */
    double intended;      /* when the request in flight was due */
    double started;       /* when it was actually written */
    char *in;             /* response bytes read so far */
    size_t in_len, in_cap;
};

struct samples {
    double *values;
    size_t count, cap;
};

static struct {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char *request;
    size_t request_len;
    double rate, duration, timeout;
    int connections;
} opt = {.timeout = 10.0, .connections = 64};

static struct {
    uint64_t scheduled, sent, completed, errors_status, errors_io, errors_timeout;
    uint64_t status_counts[6]; /* 1xx … 5xx, index 0 unused */
} stats;

static struct samples latency, service;
static int epfd;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "openloop: %s\n", what);
    exit(2);
}

static void record(struct samples *s, double value) {
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->values = realloc(s->values, s->cap * sizeof(double));
        if (!s->values) die("out of memory");
    }
    s->values[s->count++] = value;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The smallest value with at least p percent of the samples at or below it. */
static double percentile(const struct samples *s, double p) {
    if (s->count == 0) return NAN;
    size_t rank = (size_t)ceil(p / 100.0 * (double)s->count);
    if (rank < 1) rank = 1;
    return s->values[rank - 1];
}

static void parse_url(const char *url, const char **headers, int header_count) {
    if (strncmp(url, "http://", 7) != 0) die("only http:// URLs");
    const char *hostport = url + 7;
    const char *slash = strchr(hostport, '/');
    const char *path = slash ? slash : "/";
    size_t hp_len = slash ? (size_t)(slash - hostport) : strlen(hostport);
    char host[256], port[16] = "80";
    const char *colon = memchr(hostport, ':', hp_len);
    size_t host_len = colon ? (size_t)(colon - hostport) : hp_len;
    if (host_len == 0 || host_len >= sizeof host) die("bad host in URL");
    memcpy(host, hostport, host_len);
    host[host_len] = 0;
    if (colon) {
        size_t port_len = hp_len - host_len - 1;
        if (port_len == 0 || port_len >= sizeof port) die("bad port in URL");
        memcpy(port, colon + 1, port_len);
        port[port_len] = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *found;
    if (getaddrinfo(host, port, &hints, &found) != 0) die("cannot resolve the host");
    memcpy(&opt.addr, found->ai_addr, found->ai_addrlen);
    opt.addr_len = found->ai_addrlen;
    freeaddrinfo(found);

    size_t cap = strlen(path) + hp_len + 128;
    for (int i = 0; i < header_count; i++) cap += strlen(headers[i]) + 2;
    opt.request = malloc(cap);
    if (!opt.request) die("out of memory");
    int n = snprintf(opt.request, cap, "GET %s HTTP/1.1\r\nHost: %.*s\r\n", path, (int)hp_len, hostport);
    for (int i = 0; i < header_count; i++) n += snprintf(opt.request + n, cap - (size_t)n, "%s\r\n", headers[i]);
    n += snprintf(opt.request + n, cap - (size_t)n, "\r\n");
    opt.request_len = (size_t)n;
}

static void watch(struct conn *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) != 0) die("epoll_ctl failed");
}

static void open_conn(struct conn *c) {
    c->fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket failed");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->in_len = 0;
    if (connect(c->fd, (struct sockaddr *)&opt.addr, opt.addr_len) == 0) {
        c->state = CONN_IDLE;
        watch(c, EPOLLIN, EPOLL_CTL_ADD);
    } else if (errno == EINPROGRESS) {
        c->state = CONN_CONNECTING;
        watch(c, EPOLLOUT, EPOLL_CTL_ADD);
    } else {
        close(c->fd);
        c->fd = -1;
        c->state = CONN_CLOSED;
    }
}

static void close_conn(struct conn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = CONN_CLOSED;
    c->in_len = 0;
}

/* A non-blocking connect completed: idle if it succeeded, closed otherwise. */
static void finish_connect(struct conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        close_conn(c);
    } else {
        c->state = CONN_IDLE;
        watch(c, EPOLLIN, EPOLL_CTL_MOD);
    }
}

/* The request in flight on `c` failed: count it once, drop the connection (the next use reopens it). */
static void fail(struct conn *c, uint64_t *counter) {
    if (c->state == CONN_BUSY) {
        (*counter)++;
        if (getenv("OPENLOOP_DEBUG")) fprintf(stderr, "openloop: request failed (%s), %zu bytes read\n", strerror(errno), c->in_len);
    }
    close_conn(c);
}

static void write_request(struct conn *c) {
    while (c->sent < opt.request_len) {
        ssize_t n = write(c->fd, opt.request + c->sent, opt.request_len - c->sent);
        if (n > 0) {
            c->sent += (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
            return;
        } else {
            fail(c, &stats.errors_io);
            return;
        }
    }
    watch(c, EPOLLIN, EPOLL_CTL_MOD);
}

static void send_request(struct conn *c, double intended) {
    c->state = CONN_BUSY;
    c->intended = intended;
    c->started = now();
    c->sent = 0;
    c->in_len = 0;
    stats.sent++;
    write_request(c);
}

static const char *find_header_end(const char *buf, size_t len) {
    for (size_t i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') return buf + i + 1;
    return NULL;
}

/* Value of header `name` (case-insensitive) in [head, end), copied into out; 0 if absent. */
static int header_value(const char *head, const char *end, const char *name, char *out, size_t out_cap) {
    size_t name_len = strlen(name);
    const char *line = memchr(head, '\n', (size_t)(end - head));
    while (line && line + 1 < end) {
        line++;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) break;
        if ((size_t)(eol - line) > name_len && line[name_len] == ':' && strncasecmp(line, name, name_len) == 0) {
            const char *v = line + name_len + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            size_t n = (size_t)(eol - v);
            while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' ')) n--;
            if (n >= out_cap) n = out_cap - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return 1;
        }
        line = eol;
    }
    return 0;
}

/* Length of a complete chunked body starting at `body`, or -1 while incomplete, -2 if malformed. */
static long chunked_length(const char *body, size_t len) {
    size_t pos = 0;
    for (;;) {
        const char *eol = memchr(body + pos, '\n', len - pos);
        if (!eol) return -1;
        char *stop;
        unsigned long size = strtoul(body + pos, &stop, 16);
        if (stop == body + pos) return -2;
        pos = (size_t)(eol - body) + 1;
        if (size == 0) {
            /* Trailer lines, then an empty line. */
            for (;;) {
                const char *end = memchr(body + pos, '\n', len - pos);
                if (!end) return -1;
                size_t line_len = (size_t)(end - (body + pos));
                pos = (size_t)(end - body) + 1;
                if (line_len == 0 || (line_len == 1 && body[pos - 2] == '\r')) return (long)pos;
            }
        }
        if (len - pos < size + 2) return -1;
        pos += size + 2;
    }
}

/* Whole response in c->in? Then account for it and make the connection idle (or closed). */
static void try_complete(struct conn *c) {
    const char *head_end = find_header_end(c->in, c->in_len);
    if (!head_end) return;
    int status = 0;
    if (c->in_len < 12 || strncmp(c->in, "HTTP/1.", 7) != 0 || sscanf(c->in + 9, "%3d", &status) != 1) {
        fail(c, &stats.errors_io);
        return;
    }
    size_t head_len = (size_t)(head_end - c->in);
    char value[64];
    size_t total;
    if (header_value(c->in, head_end, "Transfer-Encoding", value, sizeof value) && strcasestr(value, "chunked")) {
        long body = chunked_length(head_end, c->in_len - head_len);
        if (body == -1) return;
        if (body == -2) {
            fail(c, &stats.errors_io);
            return;
        }
        total = head_len + (size_t)body;
    } else if (header_value(c->in, head_end, "Content-Length", value, sizeof value)) {
        total = head_len + strtoul(value, NULL, 10);
        if (c->in_len < total) return;
    } else if (status == 204 || status == 304 || status / 100 == 1) {
        total = head_len;
    } else {
        fail(c, &stats.errors_io); /* a body delimited by closing: not what a keep-alive server sends */
        return;
    }
    double done = now();
    stats.completed++;
    if (status >= 100 && status < 600) stats.status_counts[status / 100]++;
    if (status >= 200 && status < 400) {
        record(&latency, (done - c->intended) * 1000.0);
        record(&service, (done - c->started) * 1000.0);
    } else {
        stats.errors_status++;
    }
    int closing = header_value(c->in, head_end, "Connection", value, sizeof value) && strcasecmp(value, "close") == 0;
    if (closing || c->in_len != total) {
        close_conn(c);
    } else {
        c->state = CONN_IDLE;
        c->in_len = 0;
    }
}

static void on_readable(struct conn *c) {
    for (;;) {
        if (c->in_cap - c->in_len < 16384) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
            c->in = realloc(c->in, c->in_cap);
            if (!c->in) die("out of memory");
        }
        ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EAGAIN) break;
        /* EOF or error. A response read whole before it counts (a server closes after its last
           keep-alive response); a request still waiting failed; an idle connection is only reopened. */
        if (c->state == CONN_BUSY) try_complete(c);
        if (c->state == CONN_BUSY) fail(c, &stats.errors_io);
        else close_conn(c);
        return;
    }
    if (c->state == CONN_BUSY) try_complete(c);
}

static void arm(int timer, double at) {
    struct itimerspec spec = {0};
    double whole = floor(at);
    spec.it_value.tv_sec = (time_t)whole;
    spec.it_value.tv_nsec = (long)((at - whole) * 1e9);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, NULL);
}

int main(int argc, char **argv) {
    const char *url = NULL;
    const char *headers[32];
    int header_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (i + 1 >= argc) die("every option takes a value (see the header of openloop.c)");
        const char *value = argv[++i];
        if (strcmp(arg, "--url") == 0) url = value;
        else if (strcmp(arg, "--rate") == 0) opt.rate = atof(value);
        else if (strcmp(arg, "--duration") == 0) opt.duration = atof(value);
        else if (strcmp(arg, "--connections") == 0) opt.connections = atoi(value);
        else if (strcmp(arg, "--timeout") == 0) opt.timeout = atof(value);
        else if (strcmp(arg, "--header") == 0 && header_count < 32) headers[header_count++] = value;
        else die("unknown option (see the header of openloop.c)");
    }
    if (!url || opt.rate <= 0 || opt.duration <= 0 || opt.connections < 1 || opt.timeout <= 0)
        die("usage: openloop --url URL --rate R --duration S [--connections N] [--header H]... [--timeout S]");
    parse_url(url, headers, header_count);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd < 0 || timer < 0) die("epoll or timerfd unavailable");
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, timer, &tev);

    struct conn *conns = calloc((size_t)opt.connections, sizeof *conns);
    if (!conns) die("out of memory");
    for (int i = 0; i < opt.connections; i++) open_conn(&conns[i]);

    /* Let the connections establish before the clock starts. */
    struct epoll_event events[256];
    double connect_deadline = now() + 2.0;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < opt.connections; i++) pending += conns[i].state == CONN_CONNECTING;
        if (!pending || now() > connect_deadline) break;
        int n = epoll_wait(epfd, events, 256, 50);
        for (int k = 0; k < n; k++) {
            struct conn *c = events[k].data.ptr;
            if (c && c->state == CONN_CONNECTING) finish_connect(c);
        }
    }

    uint64_t total = (uint64_t)llround(opt.rate * opt.duration);
    double interval = 1.0 / opt.rate;
    double t0 = now() + 0.01;
    uint64_t next = 0; /* the next request to send; all before it went out */
    int cursor = 0;    /* connections are taken round-robin, so each carries its share */
    arm(timer, t0);
    for (;;) {
        double t = now();
        /* Send every request that is due, oldest first, while connections are free. */
        while (next < total && t0 + (double)next * interval <= t) {
            struct conn *idle = NULL;
            for (int i = 0; i < opt.connections && !idle; i++) {
                struct conn *c = &conns[(cursor + i) % opt.connections];
                if (c->state == CONN_CLOSED) open_conn(c);
                if (c->state == CONN_IDLE) idle = c;
            }
            if (!idle) break;
            cursor = (int)(idle - conns + 1) % opt.connections;
            stats.scheduled++;
            send_request(idle, t0 + (double)next * interval);
            next++;
        }
        int busy = 0;
        for (int i = 0; i < opt.connections; i++) {
            struct conn *c = &conns[i];
            if (c->state == CONN_BUSY && t - c->intended > opt.timeout) fail(c, &stats.errors_timeout);
            busy += c->state == CONN_BUSY;
        }
        if (next >= total && busy == 0) break;
        /* A request already due waits for a connection to free up, not for the timer. */
        if (next < total && t0 + (double)next * interval > now()) arm(timer, t0 + (double)next * interval);
        int n = epoll_wait(epfd, events, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = events[k].data.ptr;
            if (!c) {
                uint64_t expirations;
                while (read(timer, &expirations, sizeof expirations) > 0) {}
                continue;
            }
            if (c->state == CONN_CONNECTING) {
                finish_connect(c);
                continue;
            }
            if (c->fd < 0) continue;
            if ((events[k].events & EPOLLOUT) && c->state == CONN_BUSY && c->sent < opt.request_len) write_request(c);
            if (c->fd >= 0 && (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
        }
    }
    double elapsed = now() - t0;

    qsort(latency.values, latency.count, sizeof(double), compare_doubles);
    qsort(service.values, service.count, sizeof(double), compare_doubles);
    uint64_t errors = stats.errors_status + stats.errors_io + stats.errors_timeout;
    printf("{\"rate\": %.1f, \"duration_s\": %.3f, \"connections\": %d, \"requests\": %llu, \"completed\": %llu, "
           "\"achieved_rate\": %.1f, \"errors\": %llu, \"errors_status\": %llu, \"errors_io\": %llu, \"errors_timeout\": %llu, "
           "\"status\": {\"2xx\": %llu, \"3xx\": %llu, \"4xx\": %llu, \"5xx\": %llu}, ",
           opt.rate, elapsed, opt.connections, (unsigned long long)stats.scheduled, (unsigned long long)stats.completed,
           (double)stats.completed / elapsed, (unsigned long long)errors, (unsigned long long)stats.errors_status,
           (unsigned long long)stats.errors_io, (unsigned long long)stats.errors_timeout,
           (unsigned long long)stats.status_counts[2], (unsigned long long)stats.status_counts[3],
           (unsigned long long)stats.status_counts[4], (unsigned long long)stats.status_counts[5]);
    const struct samples *sets[2] = {&latency, &service};
    const char *names[2] = {"latency_ms", "service_ms"};
    for (int s = 0; s < 2; s++) {
        if (sets[s]->count == 0) { /* no successful response: no latency to tell (JSON has no NaN) */
            printf("\"%s\": null%s", names[s], s == 0 ? ", " : "}\n");
            continue;
        }
        printf("\"%s\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p99.9\": %.3f, \"max\": %.3f}%s", names[s],
               percentile(sets[s], 50), percentile(sets[s], 90), percentile(sets[s], 99), percentile(sets[s], 99.9),
               percentile(sets[s], 100), s == 0 ? ", " : "}\n");
    }
    return 0;
}
