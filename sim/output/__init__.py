"""What a run produces and how it is shown: ``Results`` (tables, files), interval estimates
(``stats``), the summary, human labels, figures (``plots``) and HTML pages (``report``)."""
