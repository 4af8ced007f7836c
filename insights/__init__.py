"""Recurring problems (共性问题) across submissions: no UI here, only the analysis.

Submissions are read through :class:`submissions.SubmissionStore`, embedded by the assistant's own
model (in the web service the action server's, asked over HTTP: :mod:`index.model_client`; vectors
cached by content hash in ``<DATA_DIR>/insights``), grouped by meaning (:mod:`insights.grouping`), labelled with jieba
keywords and masked example titles, counted by district and by month, and compared with the
previous period. :mod:`insights.duplicates` finds the open cases a case probably repeats.
``python -m benchmarks.grouping`` measures the grouping on a synthetic set with known groups.
"""
