"""Starting points for a run of show: (offset, minutes, Japanese, English, role).

Offsets are minutes from the ceremony's start; negative ones happen before it. Titles name the
client by their place in the ceremony: {role} (新婦 / 新郎 / 新人 / bride …) and, in English,
{obj} for the pronoun (her / him / them)."""

TEMPLATES: dict[str, dict] = {
    "jinzen": {
        "name_ja": "人前式",
        "name_en": "Civil-style ceremony (jinzen-shiki)",
        "items": [
            (-30, 20, "受付・ゲストご着席", "Guests arrive and take their seats", "planner"),
            (
                -10,
                10,
                "ARグラスの装着・位置合わせ",
                "AR glasses on; the companion is aligned",
                "ar_operator",
            ),
            (0, 3, "開式の辞", "Opening words", "planner"),
            (3, 5, "{role}入場", "Entrance of the {role}", "client"),
            (8, 4, "パートナーの登場", "The companion appears beside {obj}", "ar_operator"),
            (
                12,
                8,
                "誓いの言葉（パートナーの誓いは代読）",
                "Vows (the companion's read aloud)",
                "vow_reader",
            ),
            (20, 5, "指輪の交換", "Exchange of rings", "ar_operator"),
            (25, 7, "結婚証明書への署名", "Signing the certificate", "planner"),
            (32, 5, "ゲストによる承認の拍手", "The guests' applause of approval", "everyone"),
            (37, 3, "閉式の辞", "Closing words", "planner"),
            (40, 30, "記念撮影", "Photographs", "photographer"),
        ],
    },
    "chapel": {
        "name_ja": "チャペル式",
        "name_en": "Chapel-style ceremony",
        "items": [
            (
                -30,
                25,
                "ゲストご着席・ARグラスの準備",
                "Guests seated; AR glasses prepared",
                "planner",
            ),
            (0, 5, "開式・讃美歌", "Opening hymn", "everyone"),
            (
                5,
                5,
                "{role}入場（バージンロード）",
                "Entrance of the {role} down the aisle",
                "client",
            ),
            (10, 3, "パートナーの登場", "The companion appears at the altar", "ar_operator"),
            (13, 5, "朗読", "Reading", "planner"),
            (
                18,
                8,
                "誓約（パートナーの誓いは代読）",
                "Vows (the companion's read aloud)",
                "vow_reader",
            ),
            (26, 5, "指輪の交換", "Exchange of rings", "ar_operator"),
            (31, 6, "結婚証明書への署名", "Signing the certificate", "planner"),
            (37, 3, "結婚の宣言", "Declaration of union", "planner"),
            (40, 5, "退場", "Recessional", "client"),
            (45, 25, "フラワーシャワー・記念撮影", "Flower shower and photographs", "photographer"),
        ],
    },
    "photo": {
        "name_ja": "フォトウェディング",
        "name_en": "Photo session",
        "items": [
            (0, 45, "お支度・ヘアメイク", "Dressing, hair and make-up", "client"),
            (45, 15, "ARの位置合わせ・テスト撮影", "AR alignment and test shots", "ar_operator"),
            (60, 60, "スタジオ撮影", "Studio photographs", "photographer"),
            (120, 30, "ロケーション撮影", "Location photographs", "photographer"),
            (
                150,
                20,
                "写真の選定・合成の確認",
                "Choosing photos; checking the compositing",
                "photographer",
            ),
        ],
    },
}
