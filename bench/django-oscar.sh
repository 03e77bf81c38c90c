#!/usr/bin/env bash
# The documented Django path (docs/migrate.md) on a django-oscar 4.2 shop of realistic size:
#   manage.py migrate + fill on SQLite → manage.py migrate on an empty MariaDB database → dbctl migrate
#   (auto → existing) → Django's own checks, a digest of every object on both sides, the schema against a
#   fresh `manage.py migrate`, and the tables Django does not own.
# Every step prints its wall time; the full log goes to bench/out/django-oscar-<date>.log.
#
#   bench/django-oscar.sh [--scale N]      # N products (default 20000 ≈ 190,000 rows)
#
# Needs: a built dbctl (swift build --product dbctl), python3 with venv, MariaDB server binaries, and
# PyPI for the first venv build (.venv/oscar, from Tests/MigrationTests/OscarShop/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCALE=20000
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 64 ;;
    esac
done
PROJECT=$ROOT/Tests/MigrationTests/OscarShop
VENV=$ROOT/.venv/oscar
DBCTL=$ROOT/.build/debug/dbctl
[ -x "$DBCTL" ] || { echo "build dbctl first: swift build --product dbctl" >&2; exit 1; }
mkdir -p bench/out
LOG=$ROOT/bench/out/django-oscar-$(date +%Y%m%d-%H%M%S).log
WORK=$(mktemp -d /tmp/django-oscar.XXXXXX)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
exec > >(tee "$LOG") 2>&1

step() {  # step NAME COMMAND… : runs, prints wall seconds, keeps going on failure (the status is printed)
    local name=$1; shift
    local start=$(date +%s.%N) status=0
    "$@" || status=$?
    printf '== %-34s %8.1f s  exit %d\n' "$name" "$(echo "$(date +%s.%N) - $start" | bc)" "$status"
    return 0
}

if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$PROJECT/requirements.txt" "$VENV/requirements.txt"; then
    step "venv (pip install)" bash -c "python3 -m venv --clear '$VENV' && '$VENV/bin/pip' install -q --disable-pip-version-check -r '$PROJECT/requirements.txt' && cp '$PROJECT/requirements.txt' '$VENV/'"
fi
PY=$VENV/bin/python
manage() { (cd "$PROJECT" && "$PY" manage.py "$@"); }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$DBCTL" server run --dir "$WORK/mariadb" --port "$PORT" --test > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do [ -s "$WORK/mariadb/admin.password" ] && mariadb -h127.0.0.1 -P"$PORT" -ustorefront_admin -p"$(cat "$WORK/mariadb/admin.password")" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
PW=$WORK/mariadb/admin.password
sql() { mariadb -h127.0.0.1 -P"$PORT" -ustorefront_admin -p"$(cat "$PW")" "$@"; }
sql -e 'CREATE DATABASE oscar; CREATE DATABASE oscar_fresh'
for db in oscar oscar_fresh; do
    printf '[client]\nhost=127.0.0.1\nport=%s\nuser=storefront_admin\npassword=%s\ndatabase=%s\n' "$PORT" "$(cat "$PW")" "$db" > "$WORK/$db.cnf"
    chmod 600 "$WORK/$db.cnf"
done
export SHOP_SQLITE=$WORK/oscar.sqlite3
mysql_env() { echo "SHOP_DB=mysql SHOP_MYSQL_CNF=$WORK/$1.cnf"; }

echo "django-oscar $("$PY" -c 'import oscar; print(oscar.get_version())') · Django $("$PY" -m django --version) · scale $SCALE · $(nproc) cores · load $(cut -d' ' -f1-3 /proc/loadavg)"
step "sqlite: manage.py migrate" manage migrate -v0
step "sqlite: fill --scale $SCALE" manage fill --scale "$SCALE"
ROWS=$(for t in $(sqlite3 "$SHOP_SQLITE" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"); do sqlite3 "$SHOP_SQLITE" "SELECT COUNT(*) FROM \"$t\""; done | paste -sd+ | bc)
echo "source: $(du -h "$SHOP_SQLITE" | cut -f1), $ROWS rows in $(sqlite3 "$SHOP_SQLITE" "SELECT COUNT(*) FROM sqlite_master WHERE type='table'") tables"

step "mariadb: manage.py migrate" env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py migrate -v0"
step "mariadb fresh: manage.py migrate" env $(mysql_env oscar_fresh) bash -c "cd '$PROJECT' && '$PY' manage.py migrate -v0"

TARGET=(--source "$SHOP_SQLITE" --target "mysql://storefront_admin@127.0.0.1:$PORT/oscar" --password-file "$PW")
step "dbctl migrate (dry run)" "$DBCTL" migrate "${TARGET[@]}"
step "dbctl migrate --execute" "$DBCTL" migrate "${TARGET[@]}" --execute --report "$WORK/report.json"
[ -f "$WORK/report.json" ] && cp "$WORK/report.json" "${LOG%.log}.report.json"

step "mariadb: migrate --check" env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py migrate --check"
step "mariadb: makemigrations --check" env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py makemigrations --check --dry-run"
step "sqlite: digest" bash -c "cd '$PROJECT' && '$PY' manage.py digest > '$WORK/digest.sqlite'"
step "mariadb: digest" env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py digest > '$WORK/digest.mariadb'"
if diff "$WORK/digest.sqlite" "$WORK/digest.mariadb" > "$WORK/digest.diff"; then echo "digest: identical ($(wc -l < "$WORK/digest.sqlite") models)"; else echo "digest: DIFFERS"; cat "$WORK/digest.diff"; fi
cp "$SHOP_SQLITE" "$WORK/oscar-copy.sqlite3"
step "sqlite copy: placeorder" bash -c "cd '$PROJECT' && SHOP_SQLITE='$WORK/oscar-copy.sqlite3' '$PY' manage.py placeorder > '$WORK/order.sqlite'"
step "mariadb: placeorder" env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py placeorder > '$WORK/order.mariadb'"
if diff "$WORK/order.sqlite" "$WORK/order.mariadb"; then echo "next order: same keys and total on both ($(tail -1 "$WORK/order.mariadb"))"; else echo "next order: DIFFERS"; fi
echo "tables Django does not own on the target:"
env $(mysql_env oscar) bash -c "cd '$PROJECT' && '$PY' manage.py extratables" | sed 's/^/  /'
schema() {
    sql -N "$1" -e "
      SELECT CONCAT_WS('|','table',TABLE_NAME,TABLE_TYPE,ENGINE,TABLE_COLLATION) FROM information_schema.TABLES WHERE TABLE_SCHEMA=DATABASE()
      UNION ALL SELECT CONCAT_WS('|','column',TABLE_NAME,ORDINAL_POSITION,COLUMN_NAME,COLUMN_TYPE,IS_NULLABLE,IFNULL(COLUMN_DEFAULT,'∅'),EXTRA,IFNULL(COLLATION_NAME,''))
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=DATABASE()
      UNION ALL SELECT CONCAT_WS('|','index',TABLE_NAME,INDEX_NAME,NON_UNIQUE,SEQ_IN_INDEX,COLUMN_NAME,IFNULL(COLLATION,''),IFNULL(SUB_PART,''),INDEX_TYPE)
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA=DATABASE()
      UNION ALL SELECT CONCAT_WS('|','fk',CONSTRAINT_NAME,TABLE_NAME,REFERENCED_TABLE_NAME,DELETE_RULE,UPDATE_RULE)
        FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA=DATABASE()
      UNION ALL SELECT CONCAT_WS('|','check',TABLE_NAME,CONSTRAINT_NAME,CHECK_CLAUSE) FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA=DATABASE()" | sort
}
if diff <(schema oscar_fresh) <(schema oscar) > "$WORK/schema.diff"; then echo "schema: equal to a fresh manage.py migrate"; else echo "schema: DIFFERS from a fresh manage.py migrate"; cat "$WORK/schema.diff"; fi
echo "log: $LOG"
