"""A small closed-loop load generator, run as its own process: N clients on keep-alive
connections, each sending its next request when the previous answer is complete.

    python -m benchmarks.load --base http://127.0.0.1:8001 --path /de/ --clients 10 --requests 2000
"""

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def run(base: str, paths: list[str], clients: int, requests: int, headers: dict) -> dict:
    target = urlsplit(base)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    lock = threading.Lock()
    counter = {"next": 0}

    def client():
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        while True:
            with lock:
                n = counter["next"]
                if n >= requests:
                    break
                counter["next"] = n + 1
            path = paths[n % len(paths)]
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                status, body = 0, b""
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                sizes.append(len(body))
        conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "clients": clients,
        "seconds": round(wall, 3),
        "rps": round(len(ordered) / wall, 1) if wall else 0.0,
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "statuses": statuses,
        "mean_bytes": int(statistics.mean(sizes)) if sizes else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    print(json.dumps(run(args.base, args.path, args.clients, args.requests, headers)))


if __name__ == "__main__":
    main()
