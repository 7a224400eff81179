"""API of the signed-in member: who they are (``/me``) and their own API tokens."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status

from mehvar.accounts.models import ApiToken
from mehvar.accounts.schemas import MeOut, MePatchIn, TokenCreatedOut, TokenIn, TokenOut
from mehvar.accounts.services import api_token_create, api_token_revoke, user_update_profile
from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require
from mehvar.api.schemas import ObjectId, error_responses
from mehvar.core.models import Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.selectors import api_tokens_of
from mehvar.core.tenancy import get_in_workspace

router = Router()

ME = "حساب من"
TOKENS = "توکن‌های API"


def _me(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "language": user.language,
        "role": membership.role,
        "workspace": membership.workspace,
        "permissions": sorted(perm.value for perm in Perm if role_has(membership.role, perm)),
    }


@router.get("/me", response={200: MeOut, **error_responses()}, tags=[ME], summary="من: کاربر، نقش و دسترسی‌ها")
def me_detail(request: HttpRequest) -> Any:
    return _me(request.membership)  # type: ignore[attr-defined]


@router.patch(
    "/me",
    response={200: MeOut, **error_responses(422)},
    tags=[ME],
    summary="تغییر نام، تلفن یا زبان من",
    description="تلفن با رقم‌های فارسی هم پذیرفته و به قالب E.164 ذخیره می‌شود.",
)
def me_update(request: HttpRequest, payload: MePatchIn) -> Any:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    user = membership.user
    changes = payload.model_dump(exclude_unset=True)
    user_update_profile(
        user=user,
        full_name=changes.get("full_name", user.full_name),
        phone=(changes["phone"] or "") if "phone" in changes else user.phone,
        language=changes.get("language", user.language),
    )
    return _me(membership)


def _own_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return api_tokens_of(membership=require(request, Perm.API_TOKENS_OWN))


@router.get(
    "/tokens",
    response={200: list[TokenOut], **error_responses(403, 422)},
    tags=[TOKENS],
    summary="توکن‌های من",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def token_list(request: HttpRequest) -> Any:
    return _own_tokens(request)


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **error_responses(403, 409, 422)},
    tags=[TOKENS],
    summary="ساختن توکن تازه",
    description="رمز توکن (`secret`) فقط همین یک بار نشان داده می‌شود.",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    membership = require(request, Perm.API_TOKENS_OWN)
    token, secret = api_token_create(membership=membership, name=payload.name, via="api")
    token.secret = secret  # type: ignore[attr-defined]  # shown once, never stored
    return Status(201, token)


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **error_responses(403, 404)},
    tags=[TOKENS],
    summary="باطل کردن یکی از توکن‌های من",
)
def token_delete(request: HttpRequest, token_id: ObjectId) -> Any:
    membership = require(request, Perm.API_TOKENS_OWN)
    token = get_in_workspace(_own_tokens(request).filter(revoked_at=None), membership.workspace, pk=token_id)
    api_token_revoke(membership=membership, token=token, via="api")
    return Status(204, None)
