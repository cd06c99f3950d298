# Test-only HTTPS webhook receiver (Python's http.server wrapped in ssl): stores each POST as
# DIR/N.body and DIR/N.sig (the X-TrustSync-Signature header) and answers 200.
# usage: python3 alerts_https_receiver.py PORT CERT KEY DIR
import http.server
import os
import ssl
import sys

port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        count[0] += 1
        base = os.path.join(out, str(count[0]))
        with open(base + ".body", "wb") as f:
            f.write(body)
        with open(base + ".sig", "w") as f:
            f.write(self.headers.get("X-TrustSync-Signature", ""))
        with open(base + ".type", "w") as f:
            f.write(self.headers.get("Content-Type", ""))
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
