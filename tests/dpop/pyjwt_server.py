"""A loopback API that wants DPoP-bound tokens (RFC 9449 §7), checking each proof with PyJWT:
`Authorization: DPoP <token>`, a `DPoP` proof signed by the key in its header (ES256, typ
dpop+jwt), that key's thumbprint the one the token is bound to, htm and htu this request's, ath
the token's hash, iat within a minute, each jti once, and the server's nonce (asked for with
`use_dpop_nonce` when missing or old).

GATEPASS_DPOP_TOKEN and GATEPASS_DPOP_JKT come from the environment. The port is printed first.
"""
import base64, hashlib, json, os, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

TOKEN = os.environ["GATEPASS_DPOP_TOKEN"]
JKT = os.environ["GATEPASS_DPOP_JKT"]
NONCE = uuid.uuid4().hex
SEEN = set()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, error, description):
        challenge = 'DPoP algs="ES256", error="%s", error_description="%s"' % (error, description)
        headers = [("WWW-Authenticate", challenge)]
        if error == "use_dpop_nonce":
            headers.append(("DPoP-Nonce", NONCE))
        self.reply(401, {"error": error, "error_description": description}, headers)

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("DPoP ") or auth[5:] != TOKEN:
            return self.refuse("invalid_token", "the token must be sent as DPoP")
        proof = self.headers.get("DPoP")
        if not proof:
            return self.refuse("invalid_dpop_proof", "no DPoP proof")
        header = jwt.get_unverified_header(proof)
        if header.get("typ") != "dpop+jwt" or "jwk" not in header:
            return self.refuse("invalid_dpop_proof", "not a DPoP proof")
        try:
            claims = jwt.decode(proof, jwt.PyJWK(header["jwk"], algorithm="ES256").key, algorithms=["ES256"])
        except jwt.PyJWTError as e:
            return self.refuse("invalid_dpop_proof", "signature: %s" % e)
        jwk = header["jwk"]
        canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, sort_keys=True, separators=(",", ":"))
        if b64(hashlib.sha256(canonical.encode()).digest()) != JKT:
            return self.refuse("invalid_dpop_proof", "the proof is not by the key the token is bound to")
        htu = "http://" + self.headers["Host"] + self.path.split("?")[0]
        if claims.get("htm") != self.command or claims.get("htu") != htu:
            return self.refuse("invalid_dpop_proof", "htm/htu do not match this request")
        if claims.get("ath") != b64(hashlib.sha256(TOKEN.encode()).digest()):
            return self.refuse("invalid_dpop_proof", "ath does not match the token")
        if abs(time.time() - claims.get("iat", 0)) > 60 or claims.get("jti") in SEEN:
            return self.refuse("invalid_dpop_proof", "iat too far off, or jti used before")
        SEEN.add(claims.get("jti"))
        if claims.get("nonce") != NONCE:
            return self.refuse("use_dpop_nonce", "Resource server requires nonce in DPoP proof")
        self.reply(200, {"ok": True, "jkt": JKT})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
