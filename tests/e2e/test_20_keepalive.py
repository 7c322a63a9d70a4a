"""nginx keeps its FastCGI connections: hundreds of requests, few connections.

Counting method: after every response we read /proc/net/unix and collect the
inodes of the responder's accepted sockets (they carry the listener's path;
nginx's ends carry none). If nginx opened a connection per request and either
side closed it afterwards, the samples would be empty or all different. Few
distinct inodes that persist between requests prove reuse.
"""

import http.client

import support


REQUESTS = 300


def test_sequential_requests_reuse_few_fastcgi_connections():
    seen = set()
    samples_with_connection = 0
    client = http.client.HTTPConnection(support.HTTP_HOST, support.HTTP_PORT, timeout=10)
    try:
        for i in range(REQUESTS):
            # Mix a kept-alive client connection with fresh ones, so requests
            # land on every nginx worker.
            if i % 10 == 0:
                client.close()
                client = http.client.HTTPConnection(support.HTTP_HOST, support.HTTP_PORT, timeout=10)
            client.request("GET", "/healthz")
            resp = client.getresponse()
            resp.read()
            assert resp.status == 200, (i, resp.status)
            now = support.server_side_connections(support.FCGI_SOCKET)
            seen |= now
            samples_with_connection += bool(now)
    finally:
        client.close()
    # One per nginx worker in the steady state; allow some slack.
    assert len(seen) <= 8, f"{len(seen)} distinct FastCGI connections for {REQUESTS} requests"
    assert samples_with_connection >= REQUESTS * 0.9, (
        f"an idle FastCGI connection was kept after only {samples_with_connection}/{REQUESTS} requests")
