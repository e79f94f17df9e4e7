#!/usr/bin/env python3
"""Make a large Gatepass collection for the benchmarks, or read one back as `collection show` does.

    gen_collection.py DIR REQUESTS FOLDERS [--practice]   write DIR (format 1: gatepass-collection.toml
                                                          and one FOLDER/NAME.request.toml per request)
    gen_collection.py --read DIR                          print the tree as JSON, read with tomllib

--practice makes requests the practice API answers with a 2xx (/v1/me, /v1/echo, /v1/slow?ms=20), so a
run over them measures the runner, not failures. The --read mode is the peer the README compares
`gatepass collection show` with: the same files parsed and printed by python3's own TOML reader.
"""
import json
import os
import sys


def write(root, count, folders, practice):
    os.makedirs(root, exist_ok=True)
    per_folder = [[] for _ in range(folders)]
    for i in range(count):
        per_folder[i % folders].append(i)
    lines = ['format = 1', 'name = "Generated %d"' % count, '']
    for f, items in enumerate(per_folder):
        folder = "Folder %03d" % f
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        names = []
        for i in items:
            stem = "request-%05d" % i
            names.append(stem)
            if practice:
                url = ["/v1/me", "/v1/echo?n=%d" % i, "/v1/slow?ms=20"][i % 3]
                method = "GET"
            else:
                method = ["GET", "POST", "PUT", "DELETE"][i % 4]
                url = "/v1/things/%d/items?page={{page}}" % i
            body = ""
            if method in ("POST", "PUT"):
                body = '\n[body]\nkind = "json"\ntext = """\n{"id": %d, "name": "item %d"}"""\n' % (i, i)
            text = (
                'format = 1\nname = "Request %05d"\nmethod = "%s"\nurl = "%s"\n' % (i, method, url)
                + ('required_scopes = ["things:write"]\n' if method != "GET" else "")
                + '\n[[headers]]\nname = "Accept"\nvalue = "application/json"\n'
                + body
            )
            with open(os.path.join(root, folder, stem + ".request.toml"), "w") as out:
                out.write(text)
        lines += ['[[folders]]', 'name = "%s"' % folder, 'requests = [%s]' % ", ".join('"%s"' % n for n in names), '']
    with open(os.path.join(root, "gatepass-collection.toml"), "w") as out:
        out.write("\n".join(lines))


def read(root):
    import tomllib

    with open(os.path.join(root, "gatepass-collection.toml"), "rb") as f:
        meta = tomllib.load(f)
    requests = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".request.toml"):
                continue
            with open(os.path.join(dirpath, name), "rb") as f:
                r = tomllib.load(f)
            folder = os.path.relpath(dirpath, root)
            requests.append({
                "name": r["name"],
                "folder": None if folder == "." else folder,
                "method": r["method"],
                "url": r["url"],
                "required_scopes": r.get("required_scopes", []),
            })
    print(json.dumps({"name": meta["name"], "path": root, "requests": requests}))


if __name__ == "__main__":
    if sys.argv[1] == "--read":
        read(sys.argv[2])
    else:
        write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "--practice" in sys.argv)
