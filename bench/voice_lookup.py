"""Voice-agent benchmark: product lookup and post-call acknowledgement (not a test).

Against a running Odoo 19 with `mcp_quotation` and the `sale` demo products:

1. lookup quality: ten misspellings of demo products (as speech-to-text
   produces them), the top hit of each, and a word that matches nothing;
2. with 1 and with N concurrent clients, each client alternating the floor (a
   trivial authenticated JSON-2 call, `res.users/context_get`) and a product
   lookup (`GET /mcp_quotation/v1/products?q=...&limit=5`, cycling through the
   misspellings), so that both are timed under the same load; p50/p99 of each
   and their ratio (target: lookup p50 at most 1.5x the floor);
3. with `--webhook-secret`, the post-call webhook's acknowledgement time: signed
   `post_call_transcription` events (each a new conversation, a transcript of
   40 turns) posted at 1 and N concurrent clients, against the same floor.

With `--products N`, the catalogue first grows to N generated sellable products
("Mobile Robot Lidar 949", reference GEN-000519) beside the demo ones; they are
created once and reused by later runs on the same database.

    python bench/voice_lookup.py --url http://127.0.0.1:8069 --db mydb \\
        --api-key "$ODOO_API_KEY" [--products 100000] [--webhook-secret "$SECRET"]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from webhook_load import Odoo, percentile, summary

PRODUCTS = "/mcp_quotation/v1/products"
POST_CALL = "/mcp_quotation/v1/elevenlabs/post-call"
# What a caller says, as speech-to-text writes it, and the demo product meant.
MISSPELLINGS = [
    ("dsk combinaton", "Desk Combination"),
    ("ofice chiar", "Office Chair"),
    ("cabinett with dors", "Cabinet with Doors"),
    ("acustic blok screens", "Acoustic Bloc Screens"),
    ("larj meeting tabel", "Large Meeting Table"),
    ("monitor stnd", "Monitor Stand"),
    ("four persun desk", "Four Person Desk"),
    ("flip over", "Flipover"),
    ("conferance chair", "Conference Chair"),
    ("two seet sofa", "Two-Seat Sofa"),
]
NOTHING = "xylophone"
# The generated catalogue: a distributor's robots and their parts, none of them
# furniture, so that the demo products stay the right answers.
FAMILIES = [
    "Mobile Robot",
    "Cobot Arm",
    "Servo Drive",
    "Battery Pack",
    "Charging Dock",
    "Vision Camera",
    "Conveyor Belt",
    "Motor Controller",
    "Safety Scanner",
    "Vacuum Gripper",
]
PARTS = [
    "Lidar",
    "Encoder",
    "Bracket",
    "Cable",
    "Sensor",
    "Module",
    "Kit",
    "Adapter",
    "Firmware",
    "Housing",
    "Wheel",
    "Fuse",
]
GENERATED = "GEN-"
BATCH = 1000


def lookup(odoo: Odoo, words: str) -> list[dict[str, object]]:
    response = odoo.client().get(PRODUCTS, params={"q": words, "limit": 5})
    response.raise_for_status()
    return list(response.json()["products"])


def generated_product(number: int) -> dict[str, object]:
    family = FAMILIES[number % len(FAMILIES)]
    part = PARTS[number // len(FAMILIES) % len(PARTS)]
    return {
        "name": f"{family} {part} {number % 1000}",
        "default_code": f"{GENERATED}{number:06d}",
        "list_price": 10 + number % 990,
        "sale_ok": True,
    }


def grow_catalogue(odoo: Odoo, products: int) -> None:
    """Create the generated products missing up to ``products``, in batches."""
    domain = [["default_code", "=like", f"{GENERATED}%"]]
    have = odoo.json2("product.product", "search_count", domain=domain)
    started = time.perf_counter()
    for first in range(have, products, BATCH):
        vals_list = [
            generated_product(number)
            for number in range(first, min(first + BATCH, products))
        ]
        # A batch of templates with their variants takes seconds, not the
        # timeout of a lookup.
        response = odoo.client().post(
            "/json/2/product.template/create",
            json={"vals_list": vals_list},
            timeout=600.0,
        )
        response.raise_for_status()
        print(f"  created {first + len(vals_list)}/{products} generated products")
    if products > have:
        seconds = time.perf_counter() - started
        print(f"{products - have} products created in {seconds:.0f} s")
    print(f"catalogue: {max(have, products)} generated products beside the demo ones")


def bench_quality(odoo: Odoo) -> None:
    """The top hit of each misspelling, and the answer for a word like nothing."""
    right = 0
    print("| said (speech-to-text) | meant | top hit | score | right |")
    print("| --- | --- | --- | --- | --- |")
    for words, meant in MISSPELLINGS:
        hits = lookup(odoo, words)
        top = hits[0] if hits else {"name": "(nothing)", "score": 0.0}
        # Variants carry their attributes: "Customizable Desk (White, Steel)".
        ok = str(top["name"]).split(" (")[0] == meant
        right += ok
        print(f"| {words} | {meant} | {top['name']} | {top['score']} | {ok} |")
    print(f"{right}/{len(MISSPELLINGS)} right; '{NOTHING}' -> {lookup(odoo, NOTHING)}")


def event_body(turns: int = 40) -> bytes:
    transcript = [
        {
            "role": "agent" if turn % 2 else "user",
            "message": f"Turn {turn}: a sentence of an ordinary phone call.",
            "time_in_call_secs": turn * 4,
        }
        for turn in range(turns)
    ]
    return json.dumps(
        {
            "type": "post_call_transcription",
            "event_timestamp": int(time.time()),
            "data": {
                "agent_id": "bench_agent",
                "conversation_id": f"bench_{uuid.uuid4().hex}",
                "transcript": transcript,
                "metadata": {"call_duration_secs": turns * 4},
                "analysis": {"transcript_summary": "A benchmark call."},
            },
        }
    ).encode()


def post_event(odoo: Odoo, secret: str) -> None:
    body = event_body()
    timestamp = int(time.time())
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    response = odoo.client().post(
        POST_CALL,
        content=body,
        headers={
            "Content-Type": "application/json",
            "ElevenLabs-Signature": f"t={timestamp},v0={digest}",
        },
    )
    if response.status_code != 200 or response.json()["status"] != "accepted":
        raise SystemExit(f"post-call refused: {response.status_code} {response.text}")


def interleaved(
    odoo: Odoo,
    label: str,
    measured: Callable[[int], object],
    calls: int,
    concurrency: int,
) -> None:
    """Floor, then the measured call, per client, under the same load."""
    floor: list[float] = []
    timed: list[float] = []

    def one(index: int) -> None:
        started = time.perf_counter()
        odoo.json2("res.users", "context_get")
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        measured(index)
        timed.append(time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(calls)))
    print(f"floor   JSON-2 context_get  x{concurrency:<3} {summary(floor)}")
    print(
        f"{label} x{concurrency:<3} {summary(timed)}  = "
        f"{percentile(timed, 0.5) / percentile(floor, 0.5):.2f}x / "
        f"{percentile(timed, 0.99) / percentile(floor, 0.99):.2f}x the floor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--api-key", default=os.environ.get("ODOO_API_KEY"))
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("ELEVENLABS_WEBHOOK_SECRET"),
        help="the post-call webhook secret set in Odoo; without it, no ack bench",
    )
    parser.add_argument(
        "--products",
        type=int,
        default=0,
        help="grow the catalogue to this many generated products first",
    )
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    if not args.api_key:
        parser.error("an API key is required (--api-key or $ODOO_API_KEY)")
    odoo = Odoo(args.url, args.db, args.api_key)
    if args.products:
        grow_catalogue(odoo, args.products)
    bench_quality(odoo)
    for _ in range(20):  # warm-up: the workers' registries and caches
        lookup(odoo, MISSPELLINGS[0][0])
    for concurrency in (1, args.concurrency):
        interleaved(
            odoo,
            "lookup  GET products     ",
            lambda index: lookup(odoo, MISSPELLINGS[index % len(MISSPELLINGS)][0]),
            args.calls,
            concurrency,
        )
    if args.webhook_secret:
        for concurrency in (1, args.concurrency):
            interleaved(
                odoo,
                "ack     POST post-call   ",
                lambda _index: post_event(odoo, args.webhook_secret),
                args.events,
                concurrency,
            )


if __name__ == "__main__":
    main()
