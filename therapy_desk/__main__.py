"""`python -m therapy_desk` is the same as the `therapy-desk` command."""

import multiprocessing
import sys

# In a frozen (PyInstaller) build this turns a spawned worker (a large demo's planner) back into
# a worker instead of a second copy of the app; elsewhere it does nothing.
multiprocessing.freeze_support()

try:
    from therapy_desk.cli import main
except Exception as exc:  # a broken install: still one sentence and a report, never a traceback
    from therapy_desk.crash import report_crash

    sys.exit(report_crash(exc, where="start-up", stopped="Therapy Desk"))
sys.exit(main())
