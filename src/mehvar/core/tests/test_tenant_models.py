"""Every tenant-owned model has a required workspace FK; its indexes and unique constraints start with it."""

from django.apps import apps
from django.db import models

from mehvar.core.models import Workspace

# Rows not owned by one workspace, with the reason. Anything else in a mehvar app must be tenant-owned.
GLOBAL_MODELS = {
    "accounts.user": "a person may belong to several workspaces (through Membership)",
    "accounts.loginfailure": "sign-in throttling happens before any workspace is known",
    "core.workspace": "the tenant itself",
    "ops.workerheartbeat": "the worker process serves every workspace",
    "ops.scheduledrun": "periodic jobs are global; each job iterates workspaces itself",
}
# Indexes that serve work across workspaces, with the reason.
GLOBAL_INDEXES = {("channels.outboxmessage", "outbox_due"): "the sender claims due rows of every workspace"}
# Unique lookups that are global by nature: a secret's hash must be unique across all workspaces.
# One-to-one links to a row that is itself in the same workspace are unique by nature too.
GLOBAL_UNIQUE_FIELDS = {
    ("accounts.apitoken", "token_hash"),
    ("core.invitation", "token_hash"),
    ("conversations.message", "outbox"),
    ("conversations.agentprofile", "membership"),
    ("feedback.messagereading", "message"),  # one reading per message; the message belongs to one workspace
    ("surveys.pulseresponse", "response"),  # which pulse round an anonymous response answered
}


def mehvar_models():
    return [m for m in apps.get_models() if m.__module__.startswith("mehvar.")]


def test_tenant_models_have_a_required_workspace_fk():
    for model in mehvar_models():
        if model._meta.label_lower in GLOBAL_MODELS:
            continue
        field = model._meta.get_field("workspace")
        assert isinstance(field, models.ForeignKey | models.OneToOneField), model
        assert field.related_model is Workspace, model
        assert not field.null, f"{model._meta.label}.workspace must be non-null"


def test_indexes_and_unique_constraints_start_with_workspace():
    for model in mehvar_models():
        label = model._meta.label_lower
        if label in GLOBAL_MODELS:
            continue
        for index in model._meta.indexes:
            if (label, index.name) in GLOBAL_INDEXES:
                continue
            first = index.fields[0].lstrip("-") if index.fields else None
            assert first == "workspace", f"{label} index {index.name} starts with {first}"
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                assert constraint.fields[0] == "workspace", f"{label} constraint {constraint.name}"
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key and field.name != "workspace":
                assert (label, field.name) in GLOBAL_UNIQUE_FIELDS, (
                    f"{label}.{field.name} is unique across workspaces"
                )
