"""What the documents say, in Japanese and English at once (a bilingual page needs both)."""

PHRASES = {
    "certificate": {"ja": "結婚証明書", "en": "Certificate of Union"},
    "program": {"ja": "挙式次第", "en": "Order of Ceremony"},
    "vow_card": {"ja": "誓いの言葉", "en": "Vows"},
    "declaration": {
        "ja": "ふたりは本日、ここに集う人々を証人として、互いを生涯の伴侶とし、"
        "変わらぬ愛を誓いました。",
        "en": "Before those gathered here today, the two named above promised each other "
        "a lifetime of love and companionship.",
    },
    "disclaimer": {
        "ja": "本証明書は挙式の記念品です。"
        "婚姻届ではなく、法律上の婚姻を証明するものではありません。",
        "en": "This certificate is a keepsake of the ceremony. It is not a marriage registration "
        "and does not certify a legal marriage.",
    },
    "witness": {"ja": "立会人", "en": "Witness"},
    "planner_signature": {"ja": "プランナー", "en": "Planner"},
    "number": {"ja": "証明書番号", "en": "Certificate No."},
    "version": {"ja": "第{version}版", "en": "version {version}"},
    "date": {"ja": "日付", "en": "Date"},
    "place": {"ja": "場所", "en": "Place"},
    "they_call": {"ja": "呼び名", "en": "They call each other"},
    "proposal": {"ja": "プロポーズの言葉", "en": "The proposal"},
    "time": {"ja": "開式", "en": "Ceremony at"},
    "order": {"ja": "式次第", "en": "Order of ceremony"},
    "people": {"ja": "本日の担当", "en": "With us today"},
    "planner": {"ja": "プランナー", "en": "Planner"},
    "vow_reader": {"ja": "誓いの言葉の朗読", "en": "Reading the vows"},
    "photographer": {"ja": "撮影", "en": "Photographs"},
    "companion_vows": {"ja": "{name}の誓い", "en": "{name}'s vows"},
    "client_vows": {"ja": "{name}の誓い", "en": "{name}'s vows"},
    "ar": {"ja": "ARで{name}に会う", "en": "See {name} in AR"},
    "ar_hint": {
        "ja": "スマートフォンやARグラスで読み取ると、{name}が等身大で現れます。",
        "en": "Scan with a phone or AR glasses and {name} appears life-size beside you.",
    },
    "thanks": {"ja": "ありがとうございます", "en": "Thank you"},
    "thanks_default": {
        "ja": "本日はふたりの門出にお立ち会いいただき、心より感謝申し上げます。"
        "これからも、あたたかく見守っていただけましたら幸いです。",
        "en": "Thank you for being here as we begin our life together. "
        "Your kindness today means more than we can say.",
    },
    "and": {"ja": "と", "en": "and"},
    "notes": {"ja": "メモ", "en": "Notes"},
}
ROLES = {
    "planner": {"ja": "プランナー", "en": "Planner"},
    "vow_reader": {"ja": "代読者", "en": "Vow reader"},
    "photographer": {"ja": "カメラマン", "en": "Photographer"},
    "ar_operator": {"ja": "AR担当", "en": "AR operator"},
    "client": {"ja": "ご本人", "en": "Partner"},
    "everyone": {"ja": "皆さま", "en": "Everyone"},
}


def phrase(key: str, lang: str, **values: str) -> str:
    return PHRASES[key][lang].format(**values)
