"""Review pages: a letter with every extracted value highlighted at its evidence.

`imr-assist review` writes them for extracted letters (`pages`), `imr-assist eval --html`
for gold vs predicted (`eval_page`). Both draw from one model (`model`: marks and
segments) and one template set (`prompts/review/`, rendered by `render`).
"""
