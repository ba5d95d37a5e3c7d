"""`python -m nigrani_cli`: the same as the `nigrani` console script."""

from nigrani_cli.app import app

if __name__ == "__main__":
    app(prog_name="nigrani")
