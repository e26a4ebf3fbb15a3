from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from kindred.testing import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def serious_accessibility_violations(page) -> list[str]:
    """Axe-core violations with serious or critical impact, as readable lines."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
