"""Before/after tables for RewriteImportsCommand, in the style of LibCST's own codemod tests."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext, CodemodTest
from libcst.metadata import ScopeProvider

from codemods.rewrite_imports import RewriteImportsCommand, SkippedStatement
from remediator.domain.plan import ModuleRedirect, NameRedirect, Redirects

MOVE = ModuleRedirect("old.mod", "new.place", rule="move")
SSOT = ModuleRedirect(
    "auth.jwt",
    "backend.ssot",
    flatten=True,
    symbols=(("validate_token", "jwt_ssot.validate_token"), ("JWTHandler", "JwtSsot")),
    rule="ssot",
)
REDIRECTS = Redirects((MOVE, SSOT), (NameRedirect("auth.core", "JWTHandler", "backend.ssot", "JwtSsot", "ssot"),))
KNOWN = {
    "new.place": {"A", "B", "C", "sub"},
    "backend.ssot": {"jwt_ssot", "JwtSsot", "decode", "TokenError"},
}


def exists(module: str, name: str) -> bool | None:
    return name in KNOWN[module] if module in KNOWN else None


class RewriteTest(CodemodTest):
    TRANSFORM = RewriteImportsCommand

    def check(self, before: str, after: str, module: str = "app.user", **kwargs: object) -> None:
        self.assertCodemod(before, after, redirects=REDIRECTS, module_name=module, name_exists=exists, **kwargs)

    # -- from-imports ------------------------------------------------------

    def test_from_import_one_name(self) -> None:
        self.check("from old.mod import A\n", "from new.place import A\n")

    def test_from_import_several_names_and_alias(self) -> None:
        self.check("from old.mod import A, B as Bee\nBee(A)\n", "from new.place import A, B as Bee\nBee(A)\n")

    def test_parenthesized_multi_line_with_comments(self) -> None:
        before = "from old.mod import (  # moved\n    A,  # first\n    B,\n)\n"
        after = "from new.place import (  # moved\n    A,  # first\n    B,\n)\n"
        self.check(before, after)

    def test_submodule_of_moved_package(self) -> None:
        self.check("from old.mod.sub import x\n", "from new.place.sub import x\n")

    def test_module_imported_from_its_parent_keeps_local_name(self) -> None:
        self.check("from old import mod\nmod.A()\n", "from new import place as mod\nmod.A()\n")

    def test_relative_import_resolving_to_old_module(self) -> None:
        self.check("from .mod import A\n", "from new.place import A\n", module="old.other")

    def test_relative_parent_import(self) -> None:
        self.check("from ..mod import A\n", "from new.place import A\n", module="old.pkg.user")

    def test_relative_import_elsewhere_untouched(self) -> None:
        self.check("from .mod import A\n", "from .mod import A\n", module="app.other")

    def test_star_import_of_moved_module(self) -> None:
        self.check("from old.mod import *\n", "from new.place import *\n")

    # -- plain imports and attribute uses -----------------------------------

    def test_import_dotted_and_uses(self) -> None:
        self.check("import old.mod\nold.mod.A()\nx = old.mod.B\n", "import new.place\nnew.place.A()\nx = new.place.B\n")

    def test_import_as(self) -> None:
        self.check("import old.mod as m\nm.A()\n", "import new.place as m\nm.A()\n")

    def test_import_among_others(self) -> None:
        self.check("import os, old.mod as m, sys\n", "import os, new.place as m, sys\n")

    def test_import_whose_top_level_is_used_otherwise_is_skipped(self) -> None:
        before = "import old.mod\nold.other.thing()\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", expected_skip=True)

    # -- in place, whatever the block ----------------------------------------

    def test_inside_function(self) -> None:
        self.check("def f():\n    from old.mod import A\n    return A\n", "def f():\n    from new.place import A\n    return A\n")

    def test_inside_class(self) -> None:
        self.check("class K:\n    from old.mod import A\n", "class K:\n    from new.place import A\n")

    def test_type_checking_block(self) -> None:
        before = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from old.mod import A\n"
        self.check(before, before.replace("old.mod", "new.place"))

    def test_try_block_keeps_guarded_fallback(self) -> None:
        before = "try:\n    from old.mod import A\nexcept ImportError:\n    A = None\n"
        self.check(before, before.replace("old.mod", "new.place"))

    def test_only_statement_of_try_is_never_removed(self) -> None:
        before = "from new.place import C\ntry:\n    from old.mod import A\nexcept ImportError:\n    A = None\n"
        after = "from new.place import C\ntry:\n    from new.place import A\nexcept ImportError:\n    A = None\n"
        self.check(before, after)

    def test_one_line_suite(self) -> None:
        self.check("if True: from old.mod import A\n", "if True: from new.place import A\n")

    def test_semicolon_line(self) -> None:
        self.check("import os; from old.mod import A\n", "import os; from new.place import A\n")

    # -- local names, aliases, re-exports ------------------------------------

    def test_mapped_name_keeps_local_name_with_alias(self) -> None:
        self.check("from auth.jwt import JWTHandler\nJWTHandler()\n", "from backend.ssot import JwtSsot as JWTHandler\nJWTHandler()\n")

    def test_existing_alias_is_kept(self) -> None:
        self.check("from auth.jwt import JWTHandler as H\nH()\n", "from backend.ssot import JwtSsot as H\nH()\n")

    def test_x_as_x_reexport_is_kept(self) -> None:
        self.check("from old.mod import A as A\n", "from new.place import A as A\n")

    def test_unlisted_name_keeps_its_name(self) -> None:
        self.check("from auth.jwt import decode\n", "from backend.ssot import decode\n")

    def test_name_redirect_through_reexporting_package(self) -> None:
        self.check(
            "from auth.core import JWTHandler, other\n", "from auth.core import other\nfrom backend.ssot import JwtSsot as JWTHandler\n"
        )

    def test_attribute_mapping_rewrites_uses(self) -> None:
        before = "from auth.jwt import validate_token\n\ndef check(t):\n    return validate_token(t)\n"
        after = "from backend.ssot import jwt_ssot\n\ndef check(t):\n    return jwt_ssot.validate_token(t)\n"
        self.check(before, after)

    def test_attribute_mapping_clash_is_skipped(self) -> None:
        before = "from auth.jwt import validate_token\njwt_ssot = 'mine'\nvalidate_token(jwt_ssot)\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_skip=True)

    def test_attribute_mapping_clash_in_a_function_is_skipped(self) -> None:
        before = "from auth.jwt import validate_token\ndef f(jwt_ssot):\n    return validate_token(jwt_ssot)\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_skip=True)

    def test_attribute_mapping_of_reexported_name_is_skipped(self) -> None:
        before = "from auth.jwt import validate_token\n__all__ = ['validate_token']\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_skip=True)

    def test_attribute_mapping_in_init_is_skipped(self) -> None:
        before = "from auth.jwt import validate_token\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app", is_package=True, name_exists=exists, expected_skip=True)

    def test_module_alias_uses_are_mapped(self) -> None:
        before = "import auth.jwt as jh\njh.validate_token(1)\njh.JWTHandler()\njh.decode(2)\n"
        after = "import backend.ssot as jh\njh.jwt_ssot.validate_token(1)\njh.JwtSsot()\njh.decode(2)\n"
        self.check(before, after)

    def test_unmapped_symbol_is_skipped(self) -> None:
        before = "from auth.jwt import nowhere\n"
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_skip=True)

    def test_shadowed_module_becomes_name_imports(self) -> None:
        before = "import auth.jwt as jh\ntry:\n    jh.validate_token(1)\nexcept jh.TokenError:\n    pass\n"
        after = "from backend.ssot import jwt_ssot, TokenError\ntry:\n    jwt_ssot.validate_token(1)\nexcept TokenError:\n    pass\n"
        self.check(before, after, shadowed=lambda package, name: (package, name) == ("backend", "ssot"))

    # -- merging ---------------------------------------------------------------

    def test_merges_into_existing_import_instead_of_duplicating(self) -> None:
        self.check("from new.place import C\nfrom old.mod import A\nA(C)\n", "from new.place import C, A\nA(C)\n")

    def test_merge_skips_names_already_imported(self) -> None:
        self.check("from new.place import A\nfrom old.mod import A\n", "from new.place import A\n")

    def test_no_merge_across_blocks(self) -> None:
        before = "from new.place import C\ndef f():\n    from old.mod import A\n"
        self.check(before, before.replace("old.mod", "new.place"))

    def test_statement_with_comment_is_rewritten_in_place_not_merged(self) -> None:
        before = "from new.place import C\n# the mock\nfrom old.mod import A\n"
        self.check(before, "from new.place import C\n# the mock\nfrom new.place import A\n")

    def test_split_keeps_the_rest(self) -> None:
        self.check(
            "from old import mod, other\n",
            "from old import other\nfrom new import place as mod\n",
        )

    # -- strings -------------------------------------------------------------

    def test_strings_untouched_by_default(self) -> None:
        before = "from unittest import mock\nmock.patch('old.mod.A')\n"
        self.check(before, before)

    def test_strings_rewritten_on_request(self) -> None:
        before = "from unittest import mock\nmock.patch('old.mod.A.method')\nimportlib.import_module(\"old.mod\")\n"
        after = "from unittest import mock\nmock.patch('new.place.A.method')\nimportlib.import_module(\"new.place\")\n"
        self.check(before, after, rewrite_strings=True)

    def test_ssot_strings_map_symbols(self) -> None:
        self.check("patch('auth.jwt.JWTHandler')\n", "patch('backend.ssot.JwtSsot')\n", rewrite_strings=True)

    # -- bytes ---------------------------------------------------------------

    def test_untouched_lines_are_byte_identical(self) -> None:
        before = "import os\n\n\nx  =  [1,2 ,3]   # odd spacing\nfrom old.mod import A\n\ty = 1 if True else 2\n".replace("\t", "")
        self.check(before, before.replace("old.mod", "new.place"))

    def test_idempotent(self) -> None:
        after = "from new.place import A\nimport new.place as m\n"
        self.check(after, after)


class PerStatementTest(CodemodTest):
    """A refused statement stays as it was (uses included); the file's other statements are still rewritten."""

    TRANSFORM = RewriteImportsCommand

    def check(self, before: str, after: str, warnings: list[str], **kwargs: object) -> None:
        self.assertCodemod(
            before, after, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_warnings=warnings, **kwargs
        )

    def test_refused_statement_does_not_stop_the_others(self) -> None:
        before = "from old.mod import A\nfrom auth.jwt import nowhere\nA(nowhere)\n"
        after = "from new.place import A\nfrom auth.jwt import nowhere\nA(nowhere)\n"
        self.check(before, after, ["line 2: unmapped-symbol: backend.ssot does not define 'nowhere' (for auth.jwt.nowhere)"])

    def test_refused_statement_keeps_the_uses_it_had_planned(self) -> None:
        # `jh.validate_token` was planned as `jh.jwt_ssot.validate_token` before `jh.nowhere` refused the statement
        before = "import auth.jwt as jh\nfrom old.mod import A\njh.validate_token(A)\njh.nowhere()\n"
        after = "import auth.jwt as jh\nfrom new.place import A\njh.validate_token(A)\njh.nowhere()\n"
        self.check(before, after, ["line 1: attribute-missing: backend.ssot has no attribute 'nowhere' (used as jh.nowhere on line 4)"])

    def test_clash_in_one_block_and_a_rewrite_in_another(self) -> None:
        before = (
            "import os\n\ndef f(jwt_ssot):\n    from auth.jwt import validate_token\n    return validate_token(jwt_ssot)\n\n"
            "def g():\n    from auth.jwt import JWTHandler\n    return JWTHandler()\n"
        )
        after = before.replace("from auth.jwt import JWTHandler", "from backend.ssot import JwtSsot as JWTHandler")
        warning = "line 4: name-clash: 'jwt_ssot' is already bound here; importing it from backend.ssot would shadow that binding"
        self.check(before, after, [warning])

    def test_same_line_statements_are_independent(self) -> None:
        before = "from old.mod import A; from auth.jwt import nowhere\n"
        after = "from new.place import A; from auth.jwt import nowhere\n"
        self.check(before, after, ["line 1: unmapped-symbol: backend.ssot does not define 'nowhere' (for auth.jwt.nowhere)"])

    def test_every_statement_refused_skips_the_file_and_warns_for_each(self) -> None:
        before = "from auth.jwt import nowhere\n\n\nfrom auth.jwt import validate_token\n__all__ = ['validate_token']\n"
        warnings = [
            "line 1: unmapped-symbol: backend.ssot does not define 'nowhere' (for auth.jwt.nowhere)",
            "line 4: re-export: 'validate_token' is re-exported here; mapping it to jwt_ssot.validate_token would remove it",
        ]
        self.check(before, before, warnings, expected_skip=True)

    def test_skipped_statements_and_rules_of_what_was_applied(self) -> None:
        command = RewriteImportsCommand(CodemodContext(), REDIRECTS, module_name="app.user", name_exists=exists)
        source = "from auth.jwt import decode\nif True:\n    from old.mod import Gone\n"
        after = command.transform_module(cst.parse_module(source)).code
        assert after == "from backend.ssot import decode\nif True:\n    from old.mod import Gone\n"
        assert command.skipped_statements == [SkippedStatement(3, "unmapped-symbol", "new.place does not define 'Gone' (for old.mod.Gone)")]
        assert command.applied_rules == {"ssot"}  # the refused statement's `move` did not happen


class AttributeMissingTest(CodemodTest):
    """A redirected module binding: every attribute used through it must exist in the new module."""

    TRANSFORM = RewriteImportsCommand

    def refused(self, before: str, warning: str, **kwargs: object) -> None:
        self.assertCodemod(
            before,
            before,
            redirects=REDIRECTS,
            module_name="app.user",
            name_exists=exists,
            expected_skip=True,
            expected_warnings=[warning],
            **kwargs,
        )

    def check(self, before: str, after: str, **kwargs: object) -> None:
        self.assertCodemod(before, after, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_warnings=[], **kwargs)

    def test_import_as_with_a_missing_attribute_is_refused(self) -> None:
        warning = "line 1: attribute-missing: new.place has no attribute 'main' (used as m.main on line 3)"
        self.refused("import old.mod as m\nm.A()\nm.main()\n", warning)

    def test_dotted_import_with_a_missing_attribute_is_refused(self) -> None:
        warning = "line 1: attribute-missing: new.place has no attribute 'config' (used as old.mod.config on line 4)"
        self.refused("import old.mod\n\ndef f():\n    return old.mod.config\n", warning)

    def test_module_from_its_parent_with_a_missing_attribute_is_refused(self) -> None:
        warning = "line 1: attribute-missing: new.place has no attribute 'gone' (used as mod.gone on line 2)"
        self.refused("from old import mod\nmod.gone()\n", warning)

    def test_ssot_module_alias_with_an_unlisted_missing_attribute_is_refused(self) -> None:
        warning = "line 1: attribute-missing: backend.ssot has no attribute 'nowhere' (used as jh.nowhere on line 2)"
        self.refused("import auth.jwt as jh\njh.nowhere()\n", warning)

    def test_attributes_that_exist_are_rewritten(self) -> None:
        self.check("import old.mod as m\nm.A()\nm.sub.thing\n", "import new.place as m\nm.A()\nm.sub.thing\n")
        self.check("import old.mod\nold.mod.B()\n", "import new.place\nnew.place.B()\n")
        self.check("from old import mod\nmod.C()\n", "from new import place as mod\nmod.C()\n")

    def test_unknown_attributes_are_allowed(self) -> None:
        redirects = Redirects((ModuleRedirect("lib.x", "lib.y", rule="move"),))
        self.assertCodemod(
            "import lib.x as m\nm.anything()\n",
            "import lib.y as m\nm.anything()\n",
            redirects=redirects,
            module_name="app.user",
            name_exists=exists,
        )

    def test_scope_analysis_runs_only_when_the_text_has_an_attribute_that_may_be_missing(self) -> None:
        """The costly ScopeProvider pass is skipped when no `m.X` in the text names a missing X."""
        command = RewriteImportsCommand(CodemodContext(), REDIRECTS, module_name="app.user", name_exists=exists)
        # transform_module_impl, as fix calls it: transform_module clears the metadata on the way out
        after = command.transform_module_impl(cst.parse_module("import old.mod as m\nm.A()\n")).code
        assert after == "import new.place as m\nm.A()\n" and command.metadata == {}
        command.transform_module_impl(cst.parse_module("import old.mod as m\nx = 'm.gone'\n"))  # only in a string
        assert ScopeProvider in command.metadata and command.skipped_statements == []

    def test_only_the_statement_with_the_missing_attribute_is_refused(self) -> None:
        before = "import old.mod as m\nfrom old.mod import A\nm.gone(A)\n"
        after = "import old.mod as m\nfrom new.place import A\nm.gone(A)\n"
        warning = "line 1: attribute-missing: new.place has no attribute 'gone' (used as m.gone on line 3)"
        self.assertCodemod(before, after, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_warnings=[warning])


TOP_LEVEL = Redirects(
    (
        ModuleRedirect("pkg.mod4", "mod4", rule="move"),
        ModuleRedirect("pkg.helpers", "tools", rule="move"),
        ModuleRedirect("pkg.mod5", "lib.mod5", rule="move"),
    )
)
TOP_LEVEL_KNOWN = {"mod4": {"run"}, "tools": {"h"}}


def top_level_exists(module: str, name: str) -> bool | None:
    return name in TOP_LEVEL_KNOWN[module] if module in TOP_LEVEL_KNOWN else None


class TopLevelModuleTest(CodemodTest):
    """`from pkg import mod4` where `mod4` moves to the top level becomes `import mod4`, keeping the local name."""

    TRANSFORM = RewriteImportsCommand

    def check(self, before: str, after: str, module: str = "pkg.user") -> None:
        self.assertCodemod(before, after, redirects=TOP_LEVEL, module_name=module, name_exists=top_level_exists, expected_warnings=[])

    def test_module_from_its_package_becomes_a_plain_import(self) -> None:
        self.check("from pkg import mod4\nmod4.run()\n", "import mod4\nmod4.run()\n")

    def test_alias_is_kept(self) -> None:
        self.check("from pkg import mod4 as m\nm.run()\n", "import mod4 as m\nm.run()\n")
        self.check("from pkg import mod4 as mod4\n", "import mod4 as mod4\n")

    def test_a_new_name_keeps_the_local_name(self) -> None:
        self.check("from pkg import helpers\nhelpers.h()\n", "import tools as helpers\nhelpers.h()\n")

    def test_other_names_keep_their_own_from_import(self) -> None:
        self.check("from pkg import other, mod4, mod5\n", "from pkg import other\nimport mod4\nfrom lib import mod5\n")

    def test_relative_import_in_a_block(self) -> None:
        before = "def f():\n    from . import mod4, helpers as hp\n    return mod4.run(hp.h)\n"
        after = "def f():\n    import mod4, tools as hp\n    return mod4.run(hp.h)\n"
        self.check(before, after)

    def test_semicolon_line(self) -> None:
        self.check("import os; from pkg import mod4\n", "import os; import mod4\n")

    def test_missing_attribute_is_still_refused(self) -> None:
        before = "from pkg import mod4\nmod4.gone()\n"
        self.assertCodemod(
            before,
            before,
            redirects=TOP_LEVEL,
            module_name="pkg.user",
            name_exists=top_level_exists,
            expected_skip=True,
            expected_warnings=["line 1: attribute-missing: mod4 has no attribute 'gone' (used as mod4.gone on line 2)"],
        )


SUBMODULE = Redirects((ModuleRedirect("a.b.c", "z.c", rule="move"),))
SUBMODULE_KNOWN = {"z.c": {"f", "g"}}


def submodule_exists(module: str, name: str) -> bool | None:
    return name in SUBMODULE_KNOWN[module] if module in SUBMODULE_KNOWN else None


class ReachedSubmoduleTest(CodemodTest):
    """`import a` used as `a.b.c.f()` when `a.b.c` moves to `z.c`: `import z.c` and `z.c.f()`."""

    TRANSFORM = RewriteImportsCommand

    def check(self, before: str, after: str, warnings: list[str] | None = None, **kwargs: object) -> None:
        self.assertCodemod(
            before,
            after,
            redirects=SUBMODULE,
            module_name="app.user",
            name_exists=submodule_exists,
            expected_warnings=warnings or [],
            **kwargs,
        )

    def test_the_binding_only_used_for_the_moved_module_is_replaced(self) -> None:
        self.check("import a\n\na.b.c.f(1)\n", "import z.c\n\nz.c.f(1)\n")
        self.check("import a.b\nx = a.b.c\n", "import z.c\nx = z.c\n")

    def test_the_binding_still_used_otherwise_is_kept(self) -> None:
        self.check("import a\na.b.c.f(1)\na.other()\n", "import a\nimport z.c\nz.c.f(1)\na.other()\n")
        self.check("import a.b\na.b.c.f(1)\na.b.d()\n", "import a.b\nimport z.c\nz.c.f(1)\na.b.d()\n")

    def test_alias(self) -> None:
        self.check("import a.b as ab\nab.c.f(1)\n", "import z.c\nz.c.f(1)\n")
        self.check("import a.b as ab\nab.c.g()\nab.d\n", "import a.b as ab\nimport z.c\nz.c.g()\nab.d\n")

    def test_among_other_modules_in_a_function(self) -> None:
        before = "def k():\n    import os, a\n    return a.b.c.f(os.sep)\n"
        self.check(before, "def k():\n    import os, z.c\n    return z.c.f(os.sep)\n")

    def test_an_existing_import_of_the_new_module_is_not_repeated(self) -> None:
        self.check("import z.c\nimport a\na.b.c.f()\n", "import z.c\nimport a\nz.c.f()\n")

    def test_a_reexported_binding_is_kept(self) -> None:
        self.check("import a\n__all__ = ['a']\na.b.c.f()\n", "import a\nimport z.c\n__all__ = ['a']\nz.c.f()\n")

    def test_new_top_level_name_taken_is_a_clash(self) -> None:
        before = "import a\nimport os\nimport a.b.c as q\ndef h(z):\n    return a.b.c.f(z)\n"
        after = "import a\nimport os\nimport z.c as q\ndef h(z):\n    return a.b.c.f(z)\n"
        warning = "line 1: name-clash: 'z' is already bound here; `import` of its package would rebind it"
        self.check(before, after, [warning])

    def test_new_top_level_name_bound_by_an_aliased_import_is_a_clash(self) -> None:
        before = "import a\nimport json as z\na.b.c.f(z)\n"
        warning = "line 1: name-clash: 'z' is already bound here; `import` of its package would rebind it"
        self.check(before, before, [warning], expected_skip=True)

    def test_missing_attribute_is_refused(self) -> None:
        warning = "line 1: attribute-missing: z.c has no attribute 'gone' (used as a.b.c.gone on line 2)"
        self.check("import a\na.b.c.gone()\n", "import a\na.b.c.gone()\n", [warning], expected_skip=True)


class RebindingTest(CodemodTest):
    TRANSFORM = RewriteImportsCommand

    def test_attribute_mapping_of_a_name_with_a_fallback_is_skipped(self) -> None:
        before = (
            "try:\n    from auth.jwt import validate_token\nexcept ImportError:\n    validate_token = None\n"
            "def check(t):\n    return validate_token(t) if validate_token else None\n"
        )
        self.assertCodemod(before, before, redirects=REDIRECTS, module_name="app.user", name_exists=exists, expected_skip=True)

    def test_plain_mapping_of_a_name_with_a_fallback_keeps_the_fallback(self) -> None:
        before = "try:\n    from auth.jwt import JWTHandler\nexcept ImportError:\n    JWTHandler = None\n"
        after = "try:\n    from backend.ssot import JwtSsot as JWTHandler\nexcept ImportError:\n    JWTHandler = None\n"
        self.assertCodemod(before, after, redirects=REDIRECTS, module_name="app.user", name_exists=exists)
