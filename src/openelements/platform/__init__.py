"""Organizations, accounts, users, their secrets and the Authorization scheme (spec §3, §4)."""
