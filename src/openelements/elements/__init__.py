"""Providers. Domains use `elements.base` (the protocol) and `elements.registry` only."""
