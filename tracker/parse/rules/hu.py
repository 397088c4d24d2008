"""Hungarian: "MI" as Hungarian texts abbreviate mesterséges intelligencia."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="a az és hogy nem te ön ezt egy van",
    name="Hungarian",
    ai_at_meta=r"\b(mi|ai) a metá(nál|n)\b|"
    r"mesterséges intelligenci\w* (a )?metá\w*|meta mesterséges intelligenci\w*|"
    r"generatív (mi|ai|mesterséges)",
    objection=r"tiltakoz\w*|kifogás\w*",
    request=r"kérelm\w*|kérés\w*",
    right_to_object=r"tiltakozás(hoz|i) (való )?jog\w*|jog\w* van tiltakozni|tiltakozhat\w*",
    approve=r"helyt ad\w*|elfogad\w*|jóváhagy\w*|tiszteletben tart\w*|figyelembe vesszük",
    decline=r"nem (tud\w*|áll módunkban|adunk helyt)|elutasít\w*|sajnos",
    acknowledge=r"megkaptuk|átnézzük|megvizsgáljuk|automatikusan",
    info_requested=r"(további|több) információ\w* (van szükségünk|szükséges)|"
    r"szükségünk van (további|több) információ\w*|válaszolj(on)? erre az e-mailre",
    conditional=r"^(ha|amikor)\b",
    login=r"bejelentkez\w*|regisztrál\w*|jelsz\w*|kétlépcső\w*|új eszköz\w*",
    case_word=r"ügyszám|hivatkozási szám|azonosító(szám)?",
    not_automatic=r"automatikusan",
)
