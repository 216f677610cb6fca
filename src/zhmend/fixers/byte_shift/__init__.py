"""repair_byte_shift: garbled runs left by a byte-level pinyin replace on GBK text.

A farm adds labels by replacing the GBK bytes of a character with those bytes plus
``(label)``; the replace also matches across a character boundary (``們如`` = ``82 83|C8 E7``
holds ``83 C8`` = 內), and its decoder turns the lead byte left before ``(`` into ``?``,
after which it decodes one byte out of step: ``人們?nèi)绾闻c`` for ``人們如何與``. See
docs/byte_shift.md.

The repair works on a window around an anchor: it turns the window back into the bytes it
came from (with NFKC folds undone), puts lost bytes back (the label's reading names the
falsely matched character, hence the lost byte; otherwise a language model chooses) and
decodes on the right boundary. Every span found is reported in ``ctx.notes["byte_shift"]``
with its status, and counted as ``byte_shift_<status>``.
"""

from __future__ import annotations

from .repair import repair_byte_shift

__all__ = ["repair_byte_shift"]
