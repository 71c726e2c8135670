"""Which language a message is in, and what to say when it is one we cannot answer in.

The embedding model and the documents are English only. A question in another language would
be matched on a few shared words (names, figures) and answered badly, so it gets a short notice
in its own language instead, saying that only English is understood and what to ask.
Detection: the script decides for Chinese, Japanese, Korean, Russian, Arabic and others; for
Latin-script text, `lingua` (it ships its own language profiles, nothing is downloaded) decides,
after a check that keeps misspelt English ("wat hapens if suplier dosnt ship") English.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ENGLISH = "en"

# What to say, per language: only English is understood, with an example of a question to ask.
NOTICES = {
    "zh": "抱歉，我目前只能理解英文问题。请用英文提问，例如：\"How long do I have to open a Trade Assurance dispute?\"（我可以回答阿里巴巴信用保障、付款方式与费用、中小企业贸易融资等问题。）",
    "es": "Lo siento, por ahora solo entiendo preguntas en inglés. Escríbala en inglés, por ejemplo: \"How long do I have to open a Trade Assurance dispute?\" (Puedo responder sobre Trade Assurance de Alibaba.com, métodos de pago y comisiones, y financiación para pymes).",
    "pt": "Desculpe, por enquanto só entendo perguntas em inglês. Escreva em inglês, por exemplo: \"What does a card payment cost?\" (Posso responder sobre o Trade Assurance do Alibaba.com, formas de pagamento e taxas, e financiamento para PMEs).",
    "fr": "Désolé, pour l'instant je ne comprends que les questions en anglais. Posez-la en anglais, par exemple : \"How do I open a Trade Assurance dispute?\" (Je peux répondre sur le Trade Assurance d'Alibaba.com, les moyens de paiement et leurs frais, et le financement des PME).",
    "ru": "Извините, пока я понимаю только вопросы на английском языке. Задайте вопрос по-английски, например: \"How do I open a Trade Assurance dispute?\" (Я отвечаю о Trade Assurance на Alibaba.com, способах оплаты и комиссиях, финансировании малого бизнеса).",
    "ar": "عذرًا، أفهم حاليًا الأسئلة باللغة الإنجليزية فقط. يرجى كتابة سؤالك بالإنجليزية، مثلًا: \"How long do I have to open a Trade Assurance dispute?\" (أستطيع الإجابة عن خدمة Trade Assurance في Alibaba.com وطرق الدفع ورسومها وتمويل الشركات الصغيرة).",
    "de": "Entschuldigung, ich verstehe derzeit nur Fragen auf Englisch. Bitte fragen Sie auf Englisch, zum Beispiel: \"What does a card payment cost?\" (Ich beantworte Fragen zu Trade Assurance von Alibaba.com, Zahlungsarten und Gebühren sowie KMU-Finanzierung).",
    "it": "Mi dispiace, per ora capisco solo domande in inglese. Scriva in inglese, per esempio: \"What does a card payment cost?\" (Rispondo su Trade Assurance di Alibaba.com, metodi di pagamento e commissioni, finanziamenti per PMI).",
    "tr": "Üzgünüm, şu anda yalnızca İngilizce soruları anlayabiliyorum. Lütfen İngilizce sorun, örneğin: \"What does a card payment cost?\" (Alibaba.com Trade Assurance, ödeme yöntemleri ve ücretleri, KOBİ finansmanı hakkında yanıt verebilirim).",
    "ja": "申し訳ありませんが、現在は英語の質問のみ理解できます。英語で質問してください。例: \"How long do I have to open a Trade Assurance dispute?\"",
    "ko": "죄송합니다. 현재는 영어 질문만 이해할 수 있습니다. 영어로 질문해 주세요. 예: \"How long do I have to open a Trade Assurance dispute?\"",
    "vi": "Xin lỗi, hiện tôi chỉ hiểu câu hỏi bằng tiếng Anh. Vui lòng hỏi bằng tiếng Anh, ví dụ: \"What does a card payment cost?\"",
    "id": "Maaf, saat ini saya hanya memahami pertanyaan dalam bahasa Inggris. Silakan bertanya dalam bahasa Inggris, misalnya: \"What does a card payment cost?\"",
    "hi": "क्षमा करें, अभी मैं केवल अंग्रेज़ी में पूछे गए प्रश्न समझता हूँ। कृपया अंग्रेज़ी में पूछें, उदाहरण: \"What does a card payment cost?\"",
    "th": "ขออภัย ตอนนี้ฉันเข้าใจเฉพาะคำถามภาษาอังกฤษเท่านั้น กรุณาถามเป็นภาษาอังกฤษ เช่น \"What does a card payment cost?\"",
}
OTHER_LANGUAGE_NOTICE = (
    "Sorry, I only understand questions in English for now. Please ask in English, for example: "
    "\"How long do I have to open a Trade Assurance dispute?\""
)

_SCRIPTS = (  # (Unicode name prefix, language), checked on letters only
    ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CYRILLIC", "ru"),
    ("ARABIC", "ar"), ("DEVANAGARI", "hi"), ("THAI", "th"), ("HEBREW", "he"), ("GREEK", "el"),
)
CONFIDENT_ACCENTED = 0.9  # how sure the detector must be to overrule English words in the message
_LATIN_LANGUAGES = ("ENGLISH", "SPANISH", "PORTUGUESE", "FRENCH", "GERMAN", "ITALIAN", "TURKISH",
                    "VIETNAMESE", "INDONESIAN", "DUTCH", "POLISH")
# Short English words that carry most questions; a message made mostly of them is English.
_ENGLISH_CUES = set(
    "a an the i me my we our you your he she it they them is are was were be been do does did dont doesnt "
    "can cant could will wont would should have has had what wat whats how when where who why which if "
    "and or but not no yes to of in on for from with at by about after before this that there get got "
    "pay paid order supplier seller buyer refund money back ship shipped goods card fee cost much many long "
    "days trade assurance alibaba dispute loan pls plz thx thanks u ur explain explained mean means".split()
)


def _script_language(letters: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in letters:
        if ch.isascii():  # Latin: the common case, and no script of its own to count
            continue
        name = unicodedata.name(ch, "")
        for prefix, lang in _SCRIPTS:
            if name.startswith(prefix) or (prefix == "CJK" and "IDEOGRAPH" in name):
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts:
        return None
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    # Japanese text mixes kanji with kana: any kana makes it Japanese.
    if counts.get("ja"):
        lang, n = "ja", n + counts.get("zh", 0)
    return lang if n >= max(2, 0.3 * len(letters)) else None


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LATIN_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str, known_words: frozenset[str] | set[str] = frozenset()) -> str:
    """An ISO 639-1 code; "en" when the message is English or too short to tell.

    ``known_words`` are the documents' and glossary's words (lower case): a message made mostly
    of them ("FOB EXW CIF", "mybank 310 model") is read as English whatever its grammar."""
    letters = "".join(ch for ch in text if ch.isalpha())
    if not letters:
        return ENGLISH
    by_script = _script_language(letters)
    if by_script:
        return by_script
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 3:
        return ENGLISH
    # Accented letters that English hardly uses ("alıcılar için ücretsiz mi?") outweigh our own
    # names in the message ("Alibaba Trade Assurance"), once the detector is sure.
    accented = [w for w in words if not w.isascii() and w not in known_words]
    if accented:
        confident = _confident_language(text, CONFIDENT_ACCENTED)
        if confident:
            return confident
    if sum(w in _ENGLISH_CUES for w in words) >= 0.25 * len(words):
        return ENGLISH
    if sum(w in known_words for w in words) >= 0.6 * len(words):
        return ENGLISH
    return _confident_language(text, 0.5) or ENGLISH


def _confident_language(text: str, confidence: float) -> str | None:
    """The detector's language other than English when it is at least this sure, else None."""
    confidences = _detector().compute_language_confidence_values(text)
    best = confidences[0] if confidences else None
    if best is None or best.language.name == "ENGLISH" or best.value < confidence:
        return None
    return best.language.iso_code_639_1.name.lower()


def notice_for(language: str) -> str:
    return NOTICES.get(language, OTHER_LANGUAGE_NOTICE)
