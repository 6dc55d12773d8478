"""Macros: saved and changed by admins, listed to all staff. Reply and note are templates,
checked when saved (a template that cannot be used is a 400 on its field)."""

from app.auth import policy
from app.auth.principal import User
from app.core import templates
from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldError, NotFound
from app.core.ids import object_id_or_404
from app.macros import queries
from app.macros.documents import MacroActions, MacroDoc, new_macro
from app.macros.schemas import MacroIn

MACRO_NOT_FOUND = "Macro not found"
MAX_LISTED = 500  # a list a menu can show


def _actions(data: MacroIn) -> MacroActions:
    for field in ("reply", "note"):
        source = getattr(data, field)
        try:
            if source is not None:
                templates.check(source)
        except templates.TemplateError as error:
            raise FieldError(field, str(error)) from None
    return MacroActions(
        reply=data.reply,
        note=data.note,
        set_status=data.set_status.value if data.set_status else None,
        set_priority=data.set_priority.value if data.set_priority else None,
        add_tags=data.add_tags,
        remove_tags=data.remove_tags,
    )


async def list_macros(*, db: Database, user: User) -> list[MacroDoc]:
    policy.ensure_staff(user)
    return await queries.list_macros(db, MAX_LISTED)


async def get_macro(*, db: Database, macro_id: str) -> MacroDoc:
    found = await queries.find_macro(db, object_id_or_404(macro_id, MACRO_NOT_FOUND))
    if found is None:
        raise NotFound(MACRO_NOT_FOUND)
    return found


async def create_macro(*, db: Database, admin: User, data: MacroIn) -> MacroDoc:
    policy.ensure_admin(admin)
    doc = new_macro(title=data.title, actions=_actions(data), author=admin.id)
    await queries.insert_macro(db, doc)
    return doc


async def update_macro(*, db: Database, admin: User, macro_id: str, data: MacroIn) -> MacroDoc:
    policy.ensure_admin(admin)
    found = await get_macro(db=db, macro_id=macro_id)
    changed = MacroDoc(
        _id=found["_id"],
        title=data.title,
        created_by=found["created_by"],
        created_at=found["created_at"],
        updated_at=utcnow(),
        **_actions(data),
    )
    if not await queries.replace_macro(db, changed):
        raise NotFound(MACRO_NOT_FOUND)
    return changed


async def delete_macro(*, db: Database, admin: User, macro_id: str) -> None:
    policy.ensure_admin(admin)
    if not await queries.delete_macro(db, object_id_or_404(macro_id, MACRO_NOT_FOUND)):
        raise NotFound(MACRO_NOT_FOUND)
