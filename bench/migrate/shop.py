#!/usr/bin/env python3
"""Generates a SQLite shop shaped like real ones for bench/migrate-vs-peers (standard library only).

  shop.py PATH [--scale F]

Ten tables, a foreign key (declared REFERENCES, enforced by SQLite) on every relation (13), unique keys
(email, sku, slug, one payment per order) and the secondary indexes a shop's queries need (orders by
customer and date, lines by order and product, reviews by product, stock movements by product and time).
Money is DECIMAL(10,2) stored as REAL with cents, timestamps are ISO text with microseconds, names carry
non-ASCII letters. Deterministic: the same scale gives the same file. Scale 1.0 is about 1,040,000 rows.
"""
import random
import sqlite3
import sys

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,
  slug VARCHAR(80) NOT NULL UNIQUE, name VARCHAR(120) NOT NULL);
CREATE TABLE brands (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL UNIQUE, country CHAR(2));
CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(254) NOT NULL UNIQUE, name VARCHAR(200) NOT NULL,
  marketing BOOLEAN NOT NULL DEFAULT 0, created_at DATETIME NOT NULL);
CREATE INDEX customers_created ON customers (created_at);
CREATE TABLE addresses (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  street VARCHAR(200) NOT NULL, city VARCHAR(100) NOT NULL, postcode VARCHAR(16) NOT NULL, country CHAR(2) NOT NULL);
CREATE INDEX addresses_customer ON addresses (customer_id);
CREATE TABLE products (id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL REFERENCES categories(id),
  brand_id INTEGER REFERENCES brands(id), sku VARCHAR(32) NOT NULL UNIQUE, name VARCHAR(200) NOT NULL, description TEXT,
  price DECIMAL(10,2) NOT NULL, stock INTEGER NOT NULL, active BOOLEAN NOT NULL, created_at DATETIME NOT NULL);
CREATE INDEX products_category ON products (category_id, active);
CREATE INDEX products_brand ON products (brand_id);
CREATE INDEX products_name ON products (name);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
  shipping_address_id INTEGER REFERENCES addresses(id), status VARCHAR(16) NOT NULL, total DECIMAL(12,2) NOT NULL,
  created_at DATETIME NOT NULL);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at);
CREATE INDEX orders_status_created ON orders (status, created_at);
CREATE INDEX orders_address ON orders (shipping_address_id);
CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL, unit_price DECIMAL(10,2) NOT NULL);
CREATE INDEX order_lines_order ON order_lines (order_id);
CREATE INDEX order_lines_product ON order_lines (product_id);
CREATE TABLE payments (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id),
  amount DECIMAL(12,2) NOT NULL, method VARCHAR(16) NOT NULL, paid_at DATETIME NOT NULL);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  customer_id INTEGER NOT NULL REFERENCES customers(id), rating INTEGER NOT NULL, body TEXT, created_at DATETIME NOT NULL);
CREATE INDEX reviews_product_created ON reviews (product_id, created_at);
CREATE INDEX reviews_customer ON reviews (customer_id);
CREATE TABLE inventory_movements (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),
  order_id INTEGER REFERENCES orders(id), delta INTEGER NOT NULL, reason VARCHAR(16) NOT NULL, at DATETIME NOT NULL);
CREATE INDEX inventory_product_at ON inventory_movements (product_id, at);
CREATE INDEX inventory_order ON inventory_movements (order_id);
"""

FIRST = ["Anna", "Jürgen", "Zoë", "Łukasz", "Søren", "Inès", "Mateo", "Aiko", "Олег", "Fatma", "Noah", "Émile"]
LAST = ["Müller", "García", "Dubois", "Nowak", "Østergaard", "Rossi", "Yılmaz", "Tanaka", "Smith", "Ivanova"]
CITIES = ["Zürich", "Köln", "Kraków", "São Paulo", "Reykjavík", "Malmö", "Lyon", "Porto", "Graz", "Bern"]
WORDS = ["Kaffee", "mug", "thé", "carafe", "filter", "grinder", "kettle", "Tasse", "spoon", "café", "scale", "bag"]


def ts(rng, start=1_600_000_000, span=160_000_000):
    t = start + rng.random() * span
    sec = int(t)
    micro = int((t - sec) * 1_000_000)
    import time
    g = time.gmtime(sec)
    return f"{g.tm_year:04d}-{g.tm_mon:02d}-{g.tm_mday:02d} {g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}.{micro:06d}"


def main(path, scale):
    rng = random.Random(42)
    n = lambda base: max(1, int(base * scale))
    counts = dict(categories=n(300), brands=n(200), customers=n(60_000), addresses=n(90_000), products=n(40_000),
                  orders=n(150_000), order_lines=n(350_000), payments=n(140_000), reviews=n(50_000),
                  inventory_movements=n(160_000))
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    con.execute("BEGIN")
    con.executemany("INSERT INTO categories VALUES (?,?,?,?)",
                    ((i, None if i <= 20 else rng.randint(1, 20), f"cat-{i}", f"{rng.choice(WORDS)} {i}")
                     for i in range(1, counts["categories"] + 1)))
    con.executemany("INSERT INTO brands VALUES (?,?,?)",
                    ((i, f"{rng.choice(LAST)} & Co {i}", rng.choice(["DE", "CH", "FR", "PL", None]))
                     for i in range(1, counts["brands"] + 1)))
    con.executemany("INSERT INTO customers VALUES (?,?,?,?,?)",
                    ((i, f"kunde{i}@example.com", f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.randint(0, 1), ts(rng))
                     for i in range(1, counts["customers"] + 1)))
    con.executemany("INSERT INTO addresses VALUES (?,?,?,?,?,?)",
                    ((i, rng.randint(1, counts["customers"]), f"{rng.choice(LAST)}straße {rng.randint(1, 200)}",
                      rng.choice(CITIES), f"{rng.randint(1000, 99999)}", rng.choice(["DE", "CH", "AT", "FR", "PL"]))
                     for i in range(1, counts["addresses"] + 1)))
    con.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?)",
                    ((i, rng.randint(1, counts["categories"]), rng.choice([None, rng.randint(1, counts["brands"])]),
                      f"SKU-{i:07d}", f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                      " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))),
                      round(rng.randint(99, 99_999) / 100, 2), rng.randint(0, 500), rng.randint(0, 1), ts(rng))
                     for i in range(1, counts["products"] + 1)))
    con.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?)",
                    ((i, rng.randint(1, counts["customers"]), rng.choice([None, rng.randint(1, counts["addresses"])]),
                      rng.choice(["placed", "paid", "shipped", "delivered", "cancelled"]),
                      round(rng.randint(100, 500_000) / 100, 2), ts(rng))
                     for i in range(1, counts["orders"] + 1)))
    con.executemany("INSERT INTO order_lines VALUES (?,?,?,?,?)",
                    ((i, rng.randint(1, counts["orders"]), rng.randint(1, counts["products"]), rng.randint(1, 5),
                      round(rng.randint(99, 99_999) / 100, 2))
                     for i in range(1, counts["order_lines"] + 1)))
    paid = rng.sample(range(1, counts["orders"] + 1), min(counts["payments"], counts["orders"]))
    con.executemany("INSERT INTO payments VALUES (?,?,?,?,?)",
                    ((i, order, round(rng.randint(100, 500_000) / 100, 2), rng.choice(["card", "invoice", "twint"]), ts(rng))
                     for i, order in enumerate(sorted(paid), start=1)))
    con.executemany("INSERT INTO reviews VALUES (?,?,?,?,?,?)",
                    ((i, rng.randint(1, counts["products"]), rng.randint(1, counts["customers"]), rng.randint(1, 5),
                      rng.choice([None, " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))]), ts(rng))
                     for i in range(1, counts["reviews"] + 1)))
    con.executemany("INSERT INTO inventory_movements VALUES (?,?,?,?,?,?)",
                    ((i, rng.randint(1, counts["products"]), rng.choice([None, rng.randint(1, counts["orders"])]),
                      rng.randint(-5, 50), rng.choice(["sale", "restock", "return"]), ts(rng))
                     for i in range(1, counts["inventory_movements"] + 1)))
    con.commit()
    bad = con.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        sys.exit(f"generated shop has orphans: {bad[:3]}")
    con.close()
    print(sum(counts.values()))


if __name__ == "__main__":
    args = sys.argv[1:]
    scale = 1.0
    if "--scale" in args:
        i = args.index("--scale")
        scale = float(args[i + 1])
        del args[i:i + 2]
    main(args[0], scale)
