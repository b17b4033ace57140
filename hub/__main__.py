"""`python -m hub`: the `hub` command (what `hub serve` starts its worker processes with)."""

from hub.cli.main import run

if __name__ == "__main__":
    run()
