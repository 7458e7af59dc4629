"""Forwards GET requests to the service with a bearer token, so that a browser can load pages
that need one. Usage: auth_proxy.py PORT SERVICE_URL TOKEN"""

import http.server
import sys
import urllib.error
import urllib.request

PORT, SERVICE, TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Forward(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if self.headers.get("Accept"):
            headers["Accept"] = self.headers["Accept"]
        request = urllib.request.Request(SERVICE + self.path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, answer_headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, body = error.code, error.headers, error.read()
        self.send_response(status)
        for name in ("Content-Type", "Content-Security-Policy"):
            if answer_headers.get(name):
                self.send_header(name, answer_headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Forward).serve_forever()
