"""Survey reports: monthly roll-ups (``rollups``), the figures (``selectors``), SVG charts (``charts``),
CSV/XLSX export (``export``) and the staff's report pages (``views``, ``urls``). docs/survey-reports.md."""
