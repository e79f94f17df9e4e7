"""A loopback server that checks each request's AWS Signature V4 the way AWS does, with botocore
(the AWS SDK for Python's own signer): it rebuilds the canonical request from what arrived, signs
it with the same keys and time, and answers 200 when the signatures match, 403 when not.

The keys come from the environment (GATEPASS_AWS_ACCESS_KEY_ID, GATEPASS_AWS_SECRET_ACCESS_KEY),
never from a file. The port is printed on the first line of standard output.
"""
import datetime
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY_ID = os.environ["GATEPASS_AWS_ACCESS_KEY_ID"]
SECRET = os.environ["GATEPASS_AWS_SECRET_ACCESS_KEY"]
# This server's clock, off from the client's by this many seconds (to test a clock that is off).
CLOCK_OFFSET = int(os.environ.get("GATEPASS_SERVER_CLOCK_OFFSET_SECS", "0"))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def check(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return self.answer(401, {"error": "no AWS Signature V4"})
        fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        key_id, date, region, service, _ = fields["Credential"].split("/")
        if key_id != ACCESS_KEY_ID:
            return self.answer(403, {"error": "unknown access key"})
        # AWS refuses a request time more than 15 minutes from its own, as S3 words it.
        sent_at = datetime.datetime.strptime(self.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=CLOCK_OFFSET)
        if abs((now - sent_at).total_seconds()) > 15 * 60:
            return self.answer(403, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>", "application/xml")
        signed = fields["SignedHeaders"].split(";")
        headers = {name: value for name, value in self.headers.items() if name.lower() in signed}
        token = self.headers.get("X-Amz-Security-Token")
        url = "http://" + self.headers["Host"] + self.path
        request = AWSRequest(method=self.command, url=url, headers=headers, data=body)
        request.context["timestamp"] = self.headers["X-Amz-Date"]
        signer = SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET, token), service, region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != fields["Signature"]:
            return self.answer(403, {"error": "SignatureDoesNotMatch", "canonical_request": canonical})
        return self.answer(200, {"ok": True, "method": self.command, "path": self.path, "body": body.decode("utf-8", "replace"), "signed_headers": signed, "session_token": token is not None})

    do_GET = check
    do_POST = check
    do_PUT = check
    do_DELETE = check


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
