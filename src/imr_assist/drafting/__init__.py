"""Drafting: plain-language summaries and resubmission/appeal drafts from a letter's record.

Everything here is deterministic and offline: templates in `prompts/` (Jinja2), data in
`prompts/reasons/reasons.toml` and `prompts/drafting.toml`, and faithfulness checks
(`checks.py`) that every draft must pass before a command reports success.
"""

from __future__ import annotations

from .build import DraftResult, render_draft, render_summary

__all__ = ["DraftResult", "render_draft", "render_summary"]
