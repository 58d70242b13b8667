"""`python -m therapy_desk` is the same as the `therapy-desk` command."""

import sys

from therapy_desk.cli import main

sys.exit(main())
