"""Customer 360's tables: profile, identities and merges, the timeline, saved views and imports."""

from mehvar.customers.models.identities import DuplicateSuggestion, Identity, IdentityKind, Merge
from mehvar.customers.models.lists import Import, ImportMapping, SavedView
from mehvar.customers.models.profile import Consent, ConsentChannel, Customer, CustomField, Lifecycle, Tag
from mehvar.customers.models.timeline import Activity

__all__ = [
    "Activity",
    "Consent",
    "ConsentChannel",
    "CustomField",
    "Customer",
    "DuplicateSuggestion",
    "Identity",
    "IdentityKind",
    "Import",
    "ImportMapping",
    "Lifecycle",
    "Merge",
    "SavedView",
    "Tag",
]
