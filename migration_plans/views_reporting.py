"""The committee report of a programme: a printable page, a PDF (WeasyPrint) and an XLSX workbook, all dated and
built from the same figures as the programme page."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone

from migration_plans import selectors
from migration_plans.charts import burndown_svg
from migration_plans.models import Programme
from migration_plans.selectors_reporting import programme_narrative, wave_narrative

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_context(programme: Programme) -> dict:
    data = selectors.programme_dashboard(programme=programme)
    for row in data["waves"]:
        row["narrative"] = wave_narrative(row["wave"], row["progress"], row["rag"])
    return {
        "programme": programme, "data": data, "generated": timezone.localtime(),
        "narrative": programme_narrative(programme, data),
        "burndown_svg": burndown_svg(data["burndown"]["points"], title=f"{programme.name}: items remaining, "
                                                                         "planned against actual"),
    }


@permission_required("migration_plans.view_programme", raise_exception=True)
def programme_report(request, pk: int):
    programme = get_object_or_404(Programme, pk=pk)
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", "pdf", "xlsx"):
        return HttpResponse("Choose format=html, pdf or xlsx.", status=400, content_type="text/plain")
    context = report_context(programme)
    stamp = context["generated"].strftime("%Y-%m-%d")
    if fmt == "xlsx":
        response = HttpResponse(report_xlsx(context), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{programme.slug}-report-{stamp}.xlsx"'
        return response
    if fmt == "pdf":
        from weasyprint import HTML  # imported here: Pango loads only when a PDF is asked for

        html = render_to_string("migration_plans/report_pdf.html", context, request=request)
        pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{programme.slug}-report-{stamp}.pdf"'
        return response
    return render(request, "migration_plans/report.html", context)


def _no_fetch(url: str, *args, **kwargs):
    """The PDF is self-contained (inline CSS and SVG): WeasyPrint fetches nothing, from anywhere."""
    raise ValueError(f"not fetched: {url[:80]}")


def report_xlsx(context: dict) -> bytes:
    """One sheet per table, with real dates and numbers (money as numbers in a £ format)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    gbp = '"£"#,##0.00;-"£"#,##0.00'
    data = context["data"]
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Programme", context["programme"].name])
    summary.append(["Report date", context["generated"].date()])
    summary.append(["Summary", context["narrative"]])
    summary["B2"].number_format = "dd/mm/yyyy"

    waves = book.create_sheet("Waves")
    waves.append(["Wave", "Kind", "Status", "RAG", "RAG reason", "Exceptions", "Items", "Done", "Done %",
                  "Planned start", "Planned end", "Approved", "Narrative"])
    for r in data["waves"]:
        w = r["wave"]
        waves.append([w.name, w.get_kind_display(), w.get_status_display(), r["rag"].short, r["rag"].reason,
                      " ".join(r["rag"].exceptions), r["progress"].total, r["progress"].done,
                      r["progress"].percent / 100, w.planned_start, w.planned_end,
                      timezone.localtime(w.approved_at).replace(tzinfo=None) if w.approved_at else None,
                      r["narrative"]])
    for row in waves.iter_rows(min_row=2):
        row[8].number_format = "0%"
        row[9].number_format = row[10].number_format = "dd/mm/yyyy"
        row[11].number_format = "dd/mm/yyyy hh:mm"

    budget = book.create_sheet("Budget")
    budget.append(["Financial year", "Category", "Description", "Planned", "Actual", "Variance (actual − planned)",
                   "Over/under"])
    for line in data["budget"]["lines"]:
        budget.append([line.financial_year, line.get_category_display(), line.description, line.planned,
                       line.actual, line.actual - line.planned, _over_under(line.planned, line.actual)])
    budget.append([])
    for period, label in (("to_date", "To date"), ("year", f"This year ({data['budget']['financial_year']})")):
        for m in data["budget"][period]:
            budget.append([label, m.label, "", m.planned, m.actual, m.variance, m.variance_text])
    for row in budget.iter_rows(min_row=2):
        for cell in row[3:6]:
            cell.number_format = gbp

    savings = book.create_sheet("Savings")
    savings.append(["Financial year", "Source", "Forecast", "Realised"])
    for line in data["savings"]["lines"]:
        savings.append([line.financial_year, line.description, line.forecast, line.realised])
    for row in savings.iter_rows(min_row=2):
        for cell in row[2:4]:
            cell.number_format = gbp

    chart = book.create_sheet("Burndown")
    chart.append(["Month", "Planned remaining", "Actual remaining", "Unsupported or ageing remaining"])
    for p in data["burndown"]["points"]:
        chart.append([p["month_start"], p["planned"], p["actual"], p["unsupported"]])
    for row in chart.iter_rows(min_row=2):
        row[0].number_format = "mmm yyyy"
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _over_under(planned: Decimal, actual: Decimal) -> str:
    from migration_plans.selectors_reporting import variance_text

    return variance_text(planned, actual)
