"""Suggestions for missing modules and names, most reliable first: move, restore, backup, candidate.

A `move` is what `fix --suggested` applies blindly, so it is given only when it is
unambiguous (see docs/fix.md, "What makes a suggestion unambiguous"): git
followed the module's file to its new home (a rename), or exactly one live module
defines the names, not as a stub, its definitions fit every use the importers make
of them (awaited, called, subclassed...), and git history, where it knows how the
module or name left, corroborates it. Any other new home is a `candidate`, with
its evidence, and is never applied.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath

from remediator.domain.layout import STUB_FILE, is_test_file
from remediator.adapters.git_history import GitHistory, Removal
from remediator.adapters.use_sites import uses_of_imports
from remediator.application.project_analysis import ProjectAnalysis
from remediator.domain.facts import Definition
from remediator.domain.findings import MISSING_MODULE, MISSING_NAME, Finding, Suggestion
from remediator.domain.name_uses import NameUse, describe, misfit

SERIES_DAYS = 14  # a new home gained the names within this many days of their removal: the same piece of work
_SHOWN_CANDIDATES = 5


def add_suggestions(
    analysis: ProjectAnalysis,
    findings: list[Finding],
    *,
    context: Sequence[Finding] | None = None,
    use_git: bool = True,
) -> list[Finding]:
    """Return `findings` with `suggestion` (and `alternatives`) filled in where one is found.

    `context` is every finding of the project (default: `findings`): which names
    are missing, and from where, and how the importers use them, shape the
    suggestions, so a subset of the findings gets the same suggestions as the
    whole scan would give it.
    """
    broken = [f for f in findings if _is_broken(f)]
    if not broken:
        return findings
    everything = broken if context is None else [f for f in context if _is_broken(f)]
    return _Suggester(analysis, everything, GitHistory.open(analysis.root) if use_git else None).suggest(findings, broken)


@dataclasses.dataclass
class _Question:
    """Where might what left `gone` live now: the candidates (fit for the importers' place), with the evidence."""

    target: str  # the missing module, or the module the name is missing from
    candidates: list[str]
    names: tuple[str, ...]  # the names the importers take from what left (empty: the module itself)
    gone: str  # what left, for people: "app/gone.py", "helper from app/mod.py"
    event: Removal | None  # how git saw it leave; None when history is silent
    renamed: str | None = None  # the live module git followed the file to
    same_leaf: bool = False  # candidates found by their last name only
    verb: str = "deleted"  # how it left: "deleted", "renamed" (a module's file), "removed" (a name from a file)
    settled: bool = False  # the answer is a move git history backs: nothing to restore
    misplaced: tuple[str, ...] = ()  # candidates in test code or a loose folder, for production importers


class _Suggester:
    def __init__(self, analysis: ProjectAnalysis, everything: list[Finding], history: GitHistory | None) -> None:
        self.analysis = analysis
        self.everything = everything
        self.history = history
        self.definers = _definers(analysis, everything)
        self.places = _Places(analysis)
        self.leaves = _Leaves(analysis)
        self.uses = _Uses(analysis, everything)
        self._definitions: dict[str, dict[str, Definition]] = {}
        self._files: dict[str, list[str]] | None = None

    def suggest(self, findings: list[Finding], broken: list[Finding]) -> list[Finding]:
        analysis = self.analysis
        missing_modules = sorted({m for f in broken if (m := _missing_module_of(analysis, f))})
        by_target_findings: dict[str, list[Finding]] = defaultdict(list)
        names_by_target: dict[str, set[str]] = defaultdict(set)
        for finding in self.everything:
            if finding.rule == MISSING_MODULE:
                by_target_findings[finding.target or ""].append(finding)
                if finding.name and finding.name != "*":
                    names_by_target[finding.target or ""].add(finding.name)
        src_layout = any(row.relpath.startswith("src/") for row in analysis.layout.files)
        expected = {target: _expected_paths(target, src_layout) for target in missing_modules}
        removals = self.history.removals(sorted({p for paths in expected.values() for p in paths})) if self.history else {}
        # the questions: where each missing module went, and where each missing name went
        questions: dict[tuple[str, str | None, bool], _Question] = {}
        restores: dict[str, Suggestion] = {}
        for target in missing_modules:
            removal = next(((path, removals[path]) for path in expected[target] if path in removals), None)
            renamed = self._live_module(removal[1].renamed_to) if removal and removal[1].renamed_to else None
            if removal is not None and renamed is None:
                restores[target] = _restore(target, *removal)
            group = by_target_findings.get(target, [])
            production = any(not self.places.is_test(f.path) for f in group)
            questions[(target, None, production)] = self._module_question(
                target,
                sorted(names_by_target.get(target, set())),
                removal,
                renamed,
                self.places.fits(production),
            )
        broken_ids = {id(f) for f in broken}
        for finding in findings:  # a name's own new home: missing names, and names of a module that has no move
            if id(finding) not in broken_ids or not finding.name or finding.name == "*":
                continue
            production = not self.places.is_test(finding.path)
            key = (finding.target or "", finding.name, production)
            if key not in questions:
                questions[key] = self._name_question(finding, production, removals, expected)
        name_events = self._name_removals([q for (_t, name, _p), q in questions.items() if name and q.event is None and q.candidates])
        for (target, name, _production), question in questions.items():
            if name and question.event is None and name_events.get((target, name)) is not None:
                question.event, question.gone = name_events[(target, name)]
        added = self._definitions_added(list(questions.values()))
        answers = {key: self._answer(question, added) for key, question in questions.items()}
        for (target, name, _production), question in questions.items():
            if name is None and question.settled:
                restores.pop(target, None)  # its code lives on where git saw it go: restoring would make a second copy
        copies = _BackupIndex(analysis.layout.backups)
        backups = {target: backup for target in missing_modules if (backup := _backup_for(analysis, copies, target, expected[target]))}
        result = []
        for finding in findings:
            options: list[Suggestion] = []
            if id(finding) in broken_ids:
                options = self._options(finding, answers, restores, backups)
            if options:
                finding = dataclasses.replace(finding, suggestion=options[0], alternatives=tuple(options[1:]))
            result.append(finding)
        return result

    # -- the questions -----------------------------------------------------------

    def _module_question(
        self,
        target: str,
        names: list[str],
        removal: tuple[str, Removal] | None,
        renamed: str | None,
        fits: Callable[[str], bool],
    ) -> _Question:
        gone, event = removal if removal is not None else (target, None)
        if renamed is not None:
            misplaced = () if fits(renamed) else (renamed,)
            return _Question(target, [renamed], tuple(names), gone, event, renamed=renamed, verb="renamed", misplaced=misplaced)
        if names:
            candidates: set[str] | None = None
            for name in names:
                modules = self.definers.get(name, set()) - {target}
                candidates = modules if candidates is None else candidates & modules
            return _Question(target, sorted(m for m in candidates or () if fits(m)), tuple(names), gone, event)
        leaf = target.rsplit(".", 1)[-1]
        same_leaf = sorted(m for m in self.leaves.named(leaf) if m != target and fits(m))
        return _Question(target, same_leaf, (), gone, event, same_leaf=True)

    def _name_question(
        self,
        finding: Finding,
        production: bool,
        removals: dict[str, Removal],
        expected: dict[str, list[str]],
    ) -> _Question:
        name, target = finding.name or "", finding.target or ""
        fits = self.places.fits(production)
        candidates = sorted(m for m in self.definers.get(name, set()) - {target} if fits(m))
        if finding.rule == MISSING_MODULE:  # the module's removal is the name's
            removal = next(((p, removals[p]) for p in expected.get(target, []) if p in removals), None)
            gone, event = removal if removal is not None else (target, None)
            return _Question(target, candidates, (name,), gone, event)
        return _Question(
            target, candidates, (name,), f"{name} from {target}", None, verb="removed"
        )  # its removal: looked up with the others

    def _name_removals(self, questions: list[_Question]) -> dict[tuple[str, str], tuple[Removal, str]]:
        """(module, name) -> the commit that removed the name's definition from the module's file, and what left."""
        if self.history is None or not questions:
            return {}
        wanted: dict[str, set[str]] = defaultdict(set)
        owners: dict[str, str] = {}
        for question in questions:
            for relpath in self._files_of(question.target):
                wanted[relpath].add(question.names[0])
                owners[relpath] = question.target
        found = {}
        for (relpath, name), removal in self.history.name_removals(wanted).items():
            found[(owners[relpath], name)] = (removal, f"{name} from {relpath}")
        return found

    def _definitions_added(self, questions: list[_Question]) -> dict[tuple[str, str], list[tuple[str, int]]]:
        """(file, name) -> commits within the series window of some removal that added the name's definition there."""
        if self.history is None:
            return {}
        wanted: dict[str, set[str]] = defaultdict(set)
        times = []
        for question in questions:
            if question.event is None or not question.names or question.renamed:
                continue
            for module in question.candidates:
                files = self._files_of(module)
                if any(path in question.event.changed for path in files):
                    continue  # the removing commit itself changed it: no need to look further
                for path in files:
                    wanted[path].update(question.names)
                times.append(question.event.time)
        if not wanted:
            return {}
        window = SERIES_DAYS * 86400
        return self.history.definitions_added(wanted, min(times) - window, max(times) + window)

    # -- the answers -------------------------------------------------------------

    def _answer(self, question: _Question, added: dict[tuple[str, str], list[tuple[str, int]]]) -> list[Suggestion]:
        """[move] when the question has one unambiguous answer, else the candidates, best first."""
        judged = []
        for module in question.candidates:
            misfits, shapes = self._fit(module, question)
            corroborated, history = self._corroboration(module, question, added)
            rank = (bool(misfits), {True: 0, None: 1, False: 2}[corroborated], module)
            judged.append((rank, module, misfits, shapes, history, corroborated))
        if not judged:
            return []
        judged.sort(key=lambda item: item[0])
        uses = sum(len(self.uses.of(question.target, name)) for name in question.names)
        suggestions = []
        for _rank, module, misfits, shapes, history, corroborated in judged[:_SHOWN_CANDIDATES]:
            evidence = [f"one of {len(judged)} possible new homes"] if len(judged) > 1 else []
            evidence += shapes
            evidence += [f"does not fit: {reason}" for reason in misfits[:3]] or (
                [f"fits the {uses} use{'s' * (uses != 1)} seen"] if uses else []
            )
            evidence.append(history)
            if len(judged) == 1 and not misfits and corroborated is not False:
                question.settled = corroborated is True
                suggestions.append(
                    Suggestion(
                        "move",
                        module,
                        self._detail(question, module, "move"),
                        evidence="; ".join(evidence),
                        commit=question.event.commit if question.renamed and question.event else None,
                    )
                )
            else:
                suggestions.append(
                    Suggestion("candidate", module, self._detail(question, module, "candidate"), evidence="; ".join(evidence))
                )
        return suggestions

    def _detail(self, question: _Question, module: str, kind: str) -> str:
        if question.renamed and question.event is not None:
            path = question.event.renamed_to
            return f"{question.gone} was renamed to {path} in commit {question.event.commit[:12]}: it is now module {module}"
        if question.same_leaf:
            leaf = module.rsplit(".", 1)[-1]
            return f"a module named {leaf} {'now lives' if kind == 'move' else 'lives'} at {module}"
        listed = ", ".join(question.names)
        verb = "is" if len(question.names) == 1 else "are"
        return f"{listed} {verb} now defined in {module}" if kind == "move" else f"{listed} {verb} defined in {module}"

    def _fit(self, module: str, question: _Question) -> tuple[list[str], list[str]]:
        """Why the module's definitions do not fit the importers' uses of the names, and what the definitions are."""
        definitions = self._definitions_of(module)
        misfits, shapes = [], []
        if module in question.misplaced:
            misfits.append(f"{module} is test code or a loose script, and production code imports it")
        for name in question.names:
            definition = definitions.get(name)
            shapes.append(describe(definition) if definition else f"{name}: {describe(None)}")
            for use in self.uses.of(question.target, name):
                reason = misfit(definition, use)
                if reason is not None:
                    misfits.append(reason)
        return misfits, shapes

    def _corroboration(
        self,
        module: str,
        question: _Question,
        added: dict[tuple[str, str], list[tuple[str, int]]],
    ) -> tuple[bool | None, str]:
        """True / False when git history backs the module as the new home or not; None when it is silent.

        Backed: git followed the file there (a rename); or the commit that removed what
        is missing added or changed the module's file; or a commit within SERIES_DAYS
        of it (before or after) added a top-level definition of every name there.
        """
        event = question.event
        if event is None:
            return None, "no git history to check" if self.history is None else "git history does not show it leaving"
        files = self._files_of(module)
        removed = f"commit {event.commit[:12]}, which {question.verb} {question.gone}"
        if question.renamed == module:
            return True, f"git followed the file to {event.renamed_to} in {removed}"
        changed = [path for path in files if path in event.changed]
        if changed:
            return True, f"{changed[0]} was added or changed in {removed}"
        if question.names:
            window = SERIES_DAYS * 86400
            found: list[tuple[str, int]] = []
            for name in question.names:
                commits = [(c, t) for path in files for c, t in added.get((path, name), []) if abs(t - event.time) <= window]
                if not commits:
                    break
                found.append(min(commits, key=lambda commit: abs(commit[1] - event.time)))
            else:
                commit, when = found[0]
                days = round(abs(when - event.time) / 86400)
                return (
                    True,
                    f"{module} gained {'it' if len(question.names) == 1 else 'them'} in commit {commit[:12]}, {days} day{'s' * (days != 1)} from {removed}",
                )
        return (
            False,
            f"{' and '.join(files) or module} did not gain {'it' if len(question.names) <= 1 else 'them'} within {SERIES_DAYS} days of {removed}",
        )

    # -- per finding -------------------------------------------------------------

    def _options(
        self,
        finding: Finding,
        answers: dict[tuple[str, str | None, bool], list[Suggestion]],
        restores: dict[str, Suggestion],
        backups: dict[str, Suggestion],
    ) -> list[Suggestion]:
        production = not self.places.is_test(finding.path)
        target = finding.target or ""
        homes: list[Suggestion] = []
        fallbacks: list[Suggestion] = []
        if finding.rule == MISSING_MODULE:
            module_group = self._module_answer(answers, target)
            homes = list(module_group)
            if finding.name and finding.name != "*" and not any(s.kind == "move" for s in homes):
                own = answers.get((target, finding.name, production), [])
                if any(s.kind == "move" for s in own):
                    homes = own + [s for s in homes if s.target not in {o.target for o in own}]
                else:
                    homes += [s for s in own if s.target not in {h.target for h in homes}]
            fallbacks = [s for s in (restores.get(target), backups.get(target)) if s is not None]
        else:
            homes = list(answers.get((target, finding.name, production), []))
            submodule = _missing_module_of(self.analysis, finding)
            if submodule:  # `from pkg import gone` where pkg/gone.py was deleted
                fallbacks = [s for s in (restores.get(submodule), backups.get(submodule)) if s is not None]
        moves = [s for s in homes if s.kind == "move"]
        candidates = [s for s in homes if s.kind != "move"]
        return moves + fallbacks + candidates

    def _module_answer(self, answers: dict[tuple[str, str | None, bool], list[Suggestion]], target: str) -> list[Suggestion]:
        for production in (True, False):
            if (target, None, production) in answers:
                return answers[(target, None, production)]
        return []

    # -- lookups -----------------------------------------------------------------

    def _live_module(self, relpath: str) -> str | None:
        """The project module whose file is `relpath`, if any."""
        for row in self.analysis.layout.files:
            if row.relpath == relpath and not row.flags & STUB_FILE:
                return row.module
        return None

    def _files_of(self, module: str) -> list[str]:
        if self._files is None:
            self._files = defaultdict(list)
            for row in self.analysis.layout.files:
                if not row.flags & STUB_FILE:
                    self._files[row.module].append(row.relpath)
        return self._files.get(module, [])

    def _definitions_of(self, module: str) -> dict[str, Definition]:
        if module not in self._definitions:
            self._definitions[module] = self.analysis.definitions(module)
        return self._definitions[module]


def _is_broken(finding: Finding) -> bool:
    return finding.rule in (MISSING_MODULE, MISSING_NAME) and not (finding.target or ".").startswith(".")


def _missing_module_of(analysis: ProjectAnalysis, finding: Finding) -> str | None:
    """The module whose absence causes the finding: the target, or `pkg.name` for a package."""
    if finding.rule == MISSING_MODULE:
        return finding.target
    if finding.target and finding.name and analysis.index.is_package(finding.target):
        return f"{finding.target}.{finding.name}"
    return None


def _definers(analysis: ProjectAnalysis, broken: list[Finding]) -> dict[str, set[str]]:
    """name -> modules that define it themselves (def, class, assignment), not as a stub.

    A module that itself imports the name from the broken place is not its new
    home: its definition is a fallback (`except ImportError: def name(...)`).
    """
    names = {f.name for f in broken if f.name and f.name != "*"}
    found: dict[str, set[str]] = defaultdict(set)
    if not names:
        return found
    for name, modules in analysis.definers(names).items():
        found[name] |= modules
    for finding in broken:
        if finding.name in found and finding.importer:
            found[finding.name].discard(finding.importer)
    return found


class _Uses:
    """How the importers use each missing name (their files parsed with `ast` on first use, each once)."""

    def __init__(self, analysis: ProjectAnalysis, findings: list[Finding]) -> None:
        self._analysis = analysis
        self._wanted: dict[str, set[tuple[int, str]]] = defaultdict(set)  # path -> (line, name)
        self._keys: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)  # (target, name) -> (path, line)
        for finding in findings:
            if finding.reference == "import" and finding.name and finding.name != "*" and finding.target:
                self._wanted[finding.path].add((finding.line, finding.name))
                self._keys[(finding.target, finding.name)].append((finding.path, finding.line))
        self._found: dict[str, dict[tuple[int, str], tuple[NameUse, ...]]] = {}
        self._cache: dict[tuple[str, str], tuple[NameUse, ...]] = {}

    def of(self, target: str, name: str) -> tuple[NameUse, ...]:
        """Every use, in every importer, of `name` imported from `target`."""
        key = (target, name)
        if key not in self._cache:
            uses: list[NameUse] = []
            for path, line in dict.fromkeys(self._keys.get(key, [])):
                uses += self._in(path).get((line, name), ())
            self._cache[key] = tuple(uses)
        return self._cache[key]

    def _in(self, path: str) -> dict[tuple[int, str], tuple[NameUse, ...]]:
        if path not in self._found:
            try:
                source = (self._analysis.root / path).read_bytes()
            except OSError:
                source = b""
            self._found[path] = uses_of_imports(source, path, self._wanted[path])
        return self._found[path]


class _Places:
    """Which definers may be a new home for an importer: test code and loose scripts only for tests."""

    def __init__(self, analysis: ProjectAnalysis) -> None:
        self._analysis = analysis
        self._loose: set[str] | None = None
        self._paths: dict[str, str] | None = None

    def fits(self, production: bool) -> Callable[[str], bool]:
        """For a production importer (or a group with one): no test code, no loose folder; for tests: anything."""
        return self._fits_production if production else (lambda module: True)

    def is_test(self, relpath: str) -> bool:
        parts = relpath.split("/")
        return (
            is_test_file(relpath, self._analysis.settings.test_files)
            or parts[-1] == "conftest.py"
            or any(part in ("tests", "test", "testing") for part in parts[:-1])
        )

    def _fits_production(self, module: str) -> bool:
        if self._loose is None:
            self._loose = self._analysis.loose_folders()
            self._paths = {row.module: row.relpath for row in self._analysis.layout.files}
        assert self._paths is not None
        relpath = self._paths.get(module, module.replace(".", "/"))
        return module.partition(".")[0] not in self._loose and not self.is_test(relpath)


class _Leaves:
    """Modules by their last name segment (made on first use: it reads every module name)."""

    def __init__(self, analysis: ProjectAnalysis) -> None:
        self._analysis = analysis
        self._by_leaf: dict[str, list[str]] | None = None

    def named(self, leaf: str) -> list[str]:
        if self._by_leaf is None:
            self._by_leaf = defaultdict(list)
            for module in self._analysis.index.names():
                self._by_leaf[module.rsplit(".", 1)[-1]].append(module)
        return self._by_leaf.get(leaf, [])


def _restore(target: str, path: str, removal: Removal) -> Suggestion:
    commit = removal.commit
    how = "deleted" if removal.renamed_to is None else f"renamed to {removal.renamed_to} (no module of the project)"
    return Suggestion(
        "restore",
        target,
        f"{path} was {how} in commit {commit[:12]}",
        command=f"git checkout {commit}^ -- {path}",
        path=path,
        commit=commit,
    )


def _expected_paths(target: str, src_layout: bool) -> list[str]:
    """Where the module's file would be, relative to the root (plain, and `src/` when the project has one)."""
    parts = target.split(".")
    bases = [""]
    if src_layout:
        bases.append("src/")
    paths = []
    for base in bases:
        stem = base + "/".join(parts)
        paths += [stem + ".py", stem + "/__init__.py"]
    return paths


def _backup_for(analysis: ProjectAnalysis, copies: _BackupIndex, target: str, expected: list[str]) -> Suggestion | None:
    snapshot = _snapshot_copy(analysis, copies, target, expected)
    if snapshot is not None:
        return snapshot
    matches = copies.named(target.rsplit(".", 1)[-1])
    if not matches:
        return None
    expected_dirs = {_parent(p) for p in expected}
    backup = min(matches, key=lambda b: (_parent(b) not in expected_dirs, b))
    destination = next(
        (p for p in expected if _parent(p) == _parent(backup)),
        next((p for p in expected if (analysis.root / p).parent.is_dir()), expected[0]),
    )
    return Suggestion("backup", target, f"a backup copy lies at {backup}", command=f"cp {backup} {destination}", path=backup)


def _snapshot_copy(analysis: ProjectAnalysis, copies: _BackupIndex, target: str, expected: list[str]) -> Suggestion | None:
    """The newest copy of the module's file in a snapshot folder (`backups/<stamp>/.../pkg/mod.py`)."""
    found = []
    for path in expected:
        for backup in copies.ending_in(path):
            snapshot = backup[: len(backup) - len(path) - 1]
            found.append((_snapshot_date(analysis, snapshot, backup), snapshot, backup, path))
    if not found:
        return None
    date, snapshot, backup, destination = max(found, key=lambda copy: (copy[0] != "date unknown", copy))  # the newest
    command = f"mkdir -p {_parent(destination)} && cp {backup} {destination}"
    if "/" not in destination:
        command = f"cp {backup} {destination}"
    return Suggestion(
        "backup",
        target,
        f"a copy lies in the snapshot {snapshot}/ ({date}): {backup}",
        command=command,
        path=backup,
    )


class _BackupIndex:
    """The tree's backup copies by file stem and by every path tail: one pass, not one per missing target."""

    def __init__(self, backups: Iterable[str]) -> None:
        self._by_stem: dict[str, list[str]] = defaultdict(list)
        self._by_tail: dict[str, list[str]] = defaultdict(list)
        for backup in backups:
            name = backup.rpartition("/")[2]
            self._by_stem[name.split(".")[0]].append(backup)
            start = backup.find("/")
            while start != -1:
                self._by_tail[backup[start + 1 :]].append(backup)
                start = backup.find("/", start + 1)

    def named(self, stem: str) -> list[str]:
        """Copies whose file name, up to its first dot, is `stem` (`legacy_settings.py.backup`)."""
        return self._by_stem.get(stem, [])

    def ending_in(self, relpath: str) -> list[str]:
        """Copies at `<folder>/relpath`."""
        return self._by_tail.get(relpath, [])


def _parent(relpath: str) -> str:
    """The folder of a POSIX relative path ("." at the top), as str(PurePosixPath(relpath).parent) gives it."""
    folder = relpath.rpartition("/")[0]
    return folder or "."


_STAMP = re.compile(r"(20\d{2}|19\d{2})[-_.]?(\d{2})[-_.]?(\d{2})")


def _snapshot_date(analysis: ProjectAnalysis, snapshot: str, backup: str) -> str:
    """The snapshot's date: from a stamp in its path (`20250908_1200`, `2025-09-08`), else the copy's mtime."""
    for part in reversed(PurePosixPath(snapshot).parts):
        match = _STAMP.search(part)
        if match:
            return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    try:
        return time.strftime("%Y-%m-%d", time.localtime((analysis.root / backup).stat().st_mtime))
    except OSError:
        return "date unknown"
