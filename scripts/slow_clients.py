#!/usr/bin/env python3
"""Slow clients against a running `thinktune serve`: S connections that send a request's headers one byte at a
time, then timed normal requests beside them. Prints one JSON row per run.

    bin/thinktune serve --model models/arith-tiny --port 8077 &
    scripts/slow_clients.py --port 8077 --slow 4 --watch 40
"""
import argparse, json, socket, statistics, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--slow", type=int, default=4, help="slow connections")
ap.add_argument("--requests", type=int, default=10, help="normal requests timed beside them")
ap.add_argument("--timeout", type=float, default=5.0, help="seconds a normal request may take")
ap.add_argument("--watch", type=float, default=40.0, help="seconds to keep trickling and watch for closes")
a = ap.parse_args()

slow = []
for _ in range(a.slow):
    s = socket.create_connection(("127.0.0.1", a.port))
    s.sendall(b"GET /v1/models HTTP/1.1\r\nHo")
    s.setblocking(False)
    slow.append([s, time.time(), None])

def trickle():
    for c in slow:
        if c[2] is not None:
            continue
        try:
            c[0].send(b"x")
            if c[0].recv(1) == b"":
                c[2] = time.time() - c[1]
        except BlockingIOError:
            pass
        except OSError:
            c[2] = time.time() - c[1]

lat, failed = [], 0
for _ in range(a.requests):
    trickle()
    t0 = time.time()
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/v1/models" % a.port, timeout=a.timeout).read()
        lat.append((time.time() - t0) * 1000)
    except Exception:
        failed += 1
    time.sleep(0.2)
end = time.time() + a.watch
while time.time() < end and any(c[2] is None for c in slow):
    trickle()
    time.sleep(0.5)
closed = [round(c[2], 1) for c in slow if c[2] is not None]
print(json.dumps({"slow_clients": a.slow, "requests": a.requests, "answered": len(lat), "failed": failed,
                  "median_ms": round(statistics.median(lat), 1) if lat else None,
                  "max_ms": round(max(lat), 1) if lat else None,
                  "slow_closed": len(closed), "slow_closed_after_s": closed, "watched_s": a.watch}))
for c in slow:
    c[0].close()
