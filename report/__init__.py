"""The quality report: a static site of what the database holds (`nianbao report --out DIR`).

queries (the one module that reads the database), coverage (the agencies x years matrix),
printed_tables (a report's tables as printed, cells marked), plots (matplotlib, CJK font by path:
fonts), site (the pages, Jinja2 templates in report/templates), screenshot (headless Chromium).
"""
