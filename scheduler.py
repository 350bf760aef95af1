"""`python scheduler.py --config FILE once`, as the README documents it: the command line itself
lives in gongkai/cli.py (installed as the `gongkai` command)."""

from gongkai.cli import cli

if __name__ == "__main__":
    cli()
