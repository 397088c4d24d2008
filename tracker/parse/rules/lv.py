"""Latvian: "MI" as Latvian texts abbreviate mākslīgais intelekts."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="un ir jūsu mēs par lai ka uz no ar",
    name="Latvian",
    ai_at_meta=r"\b(mi|ai) (uzņēmumā |platformā )?meta\b|"
    r"meta mākslīg\w* intelekt\w*|mākslīg\w* intelekt\w* (uzņēmumā )?meta|"
    r"ģeneratīv\w* (mi|mākslīg\w*)",
    objection=r"iebild\w*|iebilst",
    request=r"pieprasījum\w*|lūgum\w*",
    right_to_object=r"tiesības iebilst|iebilst pret",
    approve=r"apmierin\w*|ievērosim|ņemsim [^.\n]{0,40}vērā|esam apstiprinājuši|"
    r"ir apstiprināt\w*",
    decline=r"nevaram|noraidīt\w*|noraidām|diemžēl",
    acknowledge=r"esam saņēmuši|saņēmām|izskatīsim|automātiski",
    info_requested=r"(nepieciešama|vajadzīga) (papildu|sīkāka) informācija|"
    r"nepieciešams vairāk informācijas|(atbildi|atbildiet) uz šo e-pasta",
    conditional=r"^(ja|kad)\b",
    login=r"pieteik\w*|pierakst\w*|reģistr\w*|parol\w*|divpakāpju|jaun\w* ierīc\w*",
    case_word=r"lietas numurs|atsauces numurs|pieprasījuma numurs",
    not_automatic=r"automātiski",
)
