#!/usr/bin/env python3
"""What the outbox costs (docs/PERFORMANCE.md, "The outbox").

Runs measured twice on fresh stores: without webhooks, and with one
webhook that wants every flag, pointed at a receiver (this script in
another process, so that it does not share the client's interpreter) that
answers 200.  Each run posts N submissions (each with one finding, so one
webhook message) over C keep-alive connections, then waits until the
receiver has every message.  Prints submissions a second for both runs,
and for the second the messages a second from the first submission to
the last delivery.

usage: bench/outbox.py BUILDDIR [-n N] [-c C]
"""
import argparse
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TEXT = "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。"
SECRET = "bench-secret-0123456789"


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ids = set()
    lock = threading.Lock()
    last = 0.0

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        with Receiver.lock:
            Receiver.ids.add(self.headers.get("X-Measured-Message-Id"))
            Receiver.last = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with Receiver.lock:
            body = json.dumps({"ids": len(Receiver.ids),
                               "last": Receiver.last}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def receiver_stats(port):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/")
    r = json.loads(c.getresponse().read())
    c.close()
    return r["ids"], r["last"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(build, n, conns, webhook_port):
    tmp = tempfile.mkdtemp(prefix="measured-bench-outbox.")
    store = "sqlite:%s/m.db" % tmp
    conf = os.path.join(tmp, "measured.conf")
    hooks = ""
    if webhook_port:
        hooks = ('<webhook name="all" url="http://127.0.0.1:%d/wh" '
                 'secret="%s"/>' % (webhook_port, SECRET))
    with open(conf, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<measured xmlns="urn:measured:config:1">'
                '<rate-limit per-second="0"/>%s</measured>\n' % hooks)
    tok = subprocess.run([build + "/measured", "-s", store, "token", "add",
                          "--role", "submitter", "--platform", "bench",
                          "--name", "bench"], check=True, capture_output=True,
                         text=True).stdout.strip()
    port = free_port()
    log = open(os.path.join(tmp, "daemon.log"), "w")
    d = subprocess.Popen([build + "/measured", "-c", conf, "-s", store,
                          "-l", "127.0.0.1:%d" % port], stderr=log)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        per = n // conns

        def worker(k):
            c = http.client.HTTPConnection("127.0.0.1", port)
            for i in range(per):
                body = json.dumps({"external_id": "b-%d-%d" % (k, i),
                                   "text": TEXT,
                                   "occurred_at": "2022-11-20"})
                c.request("POST", "/v1/submissions", body,
                          {"Authorization": "Bearer " + tok,
                           "Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                if r.status != 201:
                    raise SystemExit("HTTP %d" % r.status)
            c.close()

        t0 = time.monotonic()
        ts = [threading.Thread(target=worker, args=(k,))
              for k in range(conns)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        t1 = time.monotonic()
        done = None
        got = 0
        if webhook_port:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                got, last = receiver_stats(webhook_port)
                if got >= per * conns:
                    break
                time.sleep(0.02)
            done = last - t0	# one monotonic clock for both processes
        return per * conns / (t1 - t0), done, per * conns, got
    finally:
        d.terminate()
        d.wait()
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-c", type=int, default=4)
    ap.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.receiver is not None:
        http.server.ThreadingHTTPServer(("127.0.0.1", a.receiver),
                                        Receiver).serve_forever()
        return 0
    rport = free_port()
    rcv = subprocess.Popen([sys.executable, __file__, a.build, "--receiver",
                            str(rport)])
    try:
        for _ in range(100):
            try:
                receiver_stats(rport)
                break
            except OSError:
                time.sleep(0.05)
        base, _, n, _ = run(a.build, a.n, a.c, 0)
        with_hooks, done, n, got = run(a.build, a.n, a.c, rport)
    finally:
        rcv.terminate()
        rcv.wait()
    print("submissions/s without webhooks: %.0f" % base)
    print("submissions/s with a webhook per flag: %.0f (%.0f%%)" %
          (with_hooks, 100 * with_hooks / base))
    print("webhooks delivered: %d of %d, the last %.2f s after the first "
          "submission: %.0f messages/s end to end" %
          (got, n, done, got / done))
    return 0 if got == n else 1


if __name__ == "__main__":
    sys.exit(main())
