"""`python -m remediator` runs the command-line interface."""

from remediator.cli import main

if __name__ == "__main__":
    main()
