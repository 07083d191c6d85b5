"""The citizens' rating pages: ``/rate``, short links ``/r/<short>``, codes ``/v/<code>``, the
steps of an answer, and ``/privacy``.

One question per page, native controls, GET for choosing and POST-redirect-GET for answers,
so every page works without JavaScript and the back button never sends an answer twice (the
form token does the rest: ``server.web_channel.answers``). The language and the embedded
look travel in the URLs and forms, never in a cookie: these pages set none. ``docs/web.md``
lists every route, field, limit and status code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from common.catalog import Catalog, Service
from common.records import Channel
from server.db import catalogs, utc_now
from server.web.site import Site
from server.web.templating import (
    LANGUAGES,
    N_,
    SECURITY_HEADERS,
    Page,
    Templates,
    language_of,
)
from server.web_channel import limits, links, quiet_log
from server.web_channel.answers import NeedsWork, Refused, SoftChecks, WebChannel, clean_comment
from server.web_channel.catalog_view import center_catalog, rated_centers
from server.web_channel.codes import check_code, format_code, normalise_code
from server.web_channel.faces import face_svg
from server.web_channel.fonts import FontSet, WebFonts
from server.web_channel.settings import WebSettings
from server.web_channel.tokens import FormToken, Step, TokenError
from server.web_channel.words import SCALE, kiosk_word, kiosk_words
from server.web_channel.work import Challenge

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_FORM_BYTES = 32 * 1024
HONEYPOT = "website"
CACHE = {"Cache-Control": "public, max-age=3600"}
FONT_CACHE = {"Cache-Control": "public, max-age=31536000, immutable"}
PROBLEM_TITLES = {
    "token_invalid": N_("This form could not be read"),
    "token_expired": N_("This page has expired"),
    "code_unknown": N_("We do not know this code"),
    "code_spent": N_("This code was already used"),
    "code_expired": N_("This code has expired"),
    "code_revoked": N_("This code is no longer valid"),
    "no_catalog": N_("This cannot be rated here any more"),
    "unknown_service": N_("This cannot be rated here any more"),
    "unknown_link": N_("We do not know this link"),
    "too_large": N_("This answer is too long"),
}
PROBLEM_STATUS = {
    "token_invalid": 400,
    "token_expired": 410,
    "code_unknown": 404,
    "code_spent": 410,
    "code_expired": 410,
    "code_revoked": 410,
    "no_catalog": 410,
    "unknown_service": 410,
    "unknown_link": 404,
    "too_large": 413,
}
"""Why a page is refused (``docs/web.md``, "Status codes and error pages")."""


@dataclass(frozen=True)
class Nav:
    """The page's language and look, carried by every link and form of an answer."""

    lang: str
    embed: bool

    def url(self, path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        query["lang"] = self.lang
        if self.embed:
            query["embed"] = "1"
        return f"{path}?{urlencode(query)}"

    def switched(self, path: str, **params: Any) -> str:
        """The same page in the other language."""
        return Nav("en" if self.lang == "ka" else "ka", self.embed).url(path, **params)


@dataclass(frozen=True)
class _Step:
    """A step of the web rating with its token checked: where it came from and the token."""

    nav: Nav
    token: FormToken
    token_text: str


@dataclass(frozen=True)
class _Posted(_Step):
    """A step's form as sent, with its token checked and the soft checks it carries."""

    form: FormData
    soft: SoftChecks


def _nav_of(request: Request, form: FormData | None = None) -> Nav:
    source: Any = form if form is not None else request.query_params
    lang = source.get("lang")
    if lang not in LANGUAGES:
        lang = language_of(request)
    return Nav(str(lang), source.get("embed") == "1")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def page_headers(settings: WebSettings) -> dict[str, str]:
    """The pages' security headers: framing allowed to the configured origins only."""
    headers = dict(SECURITY_HEADERS)
    ancestors = " ".join(("'self'", *settings.embed_origins))
    headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    # Browsers heed frame-ancestors over X-Frame-Options; older ones know only the latter,
    # which cannot name other origins.
    headers["X-Frame-Options"] = "SAMEORIGIN"
    if settings.embed_origins:
        headers.pop("X-Frame-Options")
    headers["Cache-Control"] = "no-store"
    return headers


def routes(site: Site, templates: Templates, settings: WebSettings | None = None) -> APIRouter:
    settings = settings or WebSettings.from_env()
    web = WebChannel(site.engine, settings)
    fonts = WebFonts()
    headers = page_headers(settings)
    custom_css = Path(settings.custom_css) if settings.custom_css else None
    router = APIRouter(include_in_schema=False)
    quiet_log.install()

    def render(
        request: Request, nav: Nav, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        page = Page(request, nav.lang)
        response = templates.render(
            page,
            name,
            status_code,
            nav=nav,
            k=kiosk_words(nav.lang).gettext,
            fonts_css=_fonts_css(),
            custom_css=custom_css is not None,
            token_hours=max(1, settings.token_max_age_s // 3600),
            **context,
        )
        del response.headers["set-cookie"]  # no cookie on the citizens' pages
        del response.headers["x-frame-options"]
        response.headers.update(headers)
        return response

    def problem(request: Request, nav: Nav, reason: str) -> HTMLResponse:
        page = Page(request, nav.lang)
        # The other language of a refused form is the start: a POST cannot be fetched again.
        path = request.url.path if request.method == "GET" else "/rate"
        return render(
            request,
            nav,
            "rate/problem.html",
            PROBLEM_STATUS[reason],
            title=page._(PROBLEM_TITLES[reason]),
            reason=reason,
            here=nav.switched(path),
        )

    def _fonts_css() -> str | None:
        chosen = fonts_for_pages()
        return f"/static/fonts/{chosen.digest}.css" if chosen else None

    def known_centers() -> set[str]:
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            return {c[0] for c in rated_centers(conn)}

    font_texts: dict[tuple[Any, ...], str] = {}

    def fonts_for_pages() -> FontSet | None:
        """The fonts for every text the pages can show now (centers, catalogs, words)."""
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            centers = rated_centers(conn)
            etags = tuple(conn.execute(select(catalogs.c.etag).order_by(catalogs.c.scope)))
            fingerprint = (tuple(centers), etags)
            if fingerprint not in font_texts:
                texts = [name for _id, ka, en in centers for name in (ka, en)]
                for center_id, _ka, _en in centers:
                    catalog = center_catalog(conn, center_id)
                    texts += catalog.texts() if catalog else []
                theme = site.theme.municipality
                texts += [theme.ka, theme.en] if theme else []
                font_texts.clear()
                font_texts[fingerprint] = "".join(texts) + _words_text()
        return fonts.for_text(font_texts[fingerprint])

    # -- static files -------------------------------------------------------------------------

    @router.get("/static/rate.css")
    def rate_css() -> FileResponse:
        return FileResponse(STATIC_DIR / "rate.css", media_type="text/css", headers=CACHE)

    @router.get("/static/rate.js")
    def rate_js() -> FileResponse:
        return FileResponse(STATIC_DIR / "rate.js", media_type="text/javascript", headers=CACHE)

    @router.get("/static/embed.js")
    def embed_js() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "embed.js",
            media_type="text/javascript",
            headers={**CACHE, "Access-Control-Allow-Origin": "*"},
        )

    @router.get("/static/rate-custom.css")
    def rate_custom_css() -> Response:
        if custom_css is None or not custom_css.is_file():
            return Response(status_code=404)
        return FileResponse(custom_css, media_type="text/css", headers=CACHE)

    @router.get("/static/fonts/{digest}.css")
    def fonts_css(digest: str) -> Response:
        found = fonts.get(digest) or fonts_for_pages()
        if found is None or found.digest != digest:
            return Response(status_code=404)
        return Response(found.css, media_type="text/css", headers=FONT_CACHE)

    @router.get("/static/fonts/{digest}/{face}.woff")
    def font_file(digest: str, face: str) -> Response:
        found = fonts.get(digest)
        if found is None or face not in found.files:
            return Response(status_code=404)
        return Response(found.files[face], media_type="font/woff", headers=FONT_CACHE)

    # -- choosing what to rate ----------------------------------------------------------------

    @router.get("/rate", response_class=HTMLResponse)
    def rate(request: Request) -> HTMLResponse:
        nav = _nav_of(request)
        page = Page(request, nav.lang)
        query = request.query_params
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            centers = rated_centers(conn)
            center_id = query.get("center") or None
            known = {c[0] for c in centers}
            if center_id is None and len(centers) == 1:
                center_id = centers[0][0]
            catalog = center_catalog(conn, center_id) if center_id in known else None
        if not centers:
            return render(
                request, nav, "rate/closed.html", title=page._("Citizens' feedback"),
                here=nav.switched("/rate"),
            )  # fmt: skip
        if center_id not in known or catalog is None:
            asked = "center" in query
            error = page._("Choose the service center you visited") if asked else None
            return render(
                request,
                nav,
                "rate/center.html",
                400 if asked else 200,
                title=page._("Which service center did you visit?"),
                centers=[(c[0], c[1] if nav.lang == "ka" else c[2]) for c in centers],
                errors=[("center-0", error)] if error else [],
                error=error,
                here=nav.switched("/rate"),
            )
        service_id = query.get("service")
        service = _service(catalog, service_id)
        if service is None:
            asked = "service" in query
            error = page._("Choose the program or service you used") if asked else None
            return render(
                request,
                nav,
                "rate/service.html",
                400 if asked else 200,
                title=kiosk_word(nav.lang, "Which program or service did you use?"),
                center_id=center_id,
                center_name=_center_name(centers, center_id, nav.lang),
                groups=_groups(catalog, nav.lang),
                errors=[("service-0", error)] if error else [],
                error=error,
                single_center=len(centers) == 1,
                here=nav.switched("/rate", center=center_id),
            )
        token = web.tokens.first(Channel.WEB_OPEN, center_id, service.id)
        challenge = web.challenge_for(token.nonce) if web.needs_work(_address(request)) else None
        return faces_page(
            request, nav, token, catalog, service, _center_name(centers, center_id, nav.lang),
            here=nav.switched("/rate", center=center_id, service=service.id),
            challenge=challenge,
        )  # fmt: skip

    @router.get("/r/{short}", response_class=HTMLResponse)
    def short_link(request: Request, short: str) -> Response:
        nav = _nav_of(request)
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            found = links.resolve(conn, short)
        if found is None:
            return problem(request, nav, "unknown_link")
        center_id, service_id = found
        return RedirectResponse(nav.url("/rate", center=center_id, service=service_id), 303)

    # -- codes --------------------------------------------------------------------------------

    @router.get("/v", response_class=HTMLResponse)
    def code_form(request: Request) -> Response:
        nav = _nav_of(request)
        page = Page(request, nav.lang)
        typed = request.query_params.get("code")
        error = None
        if typed is not None:
            normal = normalise_code(typed)
            if normal is not None:
                return RedirectResponse(nav.url(f"/v/{format_code(normal)}"), 303)
            error = page._("Enter the code as it is printed: 12 letters and digits")
        return render(
            request,
            nav,
            "rate/code.html",
            400 if error else 200,
            title=page._("Enter the code from your slip"),
            errors=[("code", error)] if error else [],
            error=error,
            typed=typed or "",
            here=nav.switched("/v"),
        )

    @router.get("/v/{code}", response_class=HTMLResponse)
    def code_page(request: Request, code: str) -> Response:
        nav = _nav_of(request)
        page = Page(request, nav.lang)
        normal = normalise_code(code)
        now = utc_now()
        key = web.keys.code
        with site.engine.begin() as conn:
            hashed = limits.address_hash(conn, _address(request), now)
            if limits.codes_refused(conn, hashed, now, settings):
                wait = limits.retry_after(now, settings.limit_window_s)
                return too_many_codes(request, nav, wait)
            state = check_code(conn, key, normal, now) if normal else None
            if state is None or state.state == "unknown":
                limits.note_code_failure(conn, hashed, now, settings)
            centers = rated_centers(conn)
            catalog = None
            if state is not None and state.center_id is not None:
                catalog = center_catalog(conn, state.center_id)
        if state is None or state.state != "ok":
            reason = "code_unknown" if state is None else f"code_{state.state}"
            return problem(request, nav, reason)
        assert state.center_id is not None and state.service_id is not None and normal
        service = _service(catalog, state.service_id) if catalog else None
        if catalog is None or service is None:
            return problem(request, nav, "unknown_service")
        token = web.tokens.first(Channel.WEB_VERIFIED, state.center_id, service.id, code=normal)
        return faces_page(
            request, nav, token, catalog, service,
            _center_name(centers, state.center_id, nav.lang) or page._("Citizens' feedback"),
            here=nav.switched(f"/v/{format_code(normal)}"),
        )  # fmt: skip

    def too_many_codes(request: Request, nav: Nav, wait: int) -> HTMLResponse:
        page = Page(request, nav.lang)
        response = render(
            request,
            nav,
            "rate/too_many_codes.html",
            429,
            title=page._("Too many codes were tried"),
            minutes=max(1, -(-wait // 60)),
            here=nav.switched("/v"),
        )
        response.headers["Retry-After"] = str(wait)
        return response

    # -- the answer ---------------------------------------------------------------------------

    def faces_page(
        request: Request,
        nav: Nav,
        token: FormToken,
        catalog: Catalog,
        service: Service,
        center_name: str,
        *,
        here: str,
        token_text: str | None = None,
        error: str | None = None,
        challenge: Challenge | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        return render(
            request,
            nav,
            "rate/faces.html",
            status_code,
            title=catalog.question_for(service, nav.lang),
            service_name=service.name.get(nav.lang),
            center_name=center_name,
            verified=token.channel == Channel.WEB_VERIFIED,
            token=token_text or web.tokens.dump(token),
            scale=[(step, face_svg(step.score)) for step in SCALE],
            errors=[("score-1", error)] if error else [],
            error=error,
            challenge=challenge,
            here=here,
        )

    async def read_form(request: Request) -> FormData | None:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
            return None
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return None
        return await request.form()

    def load_token(text: str, step: Step) -> FormToken | str:
        try:
            return web.tokens.load(text, step)
        except TokenError as exc:
            return f"token_{exc.kind}"

    def opened(request: Request, step: Step) -> _Step | HTMLResponse:
        """A step's page asked for with its token in the address, or the problem page."""
        nav = _nav_of(request)
        token_text = request.query_params.get("t", "")
        token = load_token(token_text, step)
        if isinstance(token, str):
            return problem(request, nav, token)
        return _Step(nav, token, token_text)

    async def posted(request: Request, step: Step) -> _Posted | HTMLResponse:
        """A step's form as sent, once its size and token are checked, or the problem page."""
        form = await read_form(request)
        nav = _nav_of(request, form)
        if form is None:
            return problem(request, nav, "too_large")
        token_text = _text(form, "token")
        token = load_token(token_text, step)
        if isinstance(token, str):
            return problem(request, nav, token)
        soft = SoftChecks(honeypot_filled=bool(_text(form, HONEYPOT)))
        return _Posted(nav, token, token_text, form, soft)

    @router.post("/rate/answer", response_class=HTMLResponse)
    async def answer(request: Request) -> Response:
        sent = await posted(request, "rating")
        if not isinstance(sent, _Posted):
            return sent
        nav, token, token_text = sent.nav, sent.token, sent.token_text
        score_text = _text(sent.form, "score")
        score = int(score_text) if score_text in ("1", "2", "3", "4", "5") else None
        if score is None:
            error = Page(request, nav.lang)._("Choose a face")
            return await run_in_threadpool(faces_again, request, nav, token, token_text, error)
        altcha = _text(sent.form, "altcha")
        try:
            following = await run_in_threadpool(
                web.rate, token, score, nav.lang, sent.soft, _address(request), altcha
            )
        except Refused as exc:
            return problem(request, nav, exc.reason)
        except NeedsWork as exc:
            return needs_work(request, nav, token_text, score, exc)
        return RedirectResponse(step_url(nav, following), 303)

    def faces_again(
        request: Request, nav: Nav, token: FormToken, token_text: str, error: str
    ) -> HTMLResponse:
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            catalog = center_catalog(conn, token.center_id)
            names = rated_centers(conn)
        service = _service(catalog, token.service_id) if catalog else None
        if catalog is None or service is None:
            return problem(request, nav, "unknown_service")
        here = (
            nav.switched("/rate", center=token.center_id, service=service.id)
            if token.channel == Channel.WEB_OPEN
            else nav.switched("/v")
        )
        return faces_page(
            request, nav, token, catalog, service, _center_name(names, token.center_id, nav.lang),
            here=here, token_text=token_text, error=error, status_code=400,
        )  # fmt: skip

    def needs_work(
        request: Request, nav: Nav, token_text: str, score: int, exc: NeedsWork
    ) -> HTMLResponse:
        page = Page(request, nav.lang)
        response = render(
            request,
            nav,
            "rate/too_many.html",
            429,
            title=page._("Please wait a moment"),
            token=token_text,
            score=score,
            challenge=exc.challenge,
            minutes=max(1, -(-exc.retry_after_s // 60)),
            here=nav.switched("/rate"),
        )
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    def step_url(nav: Nav, token: FormToken) -> str:
        return nav.url(f"/rate/{token.step}", t=web.tokens.dump(token))

    @router.get("/rate/reasons", response_class=HTMLResponse)
    def reasons_page(request: Request) -> HTMLResponse:
        step = opened(request, "reasons")
        if not isinstance(step, _Step):
            return step
        return reasons_form(request, step.nav, step.token, step.token_text)

    def reasons_form(
        request: Request,
        nav: Nav,
        token: FormToken,
        token_text: str,
        error: str | None = None,
        chosen: tuple[str, ...] = (),
    ) -> HTMLResponse:
        with site.engine.connect() as conn:
            conn.execution_options(read_only=True)
            catalog = center_catalog(conn, token.center_id)
        service = _service(catalog, token.service_id) if catalog else None
        if catalog is None or service is None:
            return problem(request, nav, "unknown_service")
        low = (token.score or 0) <= catalog.low_max
        title = kiosk_word(
            nav.lang, "What was the main reason?" if low else "What did you like most?"
        )
        offered = [
            (r.id, r.text.get(nav.lang)) for r in catalog.reasons_for(service, token.score or 0)
        ]
        return render(
            request,
            nav,
            "rate/reasons.html",
            400 if error else 200,
            title=title,
            token=token_text,
            reasons=offered,
            chosen=chosen,
            service_name=service.name.get(nav.lang),
            errors=[(f"reason-{offered[0][0]}", error)] if error and offered else [],
            error=error,
            here=nav.switched("/rate/reasons", t=token_text),
        )

    @router.post("/rate/reasons", response_class=HTMLResponse)
    async def reasons_answer(request: Request) -> Response:
        sent = await posted(request, "reasons")
        if not isinstance(sent, _Posted):
            return sent
        nav, token, token_text = sent.nav, sent.token, sent.token_text
        chosen = [v for v in sent.form.getlist("reason") if isinstance(v, str)]
        if _text(sent.form, "action") == "skip":
            chosen = []
        try:
            following = await run_in_threadpool(
                web.give_reasons, token, chosen, nav.lang, sent.soft
            )
        except Refused as exc:
            if exc.reason != "unknown_reason":
                return problem(request, nav, exc.reason)
            error = Page(request, nav.lang)._("Choose reasons from the list")
            return await run_in_threadpool(
                reasons_form, request, nav, token, token_text, error, tuple(chosen)
            )
        return RedirectResponse(step_url(nav, following), 303)

    @router.get("/rate/comment", response_class=HTMLResponse)
    def comment_page(request: Request) -> HTMLResponse:
        step = opened(request, "comment")
        if not isinstance(step, _Step):
            return step
        return comment_form(request, step.nav, step.token_text)

    def comment_form(
        request: Request, nav: Nav, token_text: str, text: str = "", error: str | None = None
    ) -> HTMLResponse:
        template = kiosk_word(nav.lang, "{count} of {limit} characters")
        return render(
            request,
            nav,
            "rate/comment.html",
            400 if error else 200,
            title=kiosk_word(nav.lang, "Would you like to add a comment?"),
            token=token_text,
            text=text,
            limit=settings.comment_max,
            count_template=template,
            count_text=template.format(count=len(text), limit=settings.comment_max),
            errors=[("comment", error)] if error else [],
            error=error,
            here=nav.switched("/rate/comment", t=token_text),
        )

    @router.post("/rate/comment", response_class=HTMLResponse)
    async def comment_answer(request: Request) -> Response:
        sent = await posted(request, "comment")
        if not isinstance(sent, _Posted):
            return sent
        nav, token, token_text, form = sent.nav, sent.token, sent.token_text, sent.form
        text = "" if _text(form, "action") == "skip" else clean_comment(_text(form, "comment"))
        if len(text) > settings.comment_max:
            page = Page(request, nav.lang)
            error = page.ngettext(
                "The comment can be at most %(num)d character long",
                "The comment can be at most %(num)d characters long",
                settings.comment_max,
            ) % {"num": settings.comment_max}
            return comment_form(request, nav, token_text, text, error)
        try:
            await run_in_threadpool(web.comment, token, text, nav.lang, sent.soft)
        except Refused as exc:
            return problem(request, nav, exc.reason)
        return RedirectResponse(nav.url("/rate/thanks", center=token.center_id), 303)

    @router.get("/rate/thanks", response_class=HTMLResponse)
    def thanks(request: Request) -> HTMLResponse:
        nav = _nav_of(request)
        center = request.query_params.get("center", "")
        return render(
            request,
            nav,
            "rate/thanks.html",
            title=kiosk_word(nav.lang, "Thank you!"),
            again=nav.url("/rate", center=center if center in known_centers() else None),
            here=nav.switched("/rate/thanks", center=center),
        )

    @router.get("/privacy", response_class=HTMLResponse)
    def privacy(request: Request) -> HTMLResponse:
        nav = _nav_of(request)
        page = Page(request, nav.lang)
        return render(
            request,
            nav,
            "rate/privacy.html",
            title=page._("Privacy: what is kept when you rate"),
            settings=settings,
            window_minutes=max(1, settings.limit_window_s // 60),
            public_min_n=site.settings.public_min_n,
            here=nav.switched("/privacy"),
        )

    return router


def _service(catalog: Catalog | None, service_id: str | None) -> Service | None:
    if catalog is None or not service_id:
        return None
    try:
        return catalog.service(service_id)
    except KeyError:
        return None


def _center_name(centers: list[tuple[str, str, str]], center_id: str, lang: str) -> str:
    for cid, name_ka, name_en in centers:
        if cid == center_id:
            return name_ka if lang == "ka" else name_en
    return ""


def _groups(catalog: Catalog, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(category name, [(service id, name)]) in catalog order, categories without services
    left out."""
    groups = []
    for category in catalog.categories:
        services = [(s.id, s.name.get(lang)) for s in catalog.services if s.category == category.id]
        if services:
            groups.append((category.name.get(lang), services))
    return groups


@cache
def _words_text() -> str:
    """Every character of the two translation catalogs the pages read, for the fonts."""
    texts = []
    for path in _catalog_sources():
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return "".join(texts)


def _catalog_sources() -> list[Path]:
    from server.web.templating import LOCALE_DIR
    from server.web_channel.words import KIOSK_DOMAIN, kiosk_locale_dir

    sources = [LOCALE_DIR / "ka" / "LC_MESSAGES" / "server.po"]
    kiosk = kiosk_locale_dir()
    if kiosk is not None:
        sources.append(kiosk / "ka" / "LC_MESSAGES" / f"{KIOSK_DOMAIN}.po")
    return sources
