"""OAI-PMH 2.0 at /oai: the protocol lives in ``archive.interchange.oai_pmh``; this route only carries it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from archive.interchange import oai_pmh
from webapp import current_archive, current_viewer

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    # GET arguments in the query string, POST arguments form-encoded in the body (never both mixed).
    params = request.form.items(multi=True) if request.method == "POST" else request.args.items(multi=True)
    status, body = oai_pmh.handle(current_archive(), list(params), base_url=request.url_root,
                                  viewer=current_viewer(), endpoint=request.base_url,
                                  page_size=current_app.config.get("OAI_PAGE_SIZE", oai_pmh.PAGE_SIZE))
    return Response(body, status=status, content_type="text/xml; charset=utf-8")
