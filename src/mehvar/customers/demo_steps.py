"""The demo's customers: drawn from the one generator and stored through the product's own service."""

from mehvar.customers.services import customer_bulk_create
from mehvar.demo.generator import customers
from mehvar.demo.registry import DemoContext, demo_step


@demo_step(order=100, name="customers")
def load_customers(context: DemoContext) -> None:
    created = customer_bulk_create(
        workspace=context.workspace, rows=customers(context.customers, seed=context.seed), via="system"
    )
    context.say(f"customers: {created}")
