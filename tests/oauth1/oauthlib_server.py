"""A loopback server that checks each request's OAuth 1.0a signature with oauthlib (Python's
OAuth library, the server side of requests-oauthlib): the parameters read from the header, the
query or a form body, the timestamp within oauthlib's 10 minutes, each nonce used once.

The keys come from the environment (GATEPASS_OAUTH1_CONSUMER_KEY, GATEPASS_OAUTH1_CONSUMER_SECRET,
GATEPASS_OAUTH1_TOKEN, GATEPASS_OAUTH1_TOKEN_SECRET), never from a file. For RSA-SHA1 the server
makes the consumer's RSA key pair itself (with `cryptography`) and writes the private key to
GATEPASS_OAUTH1_RSA_KEY_OUT, keeping the public key to check signatures with. The port is printed
on the first line of standard output. GATEPASS_SERVER_CLOCK_OFFSET_SECS sets this server's clock off.
"""
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import endpoints

KEY = os.environ["GATEPASS_OAUTH1_CONSUMER_KEY"]
SECRET = os.environ["GATEPASS_OAUTH1_CONSUMER_SECRET"]
TOKEN = os.environ.get("GATEPASS_OAUTH1_TOKEN", "")
TOKEN_SECRET = os.environ.get("GATEPASS_OAUTH1_TOKEN_SECRET", "")
OFFSET = int(os.environ.get("GATEPASS_SERVER_CLOCK_OFFSET_SECS", "0"))
SEEN = set()
RSA_PUBLIC = None
if os.environ.get("GATEPASS_OAUTH1_RSA_KEY_OUT"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(os.environ["GATEPASS_OAUTH1_RSA_KEY_OUT"], "wb") as out:
        out.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    RSA_PUBLIC = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class Validator(RequestValidator):
    enforce_ssl = False

    @property
    def allowed_signature_methods(self):
        return ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT", "RSA-SHA1")

    @property
    def client_key_length(self):
        return (3, 100)

    @property
    def access_token_length(self):
        return (3, 100)

    @property
    def nonce_length(self):
        return (8, 100)

    @property
    def dummy_client(self):
        return "dummy-client"

    @property
    def dummy_access_token(self):
        return "dummy-token"

    def check_client_key(self, client_key):
        return True

    def check_access_token(self, token):
        return True

    def check_nonce(self, nonce):
        return True

    def validate_client_key(self, client_key, request):
        return client_key == KEY

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        if (client_key, nonce) in SEEN:
            return False
        SEEN.add((client_key, nonce))
        return True

    def get_client_secret(self, client_key, request):
        return SECRET if client_key == KEY else "dummy"

    def get_rsa_key(self, client_key, request):
        return RSA_PUBLIC if client_key == KEY else None

    def get_access_token_secret(self, client_key, token, request):
        return TOKEN_SECRET if token == TOKEN else "dummy"


endpoint = SignatureOnlyEndpoint(Validator())
real_time = time.time
endpoints.base.time.time = lambda: real_time() + OFFSET


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def check(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        uri = "http://" + self.headers["Host"] + self.path
        headers = {name: value for name, value in self.headers.items()}
        valid, request = endpoint.validate_request(uri, self.command, body, headers)
        if valid:
            status, answer = 200, {"ok": True, "method": self.command, "path": self.path, "token": request.resource_owner_key, "signature_method": request.signature_method}
            extra = {}
        else:
            problem = "signature_invalid"
            if request is not None and request.timestamp and abs(int(request.timestamp) - (real_time() + OFFSET)) > 600:
                problem = "timestamp_refused"
            status, answer = 401, {"ok": False, "oauth_problem": problem}
            extra = {"WWW-Authenticate": 'OAuth realm="oauthlib", oauth_problem="%s"' % problem}
        data = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = check
    do_POST = check
    do_PUT = check


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
