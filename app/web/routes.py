"""Sign in, sign out, and the home page of each role."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for

from app.accounts import authenticate
from app.core.web import reading
from app.web import inbox_routes, portal_routes
from app.web.blueprint import bp
from app.web.session import STAFF, require_user, safe_next, start_session


@bp.get("/")
def home() -> Any:
    user = require_user()
    if user.role == "school":
        return portal_routes.school_home(user)
    if user.role in STAFF:
        return inbox_routes.inbox_page(user, request.args)
    return render_template("web/home_owner.html")


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> Any:
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        with reading():
            user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("web.home"))
        error = "Enter a correct email address and password"
    timed_out = request.args.get("timeout") == "1"
    page = render_template("web/login.html", error=error, email=email, timed_out=timed_out)
    return page, (401 if error else 200)


@bp.post("/sign-out")
def logout() -> Any:
    session.clear()
    return redirect(url_for("web.login"))
