"""``mehvar demo load``: the demo shop, its staff and customers; ``mehvar demo logins``: how to sign in."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mehvar.demo.generator import DEMO_PASSWORD, DEMO_STAFF, DEMO_WORKSPACE_SLUG
from mehvar.demo.services import DEFAULT_CUSTOMERS, SMALL_CUSTOMERS, demo_load


class Command(BaseCommand):
    help = "Load the demo workspace (a Persian online shop) or show its logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Create the demo workspace, its staff and customers.")
        load.add_argument("--small", action="store_true", help=f"{SMALL_CUSTOMERS} customers, in seconds.")
        load.add_argument("--customers", type=int, help=f"How many customers (default {DEFAULT_CUSTOMERS}).")
        load.add_argument("--seed", type=int, default=1, help="The same seed gives the same data.")
        load.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the demo workspace exists."
        )
        load.add_argument(
            "--replace", action="store_true", help="Delete the demo workspace first if it exists."
        )
        logins = actions.add_parser("logins", help="Print the demo logins, one per role.")
        logins.add_argument("--url", default="http://127.0.0.1:8000", help="Where the demo is served.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "logins":
            self._print_logins(options["url"])
            return
        count = options["customers"]
        if count is None:
            count = SMALL_CUSTOMERS if options["small"] else DEFAULT_CUSTOMERS
        if count < 0:
            raise CommandError("--customers must be 0 or more")
        try:
            result = demo_load(
                customers=count,
                seed=options["seed"],
                if_empty=options["if_empty"],
                replace=options["replace"],
                say=lambda message: self.stdout.write(f"  {message}"),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not result.created:
            self.stdout.write(f"The demo workspace '{DEMO_WORKSPACE_SLUG}' exists already: nothing loaded.")
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo workspace '{DEMO_WORKSPACE_SLUG}'."))
        self.stdout.write(
            f"The owner's API token (shown this once; only its hash is kept):\n  {result.api_token}"
        )

    def _print_logins(self, url: str) -> None:
        url = url.rstrip("/")
        self.stdout.write(f"Mehvar demo: {url}/")
        self.stdout.write(f"Sign in at {url}/accounts/login/ with the password: {DEMO_PASSWORD}")
        width = max(len(person.email) for person in DEMO_STAFF)
        for person in DEMO_STAFF:
            self.stdout.write(f"  {person.email:<{width}}  {person.role}")
        self.stdout.write(
            "The owner is also an operator (admin pages, failed tasks, sent mail).\n"
            "The owner's API token is printed once, when the demo is first loaded; make a new one at "
            f"{url}/w/{DEMO_WORKSPACE_SLUG}/tokens/ or with `mehvar token create`."
        )
