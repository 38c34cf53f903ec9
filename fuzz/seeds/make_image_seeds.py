"""Writes the image_archive seeds: a docker save tarball and an OCI archive (gzip layer,
a whiteout in an upper layer) holding the v1 test vector at /etc/lifeboat/snapshot.age.
Run from fuzz/: python3 seeds/make_image_seeds.py"""
import gzip
import hashlib
import io
import json
import tarfile

SNAPSHOT = open("../tests/data/v1/snapshot.age", "rb").read()


def tar_of(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write(path, members):
    with open(path, "wb") as f:
        f.write(tar_of(members))


lower = tar_of([("etc/lifeboat/snapshot.age", SNAPSHOT), ("etc/lifeboat/old.age", b"x")])
upper = tar_of([("etc/lifeboat/.wh.old.age", b""), ("app/run", b"#!/bin/sh\n")])

def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data

# The config lists each layer's digest (diff_ids), which lifeboat checks, as docker load does.
docker_config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {
    "type": "layers", "diff_ids": [blob(lower)[0], blob(upper)[0]]}}).encode()
write("seeds/image_archive/docker-save.tar", [
    ("manifest.json", json.dumps([{"Config": "config.json", "Layers": ["l1/layer.tar", "l2/layer.tar"]}]).encode()),
    ("config.json", docker_config),
    ("l1/layer.tar", lower),
    ("l2/layer.tar", upper),
])

gz_lower = gzip.compress(lower, mtime=0)
l1, l1data = blob(gz_lower)
l2, l2data = blob(upper)
config, configdata = blob(b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}')
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": len(configdata)},
    "layers": [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l1, "size": len(l1data)},
        {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l2, "size": len(l2data)},
    ],
}).encode()
m, mdata = blob(manifest)
index = json.dumps({
    "schemaVersion": 2,
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m, "size": len(mdata),
                   "platform": {"architecture": "amd64", "os": "linux"}}],
}).encode()
write("seeds/image_archive/oci-archive.tar", [
    ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
    ("index.json", index),
] + [("blobs/sha256/" + d.split(":")[1], data) for d, data in [(m, mdata), (config, configdata), (l1, l1data), (l2, l2data)]])


def header(name, kind, size):
    """One ustar header block, written by hand: what no tar writer makes on purpose."""
    block = bytearray(512)
    block[:len(name)] = name.encode()
    block[100:107], block[108:115], block[116:123] = b"0000644", b"0000000", b"0000000"
    block[124:135], block[136:147] = b"%011o" % size, b"00000000000"
    block[156] = kind
    block[257:263], block[263:265] = b"ustar\0", b"00"
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def padded(data):
    return data + b"\0" * (-len(data) % 512)


# A layer whose pax header gives the next entry two sizes, behind which a GNU long name
# hides from a reader that takes the other one (refused: the key size twice).
records = b"10 size=0\n13 size=1024\n"
attack = (header("PaxHeaders/x", ord("x"), len(records)) + padded(records)
          + header("etc/filler", ord("0"), 0) + header("././@LongLink", ord("L"), 2048)
          + b"\0" * 3072)
a, adata = blob(gzip.compress(attack, mtime=0))
amanifest = json.dumps({"schemaVersion": 2, "config": {"digest": config, "size": len(configdata)},
                        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                    "digest": a, "size": len(adata)}]}).encode()
am, amdata = blob(amanifest)
write("seeds/image_archive/pax-two-sizes.tar", [
    ("index.json", json.dumps({"schemaVersion": 2, "manifests": [{"digest": am, "size": len(amdata)}]}).encode()),
] + [("blobs/sha256/" + d.split(":")[1], data) for d, data in [(am, amdata), (config, configdata), (a, adata)]])
