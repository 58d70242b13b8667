"""`python -m therapy_desk` is the same as the `therapy-desk` command."""

import multiprocessing
import sys

from therapy_desk.cli import main

# In a frozen (PyInstaller) build this turns a spawned worker (a large demo's planner) back into
# a worker instead of a second copy of the app; elsewhere it does nothing.
multiprocessing.freeze_support()
sys.exit(main())
