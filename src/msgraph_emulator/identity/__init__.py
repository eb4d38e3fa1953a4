"""Microsoft identity platform v2.0 as the emulator serves it (spec §15)."""
