"""`python -m remediator` runs the command-line interface."""

from remediator.cli import run

if __name__ == "__main__":
    run()
