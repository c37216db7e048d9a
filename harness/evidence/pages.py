"""The pages a person reads first: the certification summary and the
traceability matrix. Static HTML, no scripts, relative links only, so the
bundle reads the same from a disk, a share or a web server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from harness.evidence.schemes import DOCUMENTARY, MET, NOT_MET, NOT_TESTED, SchemeVerdict
from harness.evidence.traceability import INCONCLUSIVE, NOT_COVERED, PointRow, unit_profile

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.passed{background:#dff3df}.failed{background:#f8d7d7}.broken{background:#fbe7c6}
.skipped,.not-covered{background:#eee;color:#666}.inconclusive{background:#e8e0f3}
.met{background:#dff3df}.not-met{background:#f8d7d7}.not-tested,.incomplete{background:#eee}
.needs-documentary-review{background:#fdf6d8}
.warning{border:2px solid #c00;padding:.5rem;color:#900;font-weight:bold}
code{font-size:.9em}
"""


@dataclass(frozen=True)
class CampaignFacts:
    campaign_id: str
    date: str
    lab: str
    identity: dict[str, str]  # DUT identity: model, manufacturer, image hash, MAC ...
    fingerprint: str
    key_kind: str
    report_link: str  # relative link to the allure report
    test_links: dict[str, str]  # nodeid -> link to the test in the allure report


def _css_class(verdict: str) -> str:
    return verdict.replace(" ", "-")


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def verdict_counts(points: list[PointRow]) -> Counter[str]:
    """Tests per verdict, each test once even when it covers several clauses."""
    seen = {}
    for point in points:
        for clause in point.clauses:
            for test in clause.tests:
                seen[test.nodeid] = test.verdict
    return Counter(seen.values())


def _matrix_table(points: list[PointRow], facts: CampaignFacts, with_evidence: bool) -> str:
    header = "<tr><th>Point</th><th>Clause</th><th>Standard</th><th>Requirement</th><th>Verdict</th><th>Tests</th>"
    header += "<th>Evidence</th></tr>" if with_evidence else "</tr>"
    rows = []
    for point in points:
        for clause in point.clauses:
            tests = "<br>".join(
                f'<a href="{escape(facts.test_links.get(t.nodeid, facts.report_link))}">{escape(t.name)}</a>'
                f' <span class="{t.status}">{t.status}</span>'
                + (f" <small>(failed on <code>{escape(t.judged_clause)}</code>)</small>"
                   if t.status == INCONCLUSIVE and t.judged_clause else "")
                + (f"<br><small>{escape(t.message)}</small>" if t.message and t.status != "passed" else "")
                for t in clause.tests
            ) or "-"
            row = (
                f'<tr id="{escape(clause.id)}" data-clause="{escape(clause.id)}" data-verdict="{escape(clause.verdict)}">'
                f"<td>{escape(point.id)}</td><td><code>{escape(clause.id)}</code>"
                + (f'<br><small class="optional" title="{escape(clause.optional)}">optional</small>' if clause.optional else "")
                + "</td>"
                f"<td>{escape(clause.standard)} {escape(clause.section)}</td><td>{escape(clause.title)}</td>"
                f'<td class="{_css_class(clause.verdict)}">{escape(clause.verdict)}</td><td>{tests}</td>'
            )
            if with_evidence:
                files = sorted({f for t in clause.tests for f in t.evidence})
                row += "<td>" + ("<br>".join(f'<a href="{escape(f)}">{escape(f)}</a>' for f in files) or "-") + "</td>"
            rows.append(row + "</tr>")
    return f"<table>{header}{''.join(rows)}</table>"


def render_traceability(points: list[PointRow], facts: CampaignFacts) -> str:
    body = (
        f"<h1>Traceability matrix</h1><p>Campaign <code>{escape(facts.campaign_id)}</code>, "
        f'<a href="summary.html">certification summary</a>, <a href="{escape(facts.report_link)}">allure report</a>.</p>'
        + _matrix_table(points, facts, with_evidence=True)
    )
    return _page(f"Traceability {facts.campaign_id}", body)


def _scheme_headline(scheme: SchemeVerdict) -> str:
    counts = scheme.counts
    judged = f"{counts[MET]} met, {counts[NOT_MET]} not met, {counts[NOT_TESTED]} not tested"
    return f"{scheme.headline} by test ({judged}); {counts[DOCUMENTARY]} need documentary review"


def _schemes_section(schemes: Sequence[SchemeVerdict], facts: CampaignFacts) -> str:
    """Per scheme: a headline, then each requirement with what decided it."""
    if not schemes:
        return ""
    headlines = "".join(
        f'<tr data-scheme="{escape(s.id)}" data-headline="{escape(s.headline)}"><td><a href="#scheme-{escape(s.id)}">'
        f'{escape(s.title)}</a></td><td class="{_css_class(s.headline)}">{escape(_scheme_headline(s))}</td></tr>'
        for s in schemes
    )
    parts = [f"<h2>Verdict per scheme</h2><p>One campaign read against each label scheme: a requirement is met when "
             f"every catalogue clause deciding it passed, not met when one failed, not tested otherwise; what no test "
             f"can decide is listed for documentary review.</p><table id=\"schemes\"><tr><th>Scheme</th><th>Headline</th>"
             f"</tr>{headlines}</table>"]
    for s in schemes:
        rows = "".join(
            f'<tr data-requirement="{escape(r.id)}" data-status="{escape(r.status)}"><td>{escape(r.id)}</td>'
            f"<td>{escape(r.title)}</td><td class=\"{_css_class(r.status)}\">{escape(r.status)}</td><td>"
            + (escape(r.documentary) if r.documentary else "<br>".join(
                f'<a href="traceability.html#{escape(c)}"><code>{escape(c)}</code></a> {escape(v)}' for c, v in r.clauses.items()))
            + "".join(f'<br>failed: <a href="{escape(facts.test_links.get(t, facts.report_link))}">{escape(t)}</a>'
                      for t in r.failing_tests)
            + "</td></tr>"
            for r in s.requirements
        )
        parts.append(f'<h3 id="scheme-{escape(s.id)}">{escape(s.title)}</h3><p><small>{escape(s.source)}<br>'
                     f"Scope: {escape(s.scope)}</small></p><table><tr><th>Requirement</th><th>Title</th><th>Status</th>"
                     f"<th>Decided by</th></tr>{rows}</table>")
    return "".join(parts)


def render_summary(points: list[PointRow], facts: CampaignFacts, schemes: Sequence[SchemeVerdict] = ()) -> str:
    counts = verdict_counts(points)
    identity = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts.identity.items())
    totals = "".join(
        f'<tr><th>{status}</th><td class="{status}" data-count="{status}">{counts.get(status, 0)}</td></tr>'
        for status in ("passed", "failed", "broken", "skipped")
    )
    per_point = "".join(
        f'<tr data-point="{escape(p.id)}" data-verdict="{escape(p.verdict)}"><td>{escape(p.id)}</td><td>{escape(p.title)}</td>'
        f'<td class="{_css_class(p.verdict)}">{escape(p.verdict)}</td>'
        f"<td>{sum(1 for c in p.clauses if c.verdict != NOT_COVERED)} of {len(p.clauses)}</td></tr>"
        for p in points
    )
    profile = "".join(
        f'<tr data-profile="{escape(u.point)}"><td>{escape(u.point)}</td>'
        f'<td data-mandatory-met="{u.mandatory_met}">{u.mandatory_met} of {u.mandatory}</td>'
        f'<td class="{"failed" if u.mandatory_failed else "passed"}">{u.mandatory_failed}</td>'
        f"<td>{u.optional_judged} of {u.optional}</td><td>{u.optional_met}</td>"
        f"<td><small>{escape(p.mandatory_basis)}</small></td></tr>"
        for p in points for u in [unit_profile(p)]
    )
    warning = (
        '<p class="warning" id="throwaway-key">Signed with a throw-away key made for this campaign: '
        "this bundle is not valid for submission. Configure the lab key (HARNESS_SIGNING_KEY).</p>"
        if facts.key_kind == "throwaway" else ""
    )
    body = f"""<h1>Certification summary</h1>
{warning}
<table>
<tr><th>Campaign</th><td id="campaign-id">{escape(facts.campaign_id)}</td></tr>
<tr><th>Date (UTC)</th><td>{escape(facts.date)}</td></tr>
<tr><th>Lab</th><td>{escape(facts.lab)}</td></tr>
<tr><th>Signature key</th><td id="fingerprint"><code>{escape(facts.fingerprint)}</code> ({escape(facts.key_kind)})</td></tr>
</table>
<h2>Device under test</h2><table>{identity}</table>
<h2>Results</h2><table id="totals">{totals}</table>
<p><a href="{escape(facts.report_link)}">Allure report</a> &middot; <a href="traceability.html">traceability matrix</a>
 &middot; <a href="traceability.json">traceability.json</a> &middot; <a href="manifest.json">manifest.json</a></p>
<h2>Unit profile</h2>
<p>Mandatory clauses bind every unit (a declaration cannot leave them out); optional ones are judged where the unit
declares them. Not met counts failed clauses; a mandatory clause neither met nor failed was not judged here.</p>
<table id="unit-profile"><tr><th>Point</th><th>Mandatory met</th><th>Mandatory failed</th><th>Optional judged</th>
<th>Optional met</th><th>Why mandatory</th></tr>{profile}</table>
<h2>Verdict per compliance point</h2>
<table><tr><th>Point</th><th>Compliance point</th><th>Verdict</th><th>Clauses covered</th></tr>{per_point}</table>
{_schemes_section(schemes, facts)}
<h2>Verdict per clause</h2>
{_matrix_table(points, facts, with_evidence=False)}
"""
    return _page(f"Certification summary {facts.campaign_id}", body)


def write_pages(root: Path, points: list[PointRow], facts: CampaignFacts, schemes: Sequence[SchemeVerdict] = ()) -> None:
    (root / "summary.html").write_text(render_summary(points, facts, schemes), encoding="utf-8")
    (root / "traceability.html").write_text(render_traceability(points, facts), encoding="utf-8")
