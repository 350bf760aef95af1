"""The command line's home: one cycle (`cycle`), cycles on a cron (`schedule`) and `check`.

They lived beside scheduler.py as loose root modules, which `pip install .` did not package and
whose names (`schedule`) shadowed PyPI packages for anything run from the project's folder.
"""
