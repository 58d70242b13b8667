"""The demo practice: an invented clinician, payers and clients with years of treatment, for trying the app.

Not part of what a real practice runs: it sits above storage/ and writes only through the stores' public
API (their bulk imports, `db.bulk_load`), as an import from another system would. Only the command line,
the app, bench/ and the tests import it. `builder.build_demo` fills a new vault; `staging.create_demo_vault`
builds one beside its folder and moves it in whole; `planner` makes every choice (in a worker process for a
large practice) from the people, clinical, note text and money modules; `today` makes the day it is built
look like a clinic day.
"""
