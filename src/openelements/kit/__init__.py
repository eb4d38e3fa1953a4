"""Cross-cutting machinery shared by every domain. Imports no domain package (import-linter)."""
