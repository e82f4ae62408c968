"""LibCST codemod commands that rewrite imports (used by `remediator fix`).

Empty until the fix issue lands: the scan does not need them.
"""
