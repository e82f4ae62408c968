"""The HTML graph page: self-contained, and really drawn and searched in headless Chromium.

Chromium is driven over the Chrome DevTools Protocol (websocket-client). `.ci/run` installs
Debian's chromium when it is missing; under CI (CI=true) a missing browser fails the test,
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import remediator
from remediator.domain.config import Settings, SsotRule
from remediator.reports.graph_html import page_data, render_html
from tests.conftest import write_tree

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1400,900",
)
WIDTH, HEIGHT = 1400, 900

TREE = {
    "shop/__init__.py": "",
    "shop/models.py": "class Order: pass\n",
    "shop/db.py": "from shop.models import Order\n",
    "shop/orders.py": "from shop.db import Order\nfrom shop import billing\n",
    "shop/billing.py": "from shop import orders\nfrom shop.models import Gone\n",  # cycle with orders; missing name
    "shop/api.py": "from typing import TYPE_CHECKING\nimport shop.orders\nif TYPE_CHECKING:\n    from shop.db import Order\n",
    "shop/legacy.py": "import payments.stripe_client\n",  # ssot violation
    "shop/cli.py": "def main():\n    from shop import api\n",
    "payments/__init__.py": "",
    "payments/stripe_client.py": "",
    "payments/gateway.py": "from payments import stripe_client\n",
    "tests/__init__.py": "",
    "tests/test_orders.py": "from shop.orders import billing\nimport shop.api\n",
}
SETTINGS = Settings(ssot=(SsotRule(name="pay", forbid=("payments.stripe_client",), use="payments.gateway", scope=("shop",)),))


def chromium() -> str:
    """The Chromium binary; fails under CI when there is none, else skips with the reason."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "chromium is not installed (as root: apt-get update && apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        import websocket  # noqa: F401
    except ImportError:
        pytest.fail("websocket-client is missing: pip install '.[test]'")
    return path


class Browser:
    """One headless Chromium page driven over the DevTools Protocol."""

    def __init__(self, binary: str, profile: Path) -> None:
        import websocket

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"chromium did not start (exit status {self.process.returncode})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t["type"] == "page"]
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, path: Path) -> None:
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("document.body && document.body.getAttribute('data-ready') === 'true'")

    def wait_for(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}; errors: {self.errors()}")
            time.sleep(0.05)

    def type(self, selector: str, text: str) -> None:
        """Focus the element and type `text` one character at a time, as a person would."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        for character in text:
            self.send("Input.insertText", text=character)

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def wheel(self, x: float, y: float, delta: float) -> None:
        self.send("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=delta)

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        return path

    def errors(self) -> list[str]:
        """Uncaught exceptions and console errors seen so far."""
        found = []
        for event in self.events:
            if event["method"] == "Runtime.exceptionThrown":
                found.append(json.dumps(event["params"]["exceptionDetails"])[:500])
            elif event["method"] == "Runtime.consoleAPICalled" and event["params"]["type"] == "error":
                found.append(json.dumps(event["params"]["args"])[:500])
        return found

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def browser(tmp_path: Path):
    instance = Browser(chromium(), tmp_path / "chromium-profile")
    yield instance
    instance.close()


def _page(tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    root = write_tree(tmp_path / "repo", TREE)
    (root / "pyproject.toml").write_text(
        '[tool.remediator]\n[[tool.remediator.ssot]]\nname = "pay"\nforbid = ["payments.stripe_client"]\n'
        'use = "payments.gateway"\nscope = ["shop"]\n',
        encoding="utf-8",
    )
    page = tmp_path / "graph.html"
    completed = subprocess.run(
        [sys.executable, "-m", "remediator", "graph", str(root), "--output", str(page), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "wrote" in completed.stderr
    return root, page


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.e2e
def test_page_is_self_contained_and_carries_the_graph(tmp_path: Path) -> None:
    _root, page = _page(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link\b|@import|url\((?!#)", text), "the page must load nothing"
    assert "default-src 'none'" in text
    embedded = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', text, re.DOTALL)
    assert embedded is not None
    data = json.loads(embedded.group(1))
    graph = remediator.export_graph(tmp_path / "repo", settings=SETTINGS)
    assert data == json.loads(json.dumps(page_data(graph)))
    assert {n["id"] for n in data["nodes"]} == set(graph.nodes)
    names = [n["id"] for n in data["nodes"]]
    assert {(names[a], names[b]) for a, b, *_rest in data["edges"]} == set(graph.edges)


def test_script_breaking_text_in_the_data_is_escaped() -> None:
    import networkx as nx

    graph = nx.DiGraph(root="</script><script>alert(1)</script>")
    graph.add_node("a", path="a.py")
    text = render_html(graph)
    assert text.count("</script>") == 2  # the data block's and the code's own
    assert "alert(1)</script>" not in text


@pytest.mark.e2e
def test_page_draws_the_graph_and_search_lists_importers(tmp_path: Path, browser: Browser) -> None:
    _root, page = _page(tmp_path)
    graph = remediator.export_graph(tmp_path / "repo", settings=SETTINGS)
    browser.open(page)
    assert browser.errors() == []
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0

    # every module is drawn, as a visible box, each at its own place
    drawn = browser.evaluate(
        "[...document.querySelectorAll('#graph g.node')].map(g => { const r = g.querySelector('rect').getBoundingClientRect();"
        " return [g.querySelector('title').textContent.split('\\n')[0], g.getAttribute('class'), r.x, r.y, r.width, r.height]; })"
    )
    assert sorted(d[0] for d in drawn) == sorted(graph.nodes)
    assert all(width > 0 and height > 0 for *_rest, width, height in drawn)
    assert len({(round(x), round(y)) for _n, _c, x, y, _w, _h in drawn}) == len(drawn)
    classes = {name: set(cls.split()) for name, cls, *_rest in drawn}
    assert "broken" in classes["shop.billing"]
    assert "violation" in classes["shop.legacy"]
    assert {"cycle"} <= classes["shop.orders"] and "cycle" in classes["shop.billing"]
    assert "cycle" not in classes["shop.db"]
    assert "test" in classes["tests.test_orders"]
    assert browser.evaluate("document.querySelectorAll('#graph path.edge').length") == graph.number_of_edges()
    assert browser.evaluate("document.querySelectorAll('#graph path.edge.cycle').length") == 2
    assert browser.evaluate("document.querySelectorAll('#graph path.edge.tc').length") == 1  # shop.api -> shop.db
    assert browser.evaluate("document.querySelectorAll('#graph path.edge.fn').length") == 1  # shop.cli -> shop.api
    # importers left of what they import
    position = {name: x for name, _c, x, *_rest in drawn}
    assert position["shop.db"] < position["shop.models"] and position["tests.test_orders"] < position["shop.api"]

    # typing a module name selects it and lists its importers and its imports, with lines
    browser.type("#search", "shop.db")
    importers = browser.evaluate("[...document.querySelectorAll('#importers li')].map(li => li.dataset.module)")
    assert importers == sorted(graph.predecessors("shop.db")) == ["shop.api", "shop.orders"]
    imports = browser.evaluate("[...document.querySelectorAll('#imports li')].map(li => li.dataset.module)")
    assert imports == ["shop.models"]
    wheres = browser.evaluate("[...document.querySelectorAll('#importers li .where')].map(s => s.textContent)")
    assert wheres == ["shop/api.py:4 (TYPE_CHECKING)", "shop/orders.py:1"]
    assert browser.evaluate("document.getElementById('selected').textContent") == "shop.db"
    assert browser.evaluate("document.querySelector('#graph').classList.contains('dimmed')")
    highlighted = browser.evaluate(
        "[...document.querySelectorAll('#graph g.node.importer title')].map(t => t.textContent.split('\\n')[0]).sort()"
    )
    assert highlighted == ["shop.api", "shop.orders"]
    screenshot = browser.screenshot(tmp_path / "graph-search.png")
    print(f"screenshot: {screenshot}")
    assert _png_size(screenshot) == (WIDTH, HEIGHT)

    # a partial name lists the matches; clicking an importer in the panel selects it
    browser.evaluate("(() => { const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input')); })()")
    browser.type("#search", "shop.ord")
    assert browser.evaluate("[...document.querySelectorAll('#matches li')].map(li => li.dataset.module)") == ["shop.orders"]
    assert browser.evaluate("document.getElementById('selected').textContent") == "shop.orders"
    browser.click("#importers li[data-module='tests.test_orders']")
    assert browser.evaluate("document.getElementById('selected').textContent") == "tests.test_orders"
    assert browser.evaluate("document.getElementById('search').value") == "tests.test_orders"

    # the mouse wheel zooms
    before = browser.evaluate("document.getElementById('viewport').getAttribute('transform')")
    browser.wheel(400, 400, -300)
    after = browser.evaluate("document.getElementById('viewport').getAttribute('transform')")
    assert _scale(after) > _scale(before)
    assert browser.errors() == []


def _scale(transform: str) -> float:
    """The zoom factor of an SVG `transform` attribute."""
    found = re.search(r"scale\(([\d.]+)\)", transform)
    assert found is not None, transform
    return float(found.group(1))


@pytest.mark.e2e
def test_focused_page_selects_the_focus(tmp_path: Path, browser: Browser) -> None:
    _root, page = _page(tmp_path, "--focus", "shop.db", "--depth", "1")
    browser.open(page)
    names = browser.evaluate("[...document.querySelectorAll('#graph g.node title')].map(t => t.textContent.split('\\n')[0]).sort()")
    assert names == ["shop.api", "shop.db", "shop.models", "shop.orders"]
    assert browser.evaluate("document.getElementById('selected').textContent") == "shop.db"
    assert "focus shop.db" in browser.evaluate("document.getElementById('stats').textContent")
    screenshot = browser.screenshot(tmp_path / "graph-focus.png")
    print(f"screenshot: {screenshot}")


@pytest.mark.e2e
def test_three_thousand_modules_stay_usable(tmp_path: Path, browser: Browser) -> None:
    files: dict[str, str] = {}
    modules = [f"pkg{p}.mod{m}" for p in range(30) for m in range(100)]
    for p in range(30):
        files[f"pkg{p}/__init__.py"] = ""
    for i, name in enumerate(modules):
        targets = [modules[(i * 7 + k * 13) % i] for k in range(3)] if i else []
        files[name.replace(".", "/") + ".py"] = "".join(f"import {t}\n" for t in sorted(set(targets)))
    root = write_tree(tmp_path / "big", files)
    graph = remediator.export_graph(root, settings=Settings())
    assert graph.number_of_nodes() == 3030
    page = tmp_path / "big.html"
    page.write_text(render_html(graph), encoding="utf-8")
    started = time.monotonic()
    browser.open(page)
    elapsed = time.monotonic() - started
    stats = browser.evaluate("({nodes: document.querySelectorAll('#graph g.node').length, ready: window.remediatorGraph.readyMs})")
    assert stats["nodes"] == 3030
    assert elapsed < 20, f"loading took {elapsed:.1f} s"
    print(f"3030 modules, {graph.number_of_edges()} imports: layout and drawing {stats['ready']:.0f} ms, page ready in {elapsed:.1f} s")
    assert not browser.evaluate("document.getElementById('banner').hidden")
    browser.type("#search", "pkg29.mod99")
    expected = sorted(graph.predecessors("pkg29.mod99"))
    assert browser.evaluate("[...document.querySelectorAll('#importers li')].map(li => li.dataset.module)") == expected
    print(f"screenshot: {browser.screenshot(tmp_path / 'graph-big.png')}")
    assert browser.errors() == []
