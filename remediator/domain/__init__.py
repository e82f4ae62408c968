"""Pure value objects: what a file says, what a project holds, what a rule finds.

Nothing in this package touches the filesystem, git, grimp or the terminal.
"""
