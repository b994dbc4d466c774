"""Report writers: report.json (versioned schema), report.md, PNG plots."""

from benchmarks.report.build import SCHEMA, SCHEMA_VERSION, build_report
from benchmarks.report.markdown import render_markdown
from benchmarks.report.write import load_report, write_report

__all__ = [
    "SCHEMA", "SCHEMA_VERSION", "build_report", "load_report", "render_markdown",
    "write_report",
]
# benchmarks.report.plots is imported only when plots are written: matplotlib takes
# seconds to import and most callers (metrics, gates) never plot.
