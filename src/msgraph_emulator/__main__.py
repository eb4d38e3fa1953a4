"""`python -m msgraph_emulator --host 127.0.0.1 --port 8765 [--auto-consent] [--state FILE]`."""

from msgraph_emulator.cli import main

raise SystemExit(main())
