"""Class-list upload: the file, a preview with every row's problem beside it, confirmation."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.services import class_lists
from prao.services.periods import may_manage
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import CLASS_LIST_FORM
from web.guards import form_post, signed_in
from web.templating import render, set_flash


@signed_in(may_manage)
async def upload_form(request: Request, actor: Actor) -> Response:
    context = {"title": "Läs in klasslista", "nav": "klasslistor", "error": None}
    return render(request, "coord_class_list.html", context, actor=actor)


@form_post(max_fields=5, max_files=1)
async def upload(request: Request, actor: Actor, form: FormData) -> Response:
    file = form.get("file")
    data, name = b"", ""
    if isinstance(file, UploadFile):
        data = await file.read(class_lists.MAX_FILE_BYTES + 1)
        name = file.filename or ""
    outcome = await class_lists.upload(actor, name, data)
    if not outcome.ok or outcome.value is None:
        error = outcome.errors[0]
        if not CLASS_LIST_FORM.is_on(error, "file"):
            return error_page(request, status_for(error), error.message, actor)
        context = {"title": "Läs in klasslista", "nav": "klasslistor", "error": error}
        return render(request, "coord_class_list.html", context, actor=actor, status=422)
    return redirect(f"/oversikt/klasslistor/{outcome.value.import_id}")


@signed_in()
async def preview_page(request: Request, actor: Actor) -> Response:
    outcome = await class_lists.preview(actor, request.path_params["import_id"])
    if not outcome.ok or outcome.value is None:
        return error_page(request, status_for(outcome.errors[0]), outcome.errors[0].message, actor)
    context = {
        "title": "Granska klasslistan",
        "wide": True,
        "nav": "klasslistor",
        "personal": True,
        "preview": outcome.value,
        "error": None,
    }
    return render(request, "coord_class_preview.html", context, actor=actor)


@form_post()
async def confirm(request: Request, actor: Actor, form: FormData) -> Response:
    import_id = request.path_params["import_id"]
    outcome = await class_lists.confirm(actor, import_id)
    if outcome.ok and outcome.value is not None:
        done = outcome.value
        message = (
            f"Klasslistan är inläst: {done.created} nya, {done.updated} ändrade, "
            f"{done.unchanged} oförändrade elever."
        )
        if done.missing:
            message += f" {len(done.missing)} elever fanns inte i filen och är kvar."
        set_flash(request, message)
        return redirect("/oversikt/perioder")
    error = outcome.errors[0]
    shown = await class_lists.preview(actor, import_id)
    if not shown.ok:
        return error_page(request, status_for(error), error.message, actor)
    context = {
        "title": "Granska klasslistan",
        "wide": True,
        "nav": "klasslistor",
        "personal": True,
        "preview": shown.value,
        "error": error,
    }
    return render(
        request, "coord_class_preview.html", context, actor=actor, status=status_for(error)
    )
