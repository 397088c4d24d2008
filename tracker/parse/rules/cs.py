"""Czech."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="a je se na vaše vás vaší pro že to k v",
    name="Czech",
    ai_at_meta=r"\bai (ve společnosti |v )?meta\b|umělá inteligence (ve společnosti )?meta\b|"
    r"generativní (ai|umělá)",
    objection=r"námitk\w*|námitc\w*|námitek",
    request=r"žádost\w*|požadav\w*",
    right_to_object=r"právo (vznést námitku|na námitku)|vznést námitku",
    approve=r"vyhov\w*|budeme respektovat|respektujeme|schválen\w*",
    decline=r"nemůžeme|nemohli|zamítnut\w*|zamítáme|bohužel|nevyhov\w*",
    acknowledge=r"obdrželi jsme|přezkoumáme|posoudíme|automaticky",
    info_requested=r"potřebujeme (více|další|doplňující) informac\w*|"
    r"odpověz(te)? na tento e-mail",
    conditional=r"^(pokud|jestliže|když|jestli)\b",
    login=r"přihlá\w*|registr\w*|hesl\w*|dvoufázov\w*|nové(ho)? zařízení",
    case_word=r"číslo (případu|žádosti|jednací)|referenční číslo",
    not_automatic=r"automaticky",
)
