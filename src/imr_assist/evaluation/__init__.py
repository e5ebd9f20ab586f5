"""Evaluation: score any extractor's records against gold fixtures, offline.

`scorer` compares one letter's gold dict with a predicted record, `grounding` checks that
predicted spans really contain their values, `runner` walks the suites, `report` writes
report.json / report.md, `thresholds` gates CI, `compare` diffs two reports.
"""
