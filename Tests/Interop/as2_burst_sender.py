#!/usr/bin/env python3
"""Sends COUNT AS2 messages with pyas2lib (signed, encrypted, signed sync MDN requested) to a
receiver that may be killed at any moment. Each message is built once; until a readable MDN
comes back, the same bytes with the same Message-ID are POSTed again (RFC 4130 5.5). One JSON
line per message: index, message_id, the payload's sha256, the MDN status and how many POSTs
it took. Test tooling for the gateway's AS2 crash test; loopback only, bounded by --deadline."""
import argparse
import hashlib
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", required=True, help="the peers' as2 directory (pyas2lib import fix)")
    parser.add_argument("--certs", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--log", required=True)
    parser.add_argument("--deadline", type=float, default=600, help="seconds for the whole run")
    args = parser.parse_args()
    sys.path.insert(0, args.peers)
    import _oscrypto_compat  # noqa: F401  (must precede pyas2lib)
    from pyas2lib import Mdn, Message, Organization, Partner

    def read(name):
        with open(os.path.join(args.certs, name), "rb") as handle:
            return handle.read()

    org = Organization(as2_name="GATEWAY", sign_key=read("gateway.pem"), decrypt_key=read("gateway.pem"), domain="burst.test")
    partner = Partner(
        as2_name="PARTNER", verify_cert=read("partner.crt"), verify_cert_ca=read("ca.crt"), encrypt_cert=read("partner.crt"),
        encrypt_cert_ca=read("ca.crt"), sign=True, encrypt=True, digest_alg="sha256", enc_alg="aes_256_cbc", mdn_mode="SYNC",
        mdn_digest_alg="sha256")
    rng = random.Random(args.seed)
    end = time.time() + args.deadline
    with open(args.log, "a", encoding="utf-8") as log:
        for index in range(args.count):
            filler = "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(200, 20_000)))
            payload = f'<?xml version="1.0"?>\n<burst index="{index}">{filler}</burst>\n'.encode()
            message = Message(org, partner)
            message.build(payload, filename=f"burst-{index}.xml", content_type="application/octet-stream", subject="burst")
            headers = {key: " ".join(str(value).split()) for key, value in message.headers.items()}
            result = {"index": index, "message_id": message.message_id, "sha256": hashlib.sha256(payload).hexdigest(), "posts": 0}
            while time.time() < end:
                result["posts"] += 1
                try:
                    request = urllib.request.Request(args.url, data=message.content, method="POST", headers=headers)
                    with urllib.request.urlopen(request, timeout=30) as response:
                        head = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items()
                                       if k.lower() not in ("content-length", "connection", "transfer-encoding"))
                        raw = head.encode() + b"\r\n" + response.read()
                except (urllib.error.URLError, OSError):
                    time.sleep(0.1)  # the receiver is down (killed): the same bytes again shortly
                    continue
                mdn = Mdn()
                status, detail = mdn.parse(raw, find_message_cb=lambda mid, _r: message if mid == message.message_id else None)
                result.update(status=status, detail=detail)
                break
            else:
                result["status"] = "deadline"
            log.write(json.dumps(result) + "\n")
            log.flush()
            if result["status"] == "deadline":
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
