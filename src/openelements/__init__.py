"""openelements: a self-hosted Cloud Elements API v2 for Microsoft Graph calendars."""

__version__ = "0.1.0"
