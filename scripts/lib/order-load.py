#!/usr/bin/env python3
"""Shoppers for the demo: W workers sign up, sign in and place orders (cart → item → checkout) on the given shop URLs until
STOP_FILE exists; acknowledged order ids go to ORDERS_FILE, failed requests (5xx, transport) to stderr.
  order-load.py ORDERS_FILE STOP_FILE PRODUCTS URL [URL…]"""
import json, os, sys, threading, time, urllib.request, urllib.error

orders_file, stop_file, products, urls = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
lock, failed = threading.Lock(), [0]


def call(method, url, body, token=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=40) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except Exception as error:
        return 0, {"error": str(error)}


def shopper(url, seed):
    email, password = f"demo-{seed}-{time.time_ns()}@example.org", f"Demo-shopper-{seed}-{time.time_ns() % 10**6}"
    status, customer = call("POST", url + "/customers", {"email": email, "name": f"Shopper {seed}", "password": password})
    if status == 201:
        status, session = call("POST", url + "/sessions", {"email": email, "password": password})
    if status != 201:
        with lock:
            failed[0] += 1
            print(f"could not sign up and sign in: HTTP {status}", file=sys.stderr)
        return
    token, n = session["token"], seed
    while not os.path.exists(stop_file):
        n += 7
        s1, cart = call("POST", url + "/carts", {}, token)
        s2, _ = call("PUT", url + f"/carts/{cart.get('id')}/items", {"product_id": 1 + n % products, "quantity": 1}, token) if s1 == 201 else (s1, {})
        s3, order = call("POST", url + f"/carts/{cart.get('id')}/checkout", {"payment_method": "card"}, token) if s2 == 200 else (s2, {})
        with lock:
            if any(s == 0 or s >= 500 for s in (s1, s2, s3)):
                failed[0] += 1
                print(f"failed request: {s1} {s2} {s3}", file=sys.stderr)
            if s3 == 201:
                with open(orders_file, "a") as f: f.write(f"{order['id']}\n")
        time.sleep(0.05)


threads = [threading.Thread(target=shopper, args=(urls[i % len(urls)], i)) for i in range(2 * len(urls))]
for t in threads: t.start()
for t in threads: t.join()
print(f"{failed[0]} failed requests", file=sys.stderr)
sys.exit(1 if failed[0] else 0)
