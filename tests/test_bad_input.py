"""Bad input: every malformed, hostile or odd file is scanned alongside healthy ones.

The scan must complete, give each bad file one clear finding naming it (and the
line where that makes sense), keep analysing the healthy files, and exit 1
because error findings exist. Nothing scanned is ever imported or executed.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import Settings
from tests.conftest import problems, scan_tree, write_tree

# Healthy files every case is scanned with. pkg/user.py has one broken import
# (line 2): if it is still reported, the healthy part of the project was analysed.
HEALTHY = {
    "pkg/__init__.py": "",
    "pkg/core.py": "VALUE = 1\n\ndef helper():\n    return VALUE\n",
    "pkg/user.py": "from pkg.core import VALUE, helper\nimport pkg.gone\n",
}
HEALTHY_FINDING = ("missing-module", "pkg/user.py", 2, "pkg.gone", None, False)

# Generous guard against a hang (never a performance assertion: the scans take well under a second).
HANG_GUARD_SECONDS = 120


def findings_of(result: remediator.ScanResult, path: str) -> list[tuple]:
    return [(f.rule, f.line, f.column, f.target, f.name) for f in result.findings if f.path == path]


def assert_healthy_part_analysed(result: remediator.ScanResult) -> None:
    assert HEALTHY_FINDING in problems(result)
    assert not [f for f in result.findings if f.path in ("pkg/__init__.py", "pkg/core.py")]
    assert {"pkg", "pkg.core", "pkg.user"} <= set(result.model.index.modules)
    assert result.exit_code == 1


def run_cli(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "remediator", "scan", str(root), "--format", "json", *extra]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=HANG_GUARD_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scan did not end within {HANG_GUARD_SECONDS} s: it hangs")


def parse_cli(completed: subprocess.CompletedProcess[str]) -> dict:
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode in (0, 1), (completed.returncode, completed.stderr[-2000:])
    return json.loads(completed.stdout)


# -- syntax and encoding ------------------------------------------------------


def test_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    bad = "x = 1\n\ndef broken(:\n    pass\n"
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/broken.py": bad})
    (finding,) = [f for f in result.findings if f.path == "pkg/broken.py"]
    assert (finding.rule, finding.line, finding.severity) == ("syntax-error", 3, "error")
    assert finding.importer == "pkg.broken"
    assert finding.message
    assert_healthy_part_analysed(result)


def test_undecodable_bytes_in_a_utf8_file(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/latin.py": b"x = 1\ny = '\xff'\nimport pkg.also_gone\n"})
    (finding,) = [f for f in result.findings if f.path == "pkg/latin.py"]
    assert (finding.rule, finding.line, finding.column) == ("unreadable-file", 2, 6)
    assert "decode" in finding.message and "0xff" in finding.message
    assert_healthy_part_analysed(result)


def test_nul_byte(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/nul.py": b"x = 1\ny = 2\x00\nimport pkg.also_gone\n"})
    (finding,) = [f for f in result.findings if f.path == "pkg/nul.py"]
    assert (finding.rule, finding.line) == ("unreadable-file", 2)
    assert "NUL" in finding.message
    assert_healthy_part_analysed(result)


def test_crlf_line_endings_keep_lines_right(tmp_path: Path) -> None:
    source = b"x = 1\r\n\r\nimport pkg.gone_a\r\nfrom pkg.core import (\r\n    VALUE,\r\n    Missing,\r\n)\r\nimport pkg.gone_b\r\n"
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/crlf.py": source})
    assert findings_of(result, "pkg/crlf.py") == [
        ("missing-module", 3, 1, "pkg.gone_a", None),
        ("missing-name", 4, 1, "pkg.core", "Missing"),
        ("missing-module", 8, 1, "pkg.gone_b", None),
    ]
    assert_healthy_part_analysed(result)


def test_lone_cr_line_endings_keep_lines_right(tmp_path: Path) -> None:
    # Python reads a lone CR as a line end (old Mac files): `import pkg.gone_cr` is on line 3.
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/cr.py": b"x = 1\ry = 2\rimport pkg.gone_cr\r"})
    assert findings_of(result, "pkg/cr.py") == [("missing-module", 3, 1, "pkg.gone_cr", None)]
    assert_healthy_part_analysed(result)


def test_utf8_bom_is_parsed_and_columns_ignore_it(tmp_path: Path) -> None:
    files = {
        **HEALTHY,
        "pkg/bom.py": "\ufeffSIGN = 'é'; import pkg.gone_bom\nDEFINED = 2\n".encode("utf-8"),
        "pkg/reader.py": "from pkg.bom import SIGN, DEFINED, NOPE\n",
    }
    result = scan_tree(tmp_path, files)
    # `SIGN = 'é'; ` is 12 characters: the BOM is not a column.
    assert findings_of(result, "pkg/bom.py") == [("missing-module", 1, 13, "pkg.gone_bom", None)]
    # The BOM file's names are known: only NOPE is missing.
    assert findings_of(result, "pkg/reader.py") == [("missing-name", 1, 1, "pkg.bom", "NOPE")]
    assert_healthy_part_analysed(result)


def test_latin1_coding_cookie(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\nname = 'été ü'; from pkg.gone_lat import thing\nCAFÉ = 1\n"
    files = {**HEALTHY, "pkg/lat.py": text.encode("latin-1"), "pkg/reader.py": "from pkg.lat import name, CAFÉ\n"}
    result = scan_tree(tmp_path, files)
    column = text.splitlines()[1].index("from") + 1  # characters, not bytes
    assert findings_of(result, "pkg/lat.py") == [("missing-module", 2, column, "pkg.gone_lat", "thing")]
    assert findings_of(result, "pkg/reader.py") == []  # decoded names are found
    assert_healthy_part_analysed(result)


def test_unknown_encoding_in_cookie(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {**HEALTHY, "pkg/klingon.py": b"# -*- coding: klingon -*-\nimport pkg.also_gone\n"})
    (finding,) = [f for f in result.findings if f.path == "pkg/klingon.py"]
    assert (finding.rule, finding.line) == ("unreadable-file", 1)
    assert "klingon" in finding.message
    assert_healthy_part_analysed(result)


# -- size and depth -------------------------------------------------------------


@pytest.mark.e2e
def test_five_megabyte_file_is_scanned(tmp_path: Path) -> None:
    lines = ["import os", ""]
    size = 0
    index = 0
    while size < 5 * 1024 * 1024:
        block = f"def function_{index}(a, b='{index}'):\n    return a + len(b) * {index}\n"
        lines.append(block)
        size += len(block) + 1
        index += 1
    lines.append("from pkg.core import VALUE")
    lines.append("from pkg.gone_big import tail")
    source = "\n".join(lines) + "\n"
    expected_line = source.count("\n")  # the last line
    files = {**HEALTHY, "pkg/big.py": source.encode("utf-8"), "pkg/reader.py": f"from pkg.big import function_{index - 1}, nope\n"}
    result = scan_tree(tmp_path, files)
    assert (tmp_path / "pkg/big.py").stat().st_size >= 5 * 1024 * 1024
    assert findings_of(result, "pkg/big.py") == [("missing-module", expected_line, 1, "pkg.gone_big", "tail")]
    assert findings_of(result, "pkg/reader.py") == [("missing-name", 1, 1, "pkg.big", "nope")]
    assert_healthy_part_analysed(result)


DEEP = {
    "parens_100": "x = " + "(" * 100 + "1" + ")" * 100 + "\n",
    "lists_100": "x = " + "[" * 100 + "1" + "]" * 100 + "\n",
    "calls_100": "x = f" + "(" * 100 + ")" * 100 + "\n",
    "chain_1000": "x = " + " + ".join(["1"] * 1000) + "\n",
    "attrs_1000": "x = a" + ".b" * 1000 + "\n",
    "nots_1000": "x = " + "not " * 1000 + "True\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deeply_nested_expressions(tmp_path: Path, name: str) -> None:
    source = DEEP[name] + "import pkg.gone_deep\n"
    result = scan_tree(tmp_path, {**HEALTHY, f"pkg/{name}.py": source})
    found = findings_of(result, f"pkg/{name}.py")
    # Either parsed fine (the import after it is found) or one clear finding for the file.
    parsed = [("missing-module", 2, 1, "pkg.gone_deep", None)]
    assert found == parsed or (len(found) == 1 and found[0][0] in ("syntax-error", "unreadable-file")), found
    assert_healthy_part_analysed(result)


# Nesting far past what CPython accepts, in files the tolerant parser rejects, so
# that the syntax error must be confirmed. Run in a subprocess: a crash of the
# interpreter (stack overflow in a native parser) or a hang must show as a failed test.
PATHOLOGICAL = {
    "unclosed_parens": "x = " + "(" * 3000 + "\n",
    "nested_parens_then_error": "x = " + "(" * 3000 + "1" + ")" * 3000 + "\ndef broken(:\n",
    "unclosed_lists": "x = " + "[" * 3000 + "\n",
    # A long left-nested chain (140 KB) that ends in a syntax error: confirming the
    # error must not take super-linear time (it would take hours, i.e. hang).
    "attribute_chain_then_error": "x = a" + ".b" * 20000 + " +\n",
}


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_nesting_does_not_crash(tmp_path: Path, name: str) -> None:
    write_tree(tmp_path, {**HEALTHY, f"pkg/{name}.py": PATHOLOGICAL[name]})
    completed = run_cli(tmp_path, "--no-git")
    assert completed.returncode == 1, f"exit {completed.returncode}; stderr: {completed.stderr[-2000:]}"
    report = parse_cli(completed)
    mine = [f for f in report["findings"] if f["path"] == f"pkg/{name}.py"]
    assert [f["rule"] for f in mine] == ["syntax-error"]
    assert any(f["path"] == "pkg/user.py" and f["target"] == "pkg.gone" for f in report["findings"])


# -- links, special files, permissions -------------------------------------------


def test_file_symlink_loop(tmp_path: Path) -> None:
    write_tree(tmp_path, HEALTHY)
    (tmp_path / "pkg/a.py").symlink_to("a.py")
    (tmp_path / "pkg/b.py").symlink_to("c.py")
    (tmp_path / "pkg/c.py").symlink_to("b.py")
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    for path in ("pkg/a.py", "pkg/b.py", "pkg/c.py"):
        (finding,) = [f for f in result.findings if f.path == path]
        assert (finding.rule, finding.line) == ("unreadable-file", 1)
        assert "symlink loop" in finding.message
    assert_healthy_part_analysed(result)


def test_dangling_symlink(tmp_path: Path) -> None:
    write_tree(tmp_path, HEALTHY)
    (tmp_path / "pkg/dangling.py").symlink_to("nowhere.py")
    result = scan_tree(tmp_path, {})
    (finding,) = [f for f in result.findings if f.path == "pkg/dangling.py"]
    assert finding.rule == "unreadable-file"
    assert_healthy_part_analysed(result)


def test_directory_symlink_to_its_parent_terminates(tmp_path: Path) -> None:
    files = {**HEALTHY, "pkg/sub/__init__.py": "", "pkg/sub/leaf.py": "import pkg.sub.gone_leaf\n"}
    write_tree(tmp_path, files)
    (tmp_path / "pkg/sub/up").symlink_to("..", target_is_directory=True)
    (tmp_path / "pkg/sub/self").symlink_to(".", target_is_directory=True)
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    # Each real file is analysed once, under its real path.
    assert findings_of(result, "pkg/sub/leaf.py") == [("missing-module", 1, 1, "pkg.sub.gone_leaf", None)]
    assert [f.path for f in result.findings if f.rule != "import-cycle"] == ["pkg/sub/leaf.py", "pkg/user.py"]
    assert_healthy_part_analysed(result)


def test_directory_symlink_sorting_before_its_target_does_not_hide_the_real_package(tmp_path: Path) -> None:
    # `pkg/alias -> sub` is listed before `pkg/sub`: the real package must still be indexed.
    files = {
        **HEALTHY,
        "pkg/sub/__init__.py": "",
        "pkg/sub/leaf.py": "LEAF = 1\n",
        "pkg/reader.py": "import pkg.sub.leaf\nfrom pkg.sub.leaf import LEAF\n",
    }
    write_tree(tmp_path, files)
    (tmp_path / "pkg/alias").symlink_to("sub", target_is_directory=True)
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    assert "pkg.sub.leaf" in result.model.index.modules
    assert findings_of(result, "pkg/reader.py") == []
    assert_healthy_part_analysed(result)


def test_directory_symlink_to_the_root_does_not_scan_the_root_twice(tmp_path: Path) -> None:
    files = {**HEALTHY, "tool.py": "import pkg.gone_tool\n"}
    write_tree(tmp_path, files)
    (tmp_path / "pkg/up").symlink_to("..", target_is_directory=True)
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    assert findings_of(result, "tool.py") == [("missing-module", 1, 1, "pkg.gone_tool", None)]
    real_files = [os.path.realpath(tmp_path / f.path) for f in result.findings if f.rule != "import-cycle"]
    assert len(real_files) == len(set(real_files)), [f.path for f in result.findings]
    assert_healthy_part_analysed(result)


@pytest.mark.e2e
def test_fifo_is_not_read(tmp_path: Path) -> None:
    write_tree(tmp_path, HEALTHY)
    os.mkfifo(tmp_path / "pkg/x.py")
    os.mkfifo(tmp_path / "loose.py")
    # In a subprocess with a guard: reading a FIFO with no writer would block forever.
    report = parse_cli(run_cli(tmp_path, "--no-git"))
    by_path = {f["path"]: f for f in report["findings"]}
    for path in ("pkg/x.py", "loose.py"):
        assert by_path[path]["rule"] == "unreadable-file"
        assert "not a regular file" in by_path[path]["message"]
    assert by_path["pkg/user.py"]["target"] == "pkg.gone"
    assert stat.S_ISFIFO(os.stat(tmp_path / "pkg/x.py").st_mode)


# Drops to an unprivileged user after the interpreter and remediator are loaded
# (the interpreter may live under a root-only directory such as /root/.pyenv),
# then runs the CLI: every read of the scanned tree is done without root's rights.
_UNPRIVILEGED_SCAN = r"""
import os, sys
import json, libcst
import remediator.api, remediator.cli, remediator.reports.json_report, remediator.reports.text_report
# what a scan imports on first use (the interpreter may not be readable once privileges are dropped)
import grimp, remediator.analysis.graph, remediator.application.incremental
import remediator.application.blast_radius, remediator.application.suggestions, remediator.adapters.parallel
from remediator.adapters import parser
parser._parser(); parser._queries()
try:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
except OSError as error:
    print(f"cannot drop privileges: {error}", file=sys.stderr)
    sys.exit(99)
# the tree is not writable by that user: no parse cache (it is tested on its own)
sys.argv = ["remediator", "scan", sys.argv[1], "--format", "json", "--no-git", "--no-cache"]
remediator.cli.main()
"""


def _world_traversable(path: Path) -> bool:
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


@pytest.mark.e2e
def test_unreadable_file_and_directory() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)
        files = {**HEALTHY, "pkg/secret.py": "import pkg.hidden_gone\n", "pkg/closed/__init__.py": "", "pkg/closed/m.py": "x = 1\n"}
        write_tree(root, files)
        for directory in (root / "pkg", root / "pkg/closed"):
            os.chmod(directory, 0o755)
        for path in root.rglob("*.py"):
            os.chmod(path, 0o644)
        os.chmod(root / "pkg/secret.py", 0o000)
        os.chmod(root / "pkg/closed", 0o000)
        try:
            if os.geteuid() != 0:
                report = parse_cli(run_cli(root, "--no-git"))
            else:
                if not _world_traversable(root):
                    pytest.skip(f"{root} is not reachable by an unprivileged user")
                completed = subprocess.run(
                    [sys.executable, "-c", _UNPRIVILEGED_SCAN, str(root)],
                    capture_output=True,
                    text=True,
                    timeout=HANG_GUARD_SECONDS,
                )
                if completed.returncode == 99:
                    pytest.skip(completed.stderr.strip())
                report = parse_cli(completed)
                assert completed.returncode == 1
        finally:
            os.chmod(root / "pkg/closed", 0o755)
            os.chmod(root / "pkg/secret.py", 0o644)
    by_path = {f["path"]: f for f in report["findings"]}
    assert by_path["pkg/secret.py"]["rule"] == "unreadable-file"
    assert "Permission denied" in by_path["pkg/secret.py"]["message"]
    assert by_path["pkg/closed"]["rule"] == "unreadable-file"
    assert "Permission denied" in by_path["pkg/closed"]["message"]
    assert by_path["pkg/user.py"]["target"] == "pkg.gone"
    assert not any(f["target"] == "pkg.hidden_gone" for f in report["findings"])
    assert report["summary"]["errors"] == 3


# -- nothing is executed -----------------------------------------------------------


def _side_effect_tree(marker: Path) -> dict[str, str]:
    return {
        **HEALTHY,
        "conftest.py": f"open({str(marker)!r}, 'w').write('conftest ran')\nimport pkg.gone_conftest\n",
        "setup.py": f"open({str(marker)!r}, 'w').write('setup ran')\nimport sys\nsys.exit(5)\n",
        "pkg/writes.py": f"open({str(marker)!r}, 'w').write('imported')\nimport pkg.gone_writes\n",
        "pkg/exits.py": "import sys\nsys.exit(3)\nfrom pkg.gone_exits import x\n",
        "pkg/hard_exit.py": "import os\nos._exit(4)\nimport pkg.gone_hard\n",
        "pkg/raises.py": "raise SystemExit(6)\nfrom pkg.core import Gone\n",
        "pkg/__main__.py": f"open({str(marker)!r}, 'w').write('main ran')\nimport pkg.gone_main\n",
        "pkg/sub/__init__.py": f"import os\nos.remove({str(marker)!r})\nimport pkg.gone_sub\n",
    }


SIDE_EFFECT_FINDINGS = [
    ("missing-module", "conftest.py", 2, "pkg.gone_conftest", None, False),
    ("missing-module", "pkg/__main__.py", 2, "pkg.gone_main", None, False),
    ("missing-module", "pkg/exits.py", 3, "pkg.gone_exits", "x", False),
    ("missing-module", "pkg/hard_exit.py", 3, "pkg.gone_hard", None, False),
    ("missing-name", "pkg/raises.py", 2, "pkg.core", "Gone", False),
    ("missing-module", "pkg/sub/__init__.py", 3, "pkg.gone_sub", None, False),
    HEALTHY_FINDING,
    ("missing-module", "pkg/writes.py", 2, "pkg.gone_writes", None, False),
]


def test_modules_with_import_side_effects_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    root = tmp_path / "repo"
    # In-process: an executed sys.exit would raise SystemExit here, an os._exit would end pytest.
    result = scan_tree(root, _side_effect_tree(marker))
    assert not marker.exists()
    assert sorted(problems(result, "missing-module", "missing-name")) == sorted(SIDE_EFFECT_FINDINGS)
    assert result.exit_code == 1


@pytest.mark.e2e
def test_cli_does_not_execute_scanned_modules(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    root = tmp_path / "repo"
    write_tree(root, _side_effect_tree(marker))
    marker.write_text("must survive")  # pkg/sub/__init__.py would delete it
    completed = run_cli(root)
    assert completed.returncode == 1, completed.stderr[-2000:]
    report = parse_cli(completed)
    assert marker.read_text() == "must survive"
    found = sorted(
        (f["rule"], f["path"], f["line"], f["target"], f["name"], f["guarded"])
        for f in report["findings"]
        if f["rule"] in ("missing-module", "missing-name")
    )
    assert found == sorted(SIDE_EFFECT_FINDINGS)


# -- everything at once, through the CLI ---------------------------------------------


@pytest.mark.e2e
def test_cli_over_a_tree_with_every_bad_input(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        **HEALTHY,
        "pkg/broken.py": "x = 1\n\ndef broken(:\n    pass\n",
        "pkg/undecodable.py": b"x = 1\ny = '\xff'\n",
        "pkg/nul.py": b"x = 1\ny = 2\x00\n",
        "pkg/crlf.py": b"x = 1\r\n\r\nimport pkg.gone_crlf\r\n",
        "pkg/bom.py": "\ufeffSIGN = 'é'; import pkg.gone_bom\n".encode("utf-8"),
        "pkg/lat.py": "# -*- coding: latin-1 -*-\nname = 'été'; from pkg.gone_lat import thing\n".encode("latin-1"),
        "pkg/klingon.py": b"# coding: klingon\nx = 1\n",
        "pkg/parens.py": "x = " + "(" * 100 + "1" + ")" * 100 + "\nimport pkg.gone_parens\n",
        "pkg/chain.py": "x = " + " + ".join(["1"] * 1000) + "\nimport pkg.gone_chain\n",
        "pkg/sub/__init__.py": "",
    }
    write_tree(tmp_path, files)
    (tmp_path / "pkg/loop.py").symlink_to("loop.py")
    (tmp_path / "pkg/sub/up").symlink_to("..", target_is_directory=True)
    os.mkfifo(tmp_path / "pkg/fifo.py")
    completed = run_cli(tmp_path)
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    report = json.loads(completed.stdout)
    found = {(f["rule"], f["path"], f["line"]) for f in report["findings"]}
    assert found == {
        ("syntax-error", "pkg/broken.py", 3),
        ("unreadable-file", "pkg/undecodable.py", 2),
        ("unreadable-file", "pkg/nul.py", 2),
        ("missing-module", "pkg/crlf.py", 3),
        ("missing-module", "pkg/bom.py", 1),
        ("missing-module", "pkg/lat.py", 2),
        ("unreadable-file", "pkg/klingon.py", 1),
        ("missing-module", "pkg/parens.py", 2),
        ("missing-module", "pkg/chain.py", 2),
        ("unreadable-file", "pkg/loop.py", 1),
        ("unreadable-file", "pkg/fifo.py", 1),
        ("missing-module", "pkg/user.py", 2),
    }
    assert report["summary"]["errors"] == len(found)


@pytest.mark.parametrize(
    "cookie, python_accepts",
    [
        ("latin-1", False),
        ("utf8", False),  # CPython takes only `utf-8` (any case, `_`) beside a BOM, not `utf8`
        ("utf-8", True),
        ("UTF_8", True),
        ("utf-8-sig", True),
    ],
)
def test_bom_with_a_coding_cookie(tmp_path: Path, cookie: str, python_accepts: bool) -> None:
    source = b"\xef\xbb\xbf# -*- coding: " + cookie.encode() + b" -*-\nimport pkg.gone_bom\n"
    write_tree(tmp_path, {**HEALTHY, "pkg/bom_cookie.py": source})
    oracle = subprocess.run([sys.executable, "-c", "import pkg.bom_cookie"], cwd=tmp_path, capture_output=True, text=True)
    assert ("SyntaxError" not in oracle.stderr) == python_accepts, oracle.stderr
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    (finding,) = [f for f in result.findings if f.path == "pkg/bom_cookie.py"]
    if python_accepts:
        assert (finding.rule, finding.target) == ("missing-module", "pkg.gone_bom")
    else:
        assert finding.rule == "unreadable-file" and "BOM" in finding.message


@pytest.mark.e2e
def test_fifo_pyproject_is_a_configuration_error_not_a_hang(tmp_path: Path) -> None:
    write_tree(tmp_path, HEALTHY)
    os.mkfifo(tmp_path / "pyproject.toml")
    completed = subprocess.run(
        [sys.executable, "-m", "remediator", "scan", str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 2 and "not a regular file" in completed.stderr
