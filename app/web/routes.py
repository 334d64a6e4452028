"""Sign-in, sign-out and the home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from app.accounts import authenticate, get_user
from app.cases import list_cases, list_tasks
from app.core.web import reading

bp = Blueprint("web", __name__, template_folder="templates")


def _signed_in_user() -> Any:
    user_id = session.get("user_id")
    return get_user(int(user_id)) if user_id else None


@bp.get("/")
def home() -> Any:
    with reading():
        user = _signed_in_user()
        if user is None:
            return redirect(url_for("web.login"))
        cases = (
            list_cases(user, status="open", per_page=50) if user.role != "process_owner" else None
        )
        tasks = list_tasks(user, per_page=50) if user.role != "process_owner" else None
        return render_template("web/home.html", user=user, cases=cases, tasks=tasks)


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> Any:
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        with reading():
            user = authenticate(email, request.form.get("password", ""))
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            session.permanent = True
            return redirect(url_for("web.home"))
        error = "Enter a correct email address and password"
    return render_template("web/login.html", error=error, email=email), (401 if error else 200)


@bp.post("/sign-out")
def logout() -> Any:
    session.clear()
    return redirect(url_for("web.login"))
