"""Rules read the project model and produce findings. Each rule has a page in docs/rules/."""
