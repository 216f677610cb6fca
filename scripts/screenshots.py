"""Regenerate the README screenshots: docs/img/playground.png and docs/img/report.png.

Starts ``zhmend serve`` on a free loopback port and shoots the playground with the bundled
seed page; runs ``zhmend run --report`` on a small corpus made from ``samples/seed.txt`` and a
few clean sentences, and shoots the report. Needs the ``dev`` extra and Debian's chromium
(``scripts/test`` installs both)::

    .venv/bin/python scripts/screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CLEAN = [
    "今天上午，市政府召开新闻发布会，介绍今年一季度经济运行情况。",
    "气象台预计，明天白天多云转晴，最高气温二十三摄氏度。",
    "图书馆周末延长开放时间，读者可以通过手机预约座位。",
    "这条线路全长十二公里，预计年底前建成通车。",
    "臺北市立圖書館週末延長開放時間，讀者可透過網站預約座位。",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def corpus(path: Path) -> None:
    lines = [x for x in (ROOT / "samples" / "seed.txt").read_text("utf-8").splitlines() if x]
    with path.open("w", encoding="utf-8") as f:
        for i in range(40):
            start = (i * 3) % (len(lines) - 3)
            text = "\n".join(lines[start : start + 1 + i % 4])
            f.write(json.dumps({"id": f"farm-{i:02d}", "text": text}, ensure_ascii=False) + "\n")
        for i in range(60):
            text = CLEAN[i % len(CLEAN)]
            f.write(json.dumps({"id": f"page-{i:02d}", "text": text}, ensure_ascii=False) + "\n")
        f.write("{truncated\n")


def zhmend(*args: str, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhmend.cli", *args], capture_output=True,
                          text=True, **kw)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "zhmend.cli", "serve", "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    work = Path(tempfile.mkdtemp(prefix="zhmend-shots-"))
    try:
        corpus(work / "crawl.jsonl")
        zhmend("run", str(work / "crawl.jsonl"), "-o", str(work / "out"), "--report",
               "-j", "1", "--progress", "none", timeout=600)
        report = work / "out" / "report.html"
        if not report.exists():
            print("screenshots: zhmend run --report wrote no report", file=sys.stderr)
            return 1
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(base + "/")
            page.wait_for_function("Number(document.body.dataset.done || 0) > 0")
            page.hover("#output .edit >> nth=12")
            page.screenshot(path=str(args.out / "playground.png"))
            page = browser.new_page(viewport={"width": 1300, "height": 1500})
            page.goto(report.as_uri())
            page.screenshot(path=str(args.out / "report.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    for name in ("playground.png", "report.png"):
        path = args.out / name
        print(f"{os.path.relpath(path, ROOT)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
