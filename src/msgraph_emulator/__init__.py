"""A Microsoft Graph (calendar) and identity platform emulator.

Imports nothing from openelements.
"""

__version__ = "0.1.0"
