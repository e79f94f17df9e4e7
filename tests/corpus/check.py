#!/usr/bin/env python3
"""Checks the Gatepass diagnosis corpus: HAR shape, labels, and spread rules.

Run from anywhere:  python3 tests/corpus/check.py
Exit status 0 when every check passes, 1 otherwise.
"""
import json
import os
import sys
from collections import Counter
from datetime import datetime

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore

HERE = os.path.dirname(os.path.abspath(__file__))

CAUSES = [
    "missing_credential", "malformed_credential", "invalid_credential", "wrong_auth_scheme",
    "expired_credential", "not_yet_valid_credential", "revoked_credential", "wrong_environment",
    "wrong_audience", "insufficient_scope", "resource_permission", "account_policy",
    "client_authentication_failed", "signature_mismatch", "clock_skew", "mtls_certificate",
    "other_auth_failure", "none",
]
MIN_CASES, MIN_PROVIDERS, MIN_PER_CAUSE, MIN_NONE, MAX_SHARE = 90, 28, 3, 8, 0.20
CASE_KEYS = {"file", "provider", "source", "expect", "why", "environment", "expected_scopes", "now", "batch"}

errors = []


def err(msg):
    errors.append(msg)


def rfc3339(s):
    try:
        datetime.fromisoformat(s.replace("Z", "+00:00"))
        return "T" in s
    except (ValueError, AttributeError):
        return False


def check_headers(where, headers):
    if not isinstance(headers, list):
        err(f"{where}: headers is not a list")
        return
    for h in headers:
        if not (isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)):
            err(f"{where}: header {h!r} is not {{name, value}} strings")


def check_har(rel):
    path = os.path.join(HERE, rel)
    try:
        with open(path, encoding="utf-8") as f:
            har = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        err(f"{rel}: does not parse as JSON: {e}")
        return
    log = har.get("log")
    if not isinstance(log, dict):
        return err(f"{rel}: no log object")
    if log.get("version") != "1.2":
        err(f"{rel}: log.version is not 1.2")
    if log.get("creator") != {"name": "gatepass-corpus", "version": "1"}:
        err(f"{rel}: log.creator is not gatepass-corpus/1")
    entries = log.get("entries")
    if not isinstance(entries, list) or len(entries) != 1:
        return err(f"{rel}: log.entries must hold exactly one entry")
    e = entries[0]
    for k in ("startedDateTime", "request", "response", "cache", "timings"):
        if k not in e:
            err(f"{rel}: entry lacks {k}")
    if not rfc3339(e.get("startedDateTime", "")):
        err(f"{rel}: startedDateTime is not RFC 3339")
    t = e.get("timings", {})
    for k in ("send", "wait", "receive"):
        if not isinstance(t.get(k), (int, float)):
            err(f"{rel}: timings.{k} missing")
    req = e.get("request", {})
    for k in ("method", "url", "httpVersion", "headers", "queryString", "cookies", "headersSize", "bodySize"):
        if k not in req:
            err(f"{rel}: request lacks {k}")
    check_headers(f"{rel} request", req.get("headers"))
    if req.get("cookies") != []:
        err(f"{rel}: request.cookies must be []")
    if req.get("headersSize") != -1:
        err(f"{rel}: request.headersSize must be -1")
    if not str(req.get("url", "")).startswith(("http://", "https://")):
        err(f"{rel}: request.url is not absolute http(s)")
    if "postData" in req:
        pd = req["postData"]
        if not isinstance(pd.get("text"), str) or not isinstance(pd.get("mimeType"), str):
            err(f"{rel}: postData needs mimeType and text")
        elif req.get("bodySize") != len(pd["text"].encode("utf-8")):
            err(f"{rel}: request.bodySize does not match postData.text")
    resp = e.get("response", {})
    for k in ("status", "statusText", "httpVersion", "headers", "cookies", "content", "redirectURL", "headersSize", "bodySize"):
        if k not in resp:
            err(f"{rel}: response lacks {k}")
    check_headers(f"{rel} response", resp.get("headers"))
    if resp.get("cookies") != []:
        err(f"{rel}: response.cookies must be []")
    if resp.get("redirectURL") != "":
        err(f"{rel}: response.redirectURL must be \"\"")
    if resp.get("headersSize") != -1:
        err(f"{rel}: response.headersSize must be -1")
    c = resp.get("content", {})
    for k in ("size", "mimeType", "text"):
        if k not in c:
            err(f"{rel}: response.content lacks {k}")
    has_error = "_error" in resp
    if (resp.get("status") == 0) != has_error:
        err(f"{rel}: status 0 and _error must go together (status={resp.get('status')}, _error={'yes' if has_error else 'no'})")
    if has_error:
        if not isinstance(resp["_error"], str) or not resp["_error"].strip():
            err(f"{rel}: _error must be a non-empty message")
        if c.get("text") or c.get("size"):
            err(f"{rel}: a transport failure must have empty content")
    else:
        if isinstance(c.get("text"), str) and c.get("size") != len(c["text"].encode("utf-8")):
            err(f"{rel}: content.size does not match content.text")
        if not (100 <= int(resp.get("status", 0)) <= 599):
            err(f"{rel}: status {resp.get('status')} out of range")


def main():
    with open(os.path.join(HERE, "cases.toml"), "rb") as f:
        cases = tomllib.load(f).get("case", [])
    listed = []
    for i, c in enumerate(cases):
        where = f"case #{i + 1} ({c.get('file', '?')})"
        for k in ("file", "provider", "source", "expect", "why"):
            if not isinstance(c.get(k), str) or not c.get(k).strip():
                err(f"{where}: missing {k}")
        extra = set(c) - CASE_KEYS
        if extra:
            err(f"{where}: unknown keys {sorted(extra)}")
        if c.get("expect") not in CAUSES:
            err(f"{where}: expect {c.get('expect')!r} is not a cause id")
        if not str(c.get("source", "")).startswith(("http://", "https://")):
            err(f"{where}: source is not a URL")
        if "now" in c and not rfc3339(c["now"]):
            err(f"{where}: now is not RFC 3339")
        if "expected_scopes" in c and not (isinstance(c["expected_scopes"], list) and all(isinstance(s, str) for s in c["expected_scopes"])):
            err(f"{where}: expected_scopes must be a list of strings")
        rel = c.get("file", "")
        listed.append(rel)
        if not os.path.isfile(os.path.join(HERE, rel)):
            err(f"{where}: file does not exist")
        else:
            check_har(rel)
    dup = [f for f, n in Counter(listed).items() if n > 1]
    if dup:
        err(f"files listed twice: {dup}")
    on_disk = set()
    for root, _, files in os.walk(HERE):
        for name in files:
            if name.endswith(".har"):
                on_disk.add(os.path.relpath(os.path.join(root, name), HERE).replace(os.sep, "/"))
    for f in sorted(on_disk - set(listed)):
        err(f"{f}: HAR not listed in cases.toml")

    n = len(cases)
    by_cause = Counter(c.get("expect") for c in cases)
    by_provider = Counter(c.get("provider") for c in cases)
    print(f"{n} cases, {len(by_provider)} providers\n")
    print("per cause:")
    for cause in CAUSES:
        print(f"  {cause:30} {by_cause.get(cause, 0):3}  {100.0 * by_cause.get(cause, 0) / max(n, 1):5.1f}%")
    print("\nper provider:")
    for p, k in sorted(by_provider.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {p:30} {k:3}")
    print()

    if n < MIN_CASES:
        err(f"only {n} cases (need {MIN_CASES})")
    if len(by_provider) < MIN_PROVIDERS:
        err(f"only {len(by_provider)} providers (need {MIN_PROVIDERS})")
    for cause in CAUSES:
        need = MIN_NONE if cause == "none" else MIN_PER_CAUSE
        if by_cause.get(cause, 0) < need:
            err(f"cause {cause} has {by_cause.get(cause, 0)} cases (need {need})")
        if n and by_cause.get(cause, 0) / n >= MAX_SHARE:
            err(f"cause {cause} is {100.0 * by_cause[cause] / n:.1f}% of cases (must stay below {100 * MAX_SHARE:.0f}%)")

    if errors:
        print(f"FAIL: {len(errors)} problem(s)")
        for e in errors:
            print("  - " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
