"""Check remediator's syntax verdicts against every CPython installed here, on CPython's own standard library.

For each interpreter found (`python3.X` on PATH, or under pyenv), its standard
library is the corpus and the interpreter itself is the oracle:

* **false claims**: files that interpreter compiles, but that remediator says
  need a newer Python (`newer-syntax` would report them for a project whose
  oldest Python is that version) or calls a `syntax-error`;
* **recall**: files that interpreter compiles but the Python running this
  script refuses (syntax newer than the running Python): remediator must
  neither call them a `syntax-error` nor miss that they need a newer version;
  and files that interpreter refuses (the test data of its own test suite):
  remediator must report each as a `syntax-error`, or as needing a newer
  Python than that one.

Static: remediator parses the files; only the oracle interpreters compile them
(`compile()`, never run). Usage: `python bench/syntax_oracle.py [--versions 3.8,3.12]`.
Prints one line per version; exits 1 when there is a false claim.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from remediator.adapters.parser import parse_source
from remediator.adapters.source_reader import read_source

_ORACLE = (
    "import sys, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "for path in sys.stdin.read().split('\\0'):\n"
    "    try:\n"
    "        compile(open(path, 'rb').read(), path, 'exec')\n"
    "        print('ok')\n"
    "    except Exception:\n"
    "        print('no')\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", default="", help="comma-separated 3.X versions (default: every one found)")
    args = parser.parse_args()
    wanted = {int(v.split(".")[1]) for v in args.versions.split(",") if v}
    failed = False
    for minor, python in sorted(interpreters().items()):
        if wanted and minor not in wanted:
            continue
        stdlib = Path(
            subprocess.run(
                [python, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        files = [p for p in sorted(stdlib.rglob("*.py")) if "site-packages" not in p.parts]
        verdicts = subprocess.run([python, "-c", _ORACLE], input="\0".join(map(str, files)), capture_output=True, text=True).stdout.split()
        claims, newer, detected, errors, megabytes = [], 0, 0, [], 0.0
        refused, caught, missed = 0, 0, []
        started = time.perf_counter()
        for path, verdict in zip(files, verdicts):
            source = read_source(path)
            if not isinstance(source, bytes):
                refused += verdict != "ok"
                caught += verdict != "ok"  # undecodable: an unreadable-file finding
                continue
            if verdict != "ok":
                refused += 1
                facts = parse_source(source)
                if facts.problem is not None or (facts.syntax_need is not None and facts.syntax_need.minor > minor):
                    caught += 1
                else:
                    missed.append(f"{path}: refused by 3.{minor}, not reported")
                continue
            megabytes += len(source) / 1e6
            facts = parse_source(source)
            need = facts.syntax_need.minor if facts.syntax_need is not None else 0
            if facts.problem is not None:
                errors.append(f"{path}: {facts.problem.message} ({facts.problem.line})")
            if need > minor:
                claims.append(f"{path}: {facts.syntax_need}")
            if not _running_accepts(source):
                newer += 1
                detected += need > sys.version_info[1]
        elapsed = time.perf_counter() - started
        print(
            f"Python 3.{minor}: {len(files)} files ({megabytes:.1f} MB) | false newer-syntax claims {len(claims)}, "
            f"false syntax-errors {len(errors)} | newer than the running 3.{sys.version_info[1]}: {newer}, "
            f"of which detected {detected} | refused by 3.{minor}: {refused}, reported {caught} | {elapsed:.1f} s"
        )
        for line in (claims + errors + missed)[:10]:
            print("   ", line)
        failed |= bool(claims or errors)
    return 1 if failed else 0


def _running_accepts(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<oracle>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def interpreters() -> dict[int, str]:
    """minor version -> an interpreter of Python 3.minor found on this machine (tests/test_newer_syntax.py asks it too)."""
    found: dict[int, str] = {}
    for minor in range(7, 16):
        pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python")))
        for candidate in [shutil.which(f"python3.{minor}"), *pyenv]:
            if (
                candidate
                and subprocess.run(
                    [candidate, "-c", f"import sys; assert sys.version_info[:2] == (3, {minor})"], capture_output=True, check=False
                ).returncode
                == 0
            ):
                found[minor] = candidate
                break
    return found


if __name__ == "__main__":
    raise SystemExit(main())
