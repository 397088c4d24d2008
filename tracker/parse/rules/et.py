"""Estonian."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="ja on ei sinu me et see või oma teie",
    name="Estonian",
    ai_at_meta=r"\bmeta (tehisintellekt\w*|tehisaru\w*)|tehisintellekt\w* metas|"
    r"generatiiv\w* tehisintellekt\w*",
    objection=r"vastuväi\w*|vastu vaidl\w*|vastu vaielda",
    request=r"taotlus\w*|päring\w*",
    right_to_object=r"õigus (esitada vastuväi|vastu vaielda)",
    approve=r"rahulda\w*|arvestame|võtame [^.\n]{0,40}arvesse|heaks kiidetud|kiitsime heaks",
    decline=r"ei saa|ei saanud|tagasi lükat\w*|lükkame [^.\n]{0,40}tagasi|kahjuks",
    acknowledge=r"oleme (kätte )?saanud|vaatame [^.\n]{0,40}läbi|ei [^.\n]{0,60}automaatselt",
    info_requested=r"vajame (rohkem teavet|lisateavet|täiendavat teavet)|"
    r"(vasta|vastake) sellele (meilile|e-kirjale)",
    conditional=r"^kui\b",
    login=r"sisselogimi\w*|logi sisse|registreeru\w*|parool\w*|kaheastmeli\w*|uue(st)? seadme",
    case_word=r"juhtumi number|viitenumber|pöördumise number",
    not_automatic=r"automaatselt",
)
