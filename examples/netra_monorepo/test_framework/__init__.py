"""Shared test infrastructure for every package in the monorepo."""
