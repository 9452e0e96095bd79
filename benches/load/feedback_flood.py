#!/usr/bin/env python3
"""Feedback flood (issue 18, B-5): the cost of the public reply pages, the staff dashboard and
queue, and the feedback API with 100,000 unpublished items of 4,000 characters in one unit,
against the same pages on the demo before the flood (a ratio, since these machines are noisy).

Starts a release `hailong serve --demo` on a fresh SQLite file (or DATABASE_URL=postgres://…,
a database it may fill), writes the items straight into the database, and reads each page a
few times; prints wall time and the server's CPU time per request, and its resident memory.
Usage: python3 benches/load/feedback_flood.py [items]    (builds nothing: run
`cargo build --release` first; HAILONG_BIN picks another binary)
"""
import http.cookiejar, os, re, sqlite3, subprocess, sys, tempfile, time, urllib.parse, urllib.request

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
target = os.environ.get("CARGO_TARGET_DIR", "target")
BIN = os.environ.get("HAILONG_BIN", f"{target}/release/hailong")
work = tempfile.mkdtemp()
url = os.environ.get("DATABASE_URL", f"sqlite://{work}/flood.db")
port = 21000 + os.getpid() % 20000
base = f"http://127.0.0.1:{port}"
UNIT = "phuong-an-lac"
PASSWORD = "Đo tải phản ánh một trăm nghìn"

def cli(*args, stdin=None):
    return subprocess.run([BIN, *args, "--database-url", url], input=stdin, capture_output=True,
                          text=True, check=True).stdout

server = subprocess.Popen([BIN, "serve", "--demo", "--rate-limit", "off", "--login-rate-limit", "off",
                           "--feedback-unit-limit", "off", "--database-url", url,
                           "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
try:
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.2)
    cli("users", "add", "do-tai", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    token = cli("tokens", "create", f"do-tai-{port}").strip().splitlines()[-1]
    jar = http.cookiejar.CookieJar()
    staff = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = staff.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    staff.open(base + "/login", urllib.parse.urlencode(
        {"csrf": csrf, "username": "do-tai", "password": PASSWORD}).encode())
    year = time.strftime("%Y")

    def cpu():
        with open(f"/proc/{server.pid}/stat") as f:
            parts = f.read().split()
        return (int(parts[13]) + int(parts[14])) / os.sysconf("SC_CLK_TCK")

    def rss():
        with open(f"/proc/{server.pid}/status") as f:
            return next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS"))

    def measure(path, opener=None, headers=None, times=5):
        walls, size = [], 0
        c0 = cpu()
        for _ in range(times):
            req = urllib.request.Request(base + path, headers=headers or {})
            t = time.perf_counter()
            size = len((opener or staff).open(req).read())
            walls.append(time.perf_counter() - t)
        walls.sort()
        return walls[len(walls) // 2] * 1000, (cpu() - c0) / times * 1000, size

    pages = [
        ("public replies of the unit", f"/units/{UNIT}/feedback", urllib.request.build_opener(), None),
        ("public replies, all units", "/feedback", urllib.request.build_opener(), None),
        ("desk sheet", f"/units/{UNIT}/feedback/print", urllib.request.build_opener(), None),
        ("dashboard", "/staff", staff, None),
        ("queue, first page", "/staff/feedback", staff, None),
        ("queue, overdue only", "/staff/feedback?overdue=1", staff, None),
        ("API, first page (200 items)", f"/api/v1/feedback?period={year}", urllib.request.build_opener(),
         {"Authorization": f"Bearer {token}"}),
    ]
    before = {name: measure(path, op, h) for name, path, op, h in pages}
    rss_before = rss()

    body = "ệ" * 3990
    t = time.perf_counter()
    if url.startswith("postgres"):
        sql = (f"INSERT INTO feedback (code_hash, unit_code, subject, body, consent_publish, from_survey, "
               f"status, received_at, received_date, synthetic) SELECT md5(i::text) || md5((i + 1)::text), "
               f"'{UNIT}', 'other', repeat('ệ', 3990), false, false, 'received', now(), current_date, false "
               f"FROM generate_series(1, {N}) i")
        subprocess.run(["psql", url, "-qc", sql], check=True)
    else:
        db = sqlite3.connect(url.removeprefix("sqlite://"), timeout=30)
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        today = time.strftime("%Y-%m-%d")
        db.executemany(
            "INSERT INTO feedback (code_hash, unit_code, subject, body, consent_publish, from_survey, status, "
            "received_at, received_date, synthetic) VALUES (?, ?, 'other', ?, 0, 0, 'received', ?, ?, 0)",
            ((f"{i:064x}", UNIT, body, now, today) for i in range(N)))
        db.commit()
        db.close()
    print(f"{N:,} items of 4,000 characters written in {time.perf_counter() - t:.1f} s ({url.split(':')[0]})")
    after = {name: measure(path, op, h) for name, path, op, h in pages}
    print(f"{'page':32} {'before: ms wall / ms CPU':>26} {'after: ms wall / ms CPU':>26} {'KB after':>9}")
    for name, *_ in pages:
        (bw, bc, _), (aw, ac, size) = before[name], after[name]
        print(f"{name:32} {bw:12.1f} / {bc:8.1f}   {aw:12.1f} / {ac:8.1f}   {size / 1024:8.0f}")
    print(f"resident memory: {rss_before} MB before the flood, {rss()} MB after")
finally:
    server.terminate()
    server.wait()
