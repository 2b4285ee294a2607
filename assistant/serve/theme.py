"""The app's look: a theme of system fonts only (it works offline) and its CSS.

The CSS styles highlighted words, quoted passages, wrapped footnotes and the verdict badge;
its `#ids` are the `elem_id`s that `app.py`'s layout gives its components.
"""

from __future__ import annotations

import gradio as gr

SYSTEM_FONTS: list[str | gr.themes.Font] = [
    "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif",
]
MONO_FONTS: list[str | gr.themes.Font] = [
    "ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace",
]
# System fonts only: the default theme would fetch web fonts, and the app must work offline.
THEME = gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)
CSS = """
mark { background: #fff3a3; color: inherit; padding: 0 1px; }
#chat blockquote, #verdict-evidence blockquote, #citation-lookup blockquote {
  border-left: 3px solid #94a3b8; margin: 0.4em 0; padding-left: 0.8em; }
#chat details, #verdict-evidence details, #citation-lookup details { margin: 0.3em 0; }
/* Footnotes are long one-liners: wrap them, clear of the copy button. */
#chat pre, #verdict-evidence pre, #citation-lookup pre { padding-right: 2.5em; }
#chat pre code, #verdict-evidence pre code, #citation-lookup pre code {
  white-space: pre-wrap !important; overflow-wrap: anywhere; }
#verdict-badge { font-size: 1.4em; padding: 0.3em 0.6em; border-radius: 6px; }
#verdict-badge.verdict-supported { background: #dcfce7; border-left: 6px solid #16a34a; }
#verdict-badge.verdict-contradicted { background: #fee2e2; border-left: 6px solid #dc2626; }
#verdict-badge.verdict-not_found { background: #f1f5f9; border-left: 6px solid #64748b; }
#verdict-badge.verdict-error { background: #fef3c7; border-left: 6px solid #d97706; }
"""
