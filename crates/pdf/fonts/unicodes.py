"""Writes the code points of the committed Noto Sans SC subset, one `U+XXXX` a line.

GB2312 (all 7,445 characters: 6,763 hanzi plus its symbols, full-width forms, kana,
Greek, Cyrillic and box drawing), printable ASCII, Latin-1, general punctuation,
CJK symbols and punctuation (〔〕【】《》「」…), full-width forms, enclosed numbers
(①…⑳) and the few symbols official documents use (№, ℃, ×, ÷, ±, ≤, ≥, ☑, ☐).
Run: python3 unicodes.py > unicodes.txt
"""

points = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            ch = bytes([hi, lo]).decode("gb2312")
        except UnicodeDecodeError:
            continue
        points.add(ord(ch))
points.update(range(0x20, 0x7F))      # ASCII
points.update(range(0xA0, 0x100))     # Latin-1 supplement
points.update(range(0x2000, 0x2070))  # general punctuation
points.update(range(0x2460, 0x24FF))  # enclosed alphanumerics ①…
points.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
points.update(range(0xFF00, 0xFFF0))  # half-width and full-width forms
points.update([0x2116, 0x2103, 0x00D7, 0x00F7, 0x00B1, 0x2264, 0x2265, 0x2611, 0x2610, 0x2713, 0x2714, 0x25A1, 0x25A0, 0x25CB, 0x25CF])
for p in sorted(points):
    print(f"U+{p:04X}")
