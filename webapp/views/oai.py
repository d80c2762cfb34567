"""OAI-PMH 2.0 at /oai: the protocol lives in ``archive.interchange.oai_pmh``; this route only carries it.

A request with an invalid bearer token never reaches the protocol: ``webapp.auth`` refuses it
with ``invalid_token`` below, a 401 whose body is an OAI-PMH document with a ``badArgument``
error (the protocol has no code for credentials), so a harvester reads the reason as it reads
any other OAI-PMH error.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request
from lxml import etree

from archive.interchange import oai_pmh
from webapp import current_archive, current_viewer

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    # GET arguments in the query string, POST arguments form-encoded in the body (never both mixed).
    params = request.form.items(multi=True) if request.method == "POST" else request.args.items(multi=True)
    status, body = oai_pmh.handle(current_archive(), list(params), base_url=request.url_root,
                                  viewer=current_viewer(), endpoint=request.base_url,
                                  admin_email=current_app.config.get("ARCHIVE_ADMIN_EMAIL"),
                                  page_size=current_app.config.get("OAI_PAGE_SIZE", oai_pmh.PAGE_SIZE))
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def invalid_token(detail: str, challenge: str) -> Response:
    """The 401 for an invalid bearer token, as an OAI-PMH error document."""
    ns = oai_pmh.OAI_NS
    root = etree.Element(f"{{{ns}}}OAI-PMH", nsmap={None: ns, "xsi": oai_pmh.XSI_NS})
    root.set(f"{{{oai_pmh.XSI_NS}}}schemaLocation", f"{ns} {oai_pmh.OAI_SCHEMA}")
    etree.SubElement(root, f"{{{ns}}}responseDate").text = oai_pmh.utc(
        datetime.now(timezone.utc).replace(microsecond=0))
    etree.SubElement(root, f"{{{ns}}}request").text = request.base_url  # no attributes: the request was refused
    etree.SubElement(root, f"{{{ns}}}error", code="badArgument").text = detail
    body = oai_pmh.styled_xml(root)
    response = Response(body, status=401, content_type="text/xml; charset=utf-8",
                        headers={"WWW-Authenticate": challenge})
    response.cache_control.no_store = True
    return response
