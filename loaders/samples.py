"""Sample documents in the nine languages, built with PyMuPDF and the Noto fonts.

Tests and `indexer.harness.measure.loaders` share them: a heading and two paragraphs per language (real
health-education text, the same as in tests/data/loaders/langid), laid out as a plain
page, a two-column page, a ruled table, a page whose text is shaped by HarfBuzz (correct
glyphs, but an Indic text layer that comes out garbled), and a scanned (image-only) page.

`insert_text` with a font file writes a correct text layer but does not shape Indic
text (glyphs in code point order, no conjuncts): right for testing extraction, wrong for
OCR. `insert_htmlbox` shapes correctly, so its rendering is what OCR gets to read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loaders.settings import settings

FONT_DIR = Path(settings().noto_dir)
SCRIPT_FONT = {"en": "NotoSans", "id": "NotoSans", "hi": "NotoSansDevanagari",
               "mr": "NotoSansDevanagari", "ne": "NotoSansDevanagari", "bn": "NotoSansBengali",
               "ta": "NotoSansTamil", "te": "NotoSansTelugu", "kn": "NotoSansKannada"}

# language: (heading, paragraph, paragraph)
SAMPLES: dict[str, tuple[str, str, str]] = {
    "en": (
        "Danger signs in newborns",
        "Hand washing is one of the most effective ways to prevent "
        "infection. Wet your hands, apply soap and rub all surfaces "
        "for at least twenty seconds. Rinse under running water and "
        "dry with a clean cloth.",
        "A newborn baby loses heat very quickly. Dry the baby "
        "immediately after birth, place the baby skin to skin on the "
        "mother's chest and cover both with a blanket. Delay the "
        "first bath for at least a day.",
    ),
    "hi": (
        "नवजात शिशु में खतरे के लक्षण",
        "हाथ धोना संक्रमण से बचने का सबसे असरदार तरीका है। हाथ गीले "
        "करें, साबुन लगाएँ और कम से कम बीस सेकंड तक रगड़ें। फिर बहते "
        "पानी से धोकर साफ़ कपड़े से पोंछ लें।",
        "नवजात शिशु का शरीर बहुत जल्दी ठंडा हो जाता है। जन्म के तुरंत"
        " बाद बच्चे को पोंछकर माँ की छाती से लगाएँ और दोनों को कंबल "
        "से ढक दें। पहला स्नान कम से कम एक दिन बाद कराएँ।",
    ),
    "bn": (
        "নবজাতকের বিপদের লক্ষণ",
        "হাত ধোয়া সংক্রমণ প্রতিরোধের সবচেয়ে কার্যকর উপায়। হাত "
        "ভিজিয়ে সাবান লাগান এবং অন্তত বিশ সেকেন্ড ধরে ঘষুন। তারপর "
        "প্রবহমান পানিতে ধুয়ে পরিষ্কার কাপড় দিয়ে মুছে নিন।",
        "নবজাতকের শরীর খুব তাড়াতাড়ি ঠান্ডা হয়ে যায়। জন্মের পরপরই "
        "শিশুকে মুছে মায়ের বুকে ত্বকের সঙ্গে ত্বক লাগিয়ে রাখুন এবং "
        "দুজনকে কাঁথা দিয়ে ঢেকে দিন। প্রথম গোসল অন্তত একদিন পরে "
        "করান।",
    ),
    "mr": (
        "नवजात बाळातील धोक्याची लक्षणे",
        "हात धुणे हा संसर्ग टाळण्याचा सर्वात प्रभावी उपाय आहे. हात "
        "ओले करा, साबण लावा आणि किमान वीस सेकंद चोळा. नंतर वाहत्या "
        "पाण्याने धुऊन स्वच्छ कपड्याने कोरडे करा.",
        "नवजात बाळाचे शरीर खूप लवकर थंड पडते. जन्मानंतर लगेच बाळाला "
        "पुसून आईच्या छातीशी लावा आणि दोघांना पांघरुणाने झाका. पहिली "
        "आंघोळ किमान एक दिवसानंतर घाला.",
    ),
    "ta": (
        "பச்சிளம் குழந்தையின் ஆபத்து அறிகுறிகள்",
        "கை கழுவுதல் தொற்றைத் தடுக்கும் மிகச் சிறந்த வழிகளில் ஒன்று. "
        "கைகளை நனைத்து, சோப்பு போட்டு, குறைந்தது இருபது விநாடிகள் "
        "தேயுங்கள். பின்னர் ஓடும் நீரில் அலசி, சுத்தமான துணியால் "
        "துடையுங்கள்.",
        "பச்சிளம் குழந்தையின் உடல் மிக விரைவாகக் குளிர்ந்து விடும். "
        "பிறந்தவுடன் குழந்தையைத் துடைத்து, தாயின் மார்போடு தோலோடு "
        "தோல் சேர்த்து வைத்து, இருவரையும் போர்வையால் மூடுங்கள். முதல்"
        " குளியலை ஒரு நாளாவது தள்ளிப் போடுங்கள்.",
    ),
    "te": (
        "నవజాత శిశువులో ప్రమాద సంకేతాలు",
        "చేతులు కడుక్కోవడం ఇన్ఫెక్షన్లను నివారించే అత్యంత "
        "ప్రభావవంతమైన మార్గాల్లో ఒకటి. చేతులు తడిపి, సబ్బు రాసి, "
        "కనీసం ఇరవై సెకన్ల పాటు రుద్దండి. తర్వాత పారే నీటిలో కడిగి "
        "శుభ్రమైన గుడ్డతో తుడవండి.",
        "నవజాత శిశువు శరీరం చాలా త్వరగా చల్లబడుతుంది. పుట్టిన వెంటనే "
        "బిడ్డను తుడిచి, తల్లి ఛాతీపై చర్మానికి చర్మం తాకేలా ఉంచి, "
        "ఇద్దరినీ దుప్పటితో కప్పండి. మొదటి స్నానం కనీసం ఒక రోజు "
        "తర్వాత చేయించండి.",
    ),
    "kn": (
        "ನವಜಾತ ಶಿಶುವಿನ ಅಪಾಯದ ಲಕ್ಷಣಗಳು",
        "ಕೈ ತೊಳೆಯುವುದು ಸೋಂಕು ತಡೆಯುವ ಅತ್ಯಂತ ಪರಿಣಾಮಕಾರಿ ವಿಧಾನಗಳಲ್ಲಿ "
        "ಒಂದು. ಕೈಗಳನ್ನು ಒದ್ದೆ ಮಾಡಿ, ಸೋಪು ಹಚ್ಚಿ, ಕನಿಷ್ಠ ಇಪ್ಪತ್ತು "
        "ಸೆಕೆಂಡುಗಳ ಕಾಲ ಉಜ್ಜಿ. ನಂತರ ಹರಿಯುವ ನೀರಿನಲ್ಲಿ ತೊಳೆದು ಸ್ವಚ್ಛ "
        "ಬಟ್ಟೆಯಿಂದ ಒರೆಸಿ.",
        "ನವಜಾತ ಶಿಶುವಿನ ದೇಹ ಬಹಳ ಬೇಗನೆ ತಣ್ಣಗಾಗುತ್ತದೆ. ಹುಟ್ಟಿದ ತಕ್ಷಣ "
        "ಮಗುವನ್ನು ಒರೆಸಿ, ತಾಯಿಯ ಎದೆಗೆ ಚರ್ಮಕ್ಕೆ ಚರ್ಮ ತಾಗುವಂತೆ ಇರಿಸಿ, "
        "ಇಬ್ಬರನ್ನೂ ಹೊದಿಕೆಯಿಂದ ಮುಚ್ಚಿ. ಮೊದಲ ಸ್ನಾನವನ್ನು ಕನಿಷ್ಠ ಒಂದು "
        "ದಿನದ ನಂತರ ಮಾಡಿಸಿ.",
    ),
    "ne": (
        "नवजात शिशुमा खतराका लक्षणहरू",
        "हात धुनु सङ्क्रमणबाट बच्ने सबैभन्दा प्रभावकारी उपाय हो। हात "
        "भिजाउनुहोस्, साबुन लगाउनुहोस् र कम्तीमा बीस सेकेन्डसम्म "
        "मिच्नुहोस्। त्यसपछि बगिरहेको पानीले पखालेर सफा कपडाले "
        "पुछ्नुहोस्।",
        "नवजात शिशुको शरीर धेरै छिटो चिसो हुन्छ। जन्मनेबित्तिकै "
        "बच्चालाई पुछेर आमाको छातीमा टाँसेर राख्नुहोस् र दुवैलाई "
        "कम्बलले ढाक्नुहोस्। पहिलो पटक नुहाइदिने काम कम्तीमा एक "
        "दिनपछि मात्र गर्नुहोस्।",
    ),
    "id": (
        "Tanda bahaya pada bayi baru lahir",
        "Mencuci tangan adalah salah satu cara paling efektif untuk "
        "mencegah infeksi. Basahi tangan, gunakan sabun dan gosok "
        "semua permukaan selama dua puluh detik. Bilas dengan air "
        "mengalir lalu keringkan dengan kain bersih.",
        "Bayi baru lahir sangat cepat kehilangan panas tubuh. "
        "Keringkan bayi segera setelah lahir, letakkan di dada ibu "
        "dengan kulit menempel kulit, lalu selimuti keduanya. Tunda "
        "memandikan bayi paling sedikit satu hari.",
    ),
}


def font_file(lang: str, bold: bool = False) -> Path:
    return FONT_DIR / f"{SCRIPT_FONT[lang]}-{'Bold' if bold else 'Regular'}.ttf"


def fonts_available(langs: Any = SAMPLES) -> bool:
    return all(font_file(lang).is_file() and font_file(lang, True).is_file() for lang in langs)


def wrap(text: str, font: Any, size: float, width: float) -> list[str]:
    """Words into lines no wider than `width` points in `font` at `size`."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.text_length(trial, fontsize=size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _write(page: Any, lang: str, text: str, x: float, y: float, width: float, size: float,
           bold: bool = False) -> float:
    """Write `text` wrapped to `width` from (x, y); return the y below it."""
    import pymupdf

    path = font_file(lang, bold)
    font = pymupdf.Font(fontfile=str(path))
    name = f"{SCRIPT_FONT[lang]}{'B' if bold else 'R'}"
    for line in wrap(text, font, size, width):
        y += size * 1.35
        page.insert_text((x, y), line, fontsize=size, fontfile=str(path), fontname=name)
    return y + size * 0.8


def text_layer_pdf(lang: str, pages: int = 1) -> bytes:
    """Heading and two paragraphs per page, with a page number; documents of several pages
    also get a running header."""
    import pymupdf

    heading, first, second = SAMPLES[lang]
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        if pages > 1:
            page.insert_text((50, 30), "Health Education Series", fontsize=8)
        y = _write(page, lang, heading, 50, 60, 495, 18, bold=True)
        y = _write(page, lang, first, 50, y, 495, 11)
        _write(page, lang, second, 50, y, 495, 11)
        page.insert_text((290, 815), str(n), fontsize=9)
    return doc.tobytes()


def two_column_pdf(lang: str) -> bytes:
    """A full-width heading over two columns: the first paragraph fills the left one."""
    import pymupdf

    heading, first, second = SAMPLES[lang]
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    top = _write(page, lang, heading, 50, 50, 495, 18, bold=True)
    _write(page, lang, first, 50, top, 230, 11)
    _write(page, lang, second, 315, top, 230, 11)
    return doc.tobytes()


TABLE = [["Sign", "What to do"], ["Fever  or cold body", "Go to the clinic today"],
         ["Poor feeding", "Ask the health worker"], ["Fast breathing", "Go to hospital now"]]


def table_pdf(rows: list[list[str]] = TABLE, lang: str = "en") -> bytes:
    """A ruled table under a short paragraph."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = _write(page, lang, SAMPLES[lang][1], 50, 50, 495, 11)
    x0, col, row_h = 50.0, 200.0, 24.0
    top = y + 10
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            page.insert_text((x0 + c * col + 5, top + r * row_h + 16), cell, fontsize=10,
                             fontfile=str(font_file(lang)), fontname="TabR")
    for r in range(len(rows) + 1):
        page.draw_line((x0, top + r * row_h), (x0 + col * len(rows[0]), top + r * row_h))
    for c in range(len(rows[0]) + 1):
        page.draw_line((x0 + c * col, top), (x0 + c * col, top + row_h * len(rows)))
    _write(page, lang, SAMPLES[lang][2], 50, top + row_h * len(rows) + 10, 495, 11)
    return doc.tobytes()


def _html_page(doc: Any, lang: str, texts: list[str], width: float, height: float) -> Any:
    import pymupdf

    page = doc.new_page(width=width, height=height)
    css = (f"@font-face {{font-family: S; src: url({font_file(lang).name});}} "
           "p {font-family: S; font-size: 13pt; line-height: 1.5;}")
    html = "".join(f"<p>{t}</p>" for t in texts)
    page.insert_htmlbox(pymupdf.Rect(25, 25, width - 25, height - 25), html, css=css,
                        archive=pymupdf.Archive(str(FONT_DIR)))
    return page


def shaped_pdf(lang: str, texts: list[str] | None = None, width: float = 420,
               height: float = 200) -> bytes:
    """Text set by HarfBuzz: looks right, but Indic text layers come out garbled."""
    import pymupdf

    doc = pymupdf.open()
    _html_page(doc, lang, texts or [SAMPLES[lang][1].split(". ")[0].split("। ")[0]], width,
               height)
    return doc.tobytes()


def scanned_pdf(lang: str, texts: list[str] | None = None, width: float = 420,
                height: float = 200, dpi: int = 200, with_text_page: bool = False) -> bytes:
    """An image-only page (the shaped rendering, rasterized); optionally after a page with
    a text layer in the same language, as in a partly scanned document."""
    import pymupdf

    src = pymupdf.open()
    page = _html_page(src, lang, texts or [SAMPLES[lang][1].split(". ")[0].split("। ")[0]],
                      width, height)
    pix = page.get_pixmap(dpi=dpi)
    doc = pymupdf.open(stream=text_layer_pdf(lang)) if with_text_page else pymupdf.open()
    scan = doc.new_page(width=width, height=height)
    scan.insert_image(scan.rect, pixmap=pix)
    return doc.tobytes()
