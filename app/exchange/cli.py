"""`flask data import FILE` and `flask seed`."""
import click
from flask.cli import AppGroup

data_cli = AppGroup("data", help="Import and export exchange files.")


@click.command("seed")
def seed_cmd() -> None:
    """Load the demo data from providers_seed/."""
    raise click.ClickException("not yet")
