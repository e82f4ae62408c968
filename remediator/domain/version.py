"""The version of remediator, in a leaf module every layer may read."""

VERSION = "0.1.0"
