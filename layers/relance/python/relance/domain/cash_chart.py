"""The daily report's chart: cash collected per day, as a small PNG (Pillow, which fpdf2
already brings: no plotting library in the Lambda). Pure: bytes in memory."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw

WIDTH, HEIGHT, MARGIN = 600, 180, 20
BAR = (37, 99, 235)
AXIS = (148, 163, 184)
WEEKEND = (226, 232, 240)


def cash_in_png(days: Sequence[tuple[date, Decimal]]) -> bytes:
    """One bar per day (weekends shaded), scaled to the highest day; an empty baseline
    when nothing was collected."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    base = HEIGHT - MARGIN
    draw.line([(MARGIN, base), (WIDTH - MARGIN, base)], fill=AXIS, width=1)
    if days:
        highest = max((a for _, a in days), default=Decimal(0))
        step = (WIDTH - 2 * MARGIN) / len(days)
        for i, (d, amount) in enumerate(days):
            left = MARGIN + i * step
            if d.weekday() >= 5:
                draw.rectangle([left, MARGIN, left + step - 1, base - 1], fill=WEEKEND)
            if highest > 0 and amount > 0:
                # A day of a few euros beside a day of thousands still shows a 1-px bar
                # (and Pillow refuses a rectangle whose top is below its bottom).
                top = min(base - float(amount / highest) * (base - MARGIN), base - 2)
                draw.rectangle([left + 1, top, left + step - 2, base - 1], fill=BAR)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
